// Voyage AI embeddings (POST /v1/embeddings): `input_type` query / document, `output_dimension` for the
// models that support it, up to 1,000 texts per call and a per-model total-token cap per request.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { bearer, embedderId, httpFor, openAiStyleVectors, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter, type ModelInfo } from './common.js';

const FLEX = [256, 512, 1024, 2048] as const;
export const VOYAGE_MODELS: Readonly<Record<string, ModelInfo>> = {
  'voyage-3.5': { dimensions: 1024, maxInputTokens: 32_000, flexible: FLEX, maxBatchTokens: 320_000 },
  'voyage-3.5-lite': { dimensions: 1024, maxInputTokens: 32_000, flexible: FLEX, maxBatchTokens: 1_000_000 },
  'voyage-3-large': { dimensions: 1024, maxInputTokens: 32_000, flexible: FLEX, maxBatchTokens: 120_000 },
  'voyage-code-3': { dimensions: 1024, maxInputTokens: 32_000, flexible: FLEX, maxBatchTokens: 120_000 },
  'voyage-3': { dimensions: 1024, maxInputTokens: 32_000, maxBatchTokens: 320_000 },
  'voyage-3-lite': { dimensions: 512, maxInputTokens: 32_000, maxBatchTokens: 1_000_000 },
  'voyage-finance-2': { dimensions: 1024, maxInputTokens: 32_000, maxBatchTokens: 120_000 },
  'voyage-multilingual-2': { dimensions: 1024, maxInputTokens: 32_000, maxBatchTokens: 120_000 },
  'voyage-law-2': { dimensions: 1024, maxInputTokens: 16_000, maxBatchTokens: 120_000 },
  'voyage-code-2': { dimensions: 1536, maxInputTokens: 16_000, maxBatchTokens: 120_000 },
};

type Config = Extract<EmbedderConfig, { provider: 'voyage' }>;

export default function voyageEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const info = resolveModel(cfg, VOYAGE_MODELS, 32_000);
  const http = httpFor('voyage', cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'https://api.voyageai.com/v1')}/embeddings`;
  return {
    id: embedderId('voyage', cfg.model, info.dimensions),
    provider: 'voyage',
    model: cfg.model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    maxBatch: Math.min(cfg.batchSize ?? 128, 1000),
    maxBatchTokens: info.maxBatchTokens,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const body: Record<string, unknown> = {
        model: cfg.model,
        input: texts,
        input_type: options.purpose === 'query' ? 'query' : 'document',
        truncation: true,
      };
      if (info.requestDimensions !== undefined) body.output_dimension = info.requestDimensions;
      const res = await http.json({ url, headers: bearer(cfg.apiKey), body, signal: options.signal });
      return openAiStyleVectors('voyage', res, texts.length, info.dimensions);
    },
  };
}
