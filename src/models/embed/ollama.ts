// Ollama embeddings (POST /api/embed with a list of inputs; `truncate: true` lets the server cut to the
// model's context). Local by default, so the key is optional (for a proxy in front of it).
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { providerError } from '../http.js';
import { bearer, checkVectors, embedderId, httpFor, resolveModel, trimSlash, withPrefix, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { OLLAMA_MODELS } from './hf-models.js';

type Config = Extract<EmbedderConfig, { provider: 'ollama' }>;

export default function ollamaEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  // `nomic-embed-text:latest` and `nomic-embed-text` are the same model for the table.
  const base = cfg.model.replace(/:[^/:]+$/, '');
  const table = Object.hasOwn(OLLAMA_MODELS, cfg.model) ? OLLAMA_MODELS : { [cfg.model]: OLLAMA_MODELS[base] ?? undefined };
  const info = resolveModel(cfg, Object.fromEntries(Object.entries(table).filter(([, v]) => v !== undefined)) as typeof OLLAMA_MODELS, 2048);
  const http = httpFor('ollama', cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'http://127.0.0.1:11434')}/api/embed`;
  return {
    id: embedderId('ollama', cfg.model, info.dimensions),
    provider: 'ollama',
    model: cfg.model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    maxBatch: cfg.batchSize ?? 64,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const input = withPrefix(texts, info.prefix?.[options.purpose ?? 'document']);
      const res = await http.json<{ embeddings?: unknown }>({ url, headers: bearer(cfg.apiKey), body: { model: cfg.model, input, truncate: true }, signal: options.signal });
      if (res === null || typeof res !== 'object') throw providerError('ollama', 'malformed', 'ollama answered without "embeddings"');
      return checkVectors('ollama', res.embeddings, texts.length, info.dimensions);
    },
  };
}
