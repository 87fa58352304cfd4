// Mistral embeddings (POST /v1/embeddings, OpenAI-shaped). Mistral rejects more than 256 inputs or about
// 16k tokens in one request, so batches stay under both.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { bearer, httpFor, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter, type ModelInfo } from './common.js';
import { openAiStyleEmbedder } from './openai.js';

export const MISTRAL_MODELS: Readonly<Record<string, ModelInfo>> = {
  'mistral-embed': { dimensions: 1024, maxInputTokens: 8192, maxBatchTokens: 16_000 },
  'codestral-embed': { dimensions: 1536, maxInputTokens: 8192, flexible: true, maxBatchTokens: 16_000 },
};

type Config = Extract<EmbedderConfig, { provider: 'mistral' }>;

export default function mistralEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  return openAiStyleEmbedder({
    provider: 'mistral',
    model: cfg.model,
    info: resolveModel(cfg, MISTRAL_MODELS, 8192),
    http: httpFor('mistral', cfg, deps),
    url: `${trimSlash(cfg.baseUrl ?? 'https://api.mistral.ai/v1')}/embeddings`,
    headers: bearer(cfg.apiKey),
    maxBatch: Math.min(cfg.batchSize ?? 128, 256),
    dimensionsField: 'output_dimension',
  });
}
