// Rerankers: one adapter per provider (this folder).
//
// Public API:
//   createReranker(cfg, deps) → Promise<Reranker>
//       cfg:  one validated entry of `config.rerankers` (RerankerConfig from core/config-semantic.ts)
//       deps: { dataDir, fetch?, sleep? } — `dataDir` roots local models (<dataDir>/models)
//       The result bounds concurrency / requests per minute, retries 429/5xx/timeouts (honouring Retry-After),
//       and returns results sorted by descending score, at most `topN`, each index in range and unique;
//       a vendor answer that breaks this is a StrataError (`details.kind: 'malformed'`), never a wrong ranking.
//   rerankerConfig(config, name) → RerankerConfig — the named entry, or a config error listing the known names.
import type { RerankerConfig } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import { createLimiter } from '../limits.js';
import type { Reranker } from '../types.js';
import cohere from './cohere.js';
import { checkRanking, type RerankDeps, type RerankerAdapter } from './common.js';
import jina from './jina.js';
import transformers from './transformers.js';
import voyage from './voyage.js';

export type { RerankDeps } from './common.js';

type Provider = RerankerConfig['provider'];
type Factory<P extends Provider> = (cfg: Extract<RerankerConfig, { provider: P }>, deps: RerankDeps) => RerankerAdapter | Promise<RerankerAdapter>;

/** The one list of reranker adapters. */
const ADAPTERS: { [P in Provider]: Factory<P> } = { cohere, voyage, jina, transformers };

export async function createReranker(cfg: RerankerConfig, deps: RerankDeps): Promise<Reranker> {
  const factory = Object.hasOwn(ADAPTERS, cfg.provider) ? (ADAPTERS[cfg.provider] as Factory<typeof cfg.provider>) : undefined;
  if (!factory) throw new StrataError('reranker', 'config', `unknown rerank provider "${String(cfg.provider)}"`, { hint: `use one of: ${Object.keys(ADAPTERS).join(', ')}` });
  const inner = await factory(cfg as never, deps);
  const limiter = 'concurrency' in cfg ? createLimiter({ concurrency: cfg.concurrency, requestsPerMinute: cfg.requestsPerMinute }) : createLimiter({ concurrency: 1, requestsPerMinute: 0 });
  return {
    id: inner.id,
    provider: inner.provider,
    model: inner.model,
    async rerank(query, documents, options = {}) {
      if (options.topN !== undefined && !(Number.isInteger(options.topN) && options.topN >= 1)) {
        throw new StrataError(`reranker:${inner.provider}`, 'invalid-input', `topN must be a positive integer, not ${options.topN}`);
      }
      if (documents.length === 0) return [];
      const results = await limiter.run(() => inner.rerank(query, documents, options), options.signal);
      // Checked again here so a local model or a future adapter cannot hand back an impossible ranking.
      return checkRanking(inner.provider, results.map((r) => ({ index: r.index, relevance_score: r.score })), documents.length, options.topN);
    },
  };
}

export function rerankerConfig(config: { rerankers: Record<string, RerankerConfig> }, name: string): RerankerConfig {
  if (Object.hasOwn(config.rerankers, name)) return config.rerankers[name]!;
  const known = Object.keys(config.rerankers);
  throw new StrataError('reranker', 'config', `no reranker named "${name}"`, {
    details: { name, known },
    hint: known.length ? `use one of: ${known.join(', ')}` : `define it under rerankers.${name} in the config`,
  });
}
