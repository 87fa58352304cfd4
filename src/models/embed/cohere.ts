// Cohere embeddings, API v2 (POST /v2/embed): `input_type` search_query / search_document, float vectors
// under `embeddings.float`, at most 96 texts per call; `truncate: END` lets Cohere cut what our estimate missed.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { providerError } from '../http.js';
import { bearer, checkVectors, embedderId, httpFor, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter, type ModelInfo } from './common.js';

export const COHERE_MODELS: Readonly<Record<string, ModelInfo>> = {
  'embed-v4.0': { dimensions: 1536, maxInputTokens: 128_000, flexible: [256, 512, 1024, 1536] },
  'embed-english-v3.0': { dimensions: 1024, maxInputTokens: 512 },
  'embed-multilingual-v3.0': { dimensions: 1024, maxInputTokens: 512 },
  'embed-english-light-v3.0': { dimensions: 384, maxInputTokens: 512 },
  'embed-multilingual-light-v3.0': { dimensions: 384, maxInputTokens: 512 },
};

type Config = Extract<EmbedderConfig, { provider: 'cohere' }>;

export default function cohereEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const info = resolveModel(cfg, COHERE_MODELS, 512);
  const http = httpFor('cohere', cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'https://api.cohere.com')}/v2/embed`;
  return {
    id: embedderId('cohere', cfg.model, info.dimensions),
    provider: 'cohere',
    model: cfg.model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    maxBatch: Math.min(cfg.batchSize ?? 96, 96),
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const body: Record<string, unknown> = {
        model: cfg.model,
        texts,
        // v3+ models require an input type; a caller that does not say is indexing documents.
        input_type: options.purpose === 'query' ? 'search_query' : 'search_document',
        embedding_types: ['float'],
        truncate: 'END',
      };
      if (info.requestDimensions !== undefined) body.output_dimension = info.requestDimensions;
      const res = await http.json<{ embeddings?: { float?: unknown } }>({ url, headers: bearer(cfg.apiKey), body, signal: options.signal });
      if (typeof res?.embeddings !== 'object' || res.embeddings === null) throw providerError('cohere', 'malformed', 'cohere answered without "embeddings"');
      return checkVectors('cohere', res.embeddings.float, texts.length, info.dimensions);
    },
  };
}
