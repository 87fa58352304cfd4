// Google Gemini embeddings (POST /v1beta/models/{model}:batchEmbedContents, key in `x-goog-api-key` so it
// never appears in a URL or a log): one request per text inside the batch, each with a taskType
// RETRIEVAL_QUERY / RETRIEVAL_DOCUMENT; answers come back as `embeddings[].values`, in request order.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { providerError } from '../http.js';
import { checkVectors, embedderId, httpFor, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter, type ModelInfo } from './common.js';

export const GOOGLE_MODELS: Readonly<Record<string, ModelInfo>> = {
  'gemini-embedding-001': { dimensions: 3072, maxInputTokens: 2048, flexible: true },
  'text-embedding-004': { dimensions: 768, maxInputTokens: 2048, flexible: true },
  'embedding-001': { dimensions: 768, maxInputTokens: 2048 },
};

type Config = Extract<EmbedderConfig, { provider: 'google' }>;

export default function googleEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const info = resolveModel(cfg, GOOGLE_MODELS, 2048);
  const http = httpFor('google', cfg, deps);
  const name = cfg.model.startsWith('models/') ? cfg.model : `models/${cfg.model}`;
  const url = `${trimSlash(cfg.baseUrl ?? 'https://generativelanguage.googleapis.com/v1beta')}/${name}:batchEmbedContents`;
  return {
    id: embedderId('google', cfg.model, info.dimensions),
    provider: 'google',
    model: cfg.model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    // batchEmbedContents accepts at most 100 requests.
    maxBatch: Math.min(cfg.batchSize ?? 100, 100),
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const taskType = options.purpose === 'query' ? 'RETRIEVAL_QUERY' : 'RETRIEVAL_DOCUMENT';
      const requests = texts.map((text) => ({
        model: name,
        content: { parts: [{ text }] },
        taskType,
        ...(info.requestDimensions !== undefined ? { outputDimensionality: info.requestDimensions } : {}),
      }));
      const res = await http.json<{ embeddings?: unknown }>({ url, headers: { 'x-goog-api-key': cfg.apiKey }, body: { requests }, signal: options.signal });
      if (!Array.isArray(res?.embeddings)) throw providerError('google', 'malformed', 'google answered without an "embeddings" list');
      return checkVectors('google', res.embeddings.map((e: unknown) => (e as { values?: unknown } | null)?.values), texts.length, info.dimensions);
    },
  };
}
