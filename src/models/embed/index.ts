// Embedders: one adapter per provider (this folder), composed with the pipeline wrapper (pipeline.ts).
//
// Public API (everything else in this folder is internal):
//   createEmbedder(cfg, deps) → Promise<Embedder>
//       cfg:  one validated entry of `config.embedders` (EmbedderConfig from core/config-semantic.ts)
//       deps: { dataDir, cache?, fetch?, sleep? } — `cache` is the store's EmbeddingCache (document vectors are
//             looked up by (embedder id, sha256(text)) before any provider call, and stored after);
//             `dataDir` roots the static vectors' cache (<dataDir>/cache) and local models (<dataDir>/models).
//       The result batches, truncates, rate-limits, retries (429/5xx/timeouts, honouring Retry-After) and
//       validates every vector (count, dimensions, finite) — a bad answer is a StrataError, never a stored vector.
//   embedderConfig(config, name) → EmbedderConfig — the named entry; `static` is built in when not configured.
//   STATIC_EMBEDDER_ID = 'static:wink-sg-100d@100' — the offline default (no key, no network).
// Errors: StrataError with component `embedder:<provider>` or `provider:<provider>`; `details.kind` (see
// models/http.ts) says why a provider call failed. `static` returns the zero vector for a text with no known word.
import { embedderSchema, type EmbedderConfig, type EmbedderProvider } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import type { Embedder, EmbeddingCache } from '../types.js';
import azureOpenai from './azure-openai.js';
import cohere from './cohere.js';
import type { AdapterDeps, EmbedderAdapter } from './common.js';
import google from './google.js';
import mistral from './mistral.js';
import ollama from './ollama.js';
import openai from './openai.js';
import openaiCompatible from './openai-compatible.js';
import { embeddingPipeline } from './pipeline.js';
import staticVectors from './static.js';
import tei from './tei.js';
import transformers from './transformers.js';
import voyage from './voyage.js';

export interface EmbedderDeps extends AdapterDeps {
  cache?: EmbeddingCache;
}

type Factory<P extends EmbedderProvider> = (cfg: Extract<EmbedderConfig, { provider: P }>, deps: AdapterDeps) => EmbedderAdapter | Promise<EmbedderAdapter>;

/** The one list of embedder adapters; the config schema's provider names are checked against it by the type. */
const ADAPTERS: { [P in EmbedderProvider]: Factory<P> } = {
  openai,
  'azure-openai': azureOpenai,
  cohere,
  voyage,
  google,
  mistral,
  ollama,
  tei,
  'openai-compatible': openaiCompatible,
  transformers,
  static: staticVectors,
};

export const STATIC_EMBEDDER_ID = 'static:wink-sg-100d@100';

export async function createEmbedder(cfg: EmbedderConfig, deps: EmbedderDeps): Promise<Embedder> {
  const factory = Object.hasOwn(ADAPTERS, cfg.provider) ? (ADAPTERS[cfg.provider] as Factory<typeof cfg.provider>) : undefined;
  if (!factory) {
    throw new StrataError('embedder', 'config', `unknown embedding provider "${String(cfg.provider)}"`, { hint: `use one of: ${Object.keys(ADAPTERS).join(', ')}` });
  }
  const adapter = await factory(cfg as never, deps);
  return embeddingPipeline(adapter, { concurrency: cfg.concurrency, requestsPerMinute: cfg.requestsPerMinute, cache: deps.cache });
}

/** The embedder named `name` in the config; `static` needs no entry. */
export function embedderConfig(config: { embedders: Record<string, EmbedderConfig> }, name: string): EmbedderConfig {
  if (Object.hasOwn(config.embedders, name)) return config.embedders[name]!;
  if (name === 'static') return embedderSchema.parse({ provider: 'static' });
  const known = ['static', ...Object.keys(config.embedders)];
  throw new StrataError('embedder', 'config', `no embedder named "${name}"`, {
    details: { name, known },
    hint: `define it under embedders.${name} in the config, or use one of: ${known.join(', ')}`,
  });
}
