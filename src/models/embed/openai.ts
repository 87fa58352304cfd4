// OpenAI embeddings (POST /v1/embeddings). The request/answer shape here is also spoken by Azure OpenAI,
// Mistral and most self-hosted servers, which reuse `openAiStyleEmbedder` with their own URL, headers and table.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import type { HttpClient } from '../http.js';
import { bearer, embedderId, httpFor, openAiStyleVectors, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter, type ModelInfo } from './common.js';

/** Documented limits: 8,191 input tokens per text, 2,048 inputs and 300,000 tokens per request. */
export const OPENAI_MODELS: Readonly<Record<string, ModelInfo>> = {
  'text-embedding-3-small': { dimensions: 1536, maxInputTokens: 8191, flexible: true, maxBatchTokens: 300_000 },
  'text-embedding-3-large': { dimensions: 3072, maxInputTokens: 8191, flexible: true, maxBatchTokens: 300_000 },
  'text-embedding-ada-002': { dimensions: 1536, maxInputTokens: 8191, maxBatchTokens: 300_000 },
};

export interface OpenAiStyleOptions {
  provider: string;
  model: string;
  info: ModelInfo & { requestDimensions?: number };
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
  maxBatch: number;
  /** Azure names the model by its deployment in the URL, so the body carries none. */
  sendModel?: boolean;
  /** The body field asking for shorter vectors: OpenAI `dimensions`, Mistral `output_dimension`. */
  dimensionsField?: string;
  /** Extra body fields (e.g. `encoding_format`). */
  extraBody?: Record<string, unknown>;
}

export function openAiStyleEmbedder(o: OpenAiStyleOptions): EmbedderAdapter {
  const { provider, model, info } = o;
  return {
    id: embedderId(provider, model, info.dimensions),
    provider,
    model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    maxBatch: o.maxBatch,
    maxBatchTokens: info.maxBatchTokens,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const body: Record<string, unknown> = { input: texts, ...o.extraBody };
      if (o.sendModel !== false) body.model = model;
      if (info.requestDimensions !== undefined) body[o.dimensionsField ?? 'dimensions'] = info.requestDimensions;
      const res = await o.http.json({ url: o.url, headers: o.headers, body, signal: options.signal });
      return openAiStyleVectors(provider, res, texts.length, info.dimensions);
    },
  };
}

type OpenAiConfig = Extract<EmbedderConfig, { provider: 'openai' }>;

export default function openaiEmbedder(cfg: OpenAiConfig, deps: AdapterDeps): EmbedderAdapter {
  return openAiStyleEmbedder({
    provider: 'openai',
    model: cfg.model,
    info: resolveModel(cfg, OPENAI_MODELS, 8191),
    http: httpFor('openai', cfg, deps),
    url: `${trimSlash(cfg.baseUrl ?? 'https://api.openai.com/v1')}/embeddings`,
    headers: bearer(cfg.apiKey),
    maxBatch: Math.min(cfg.batchSize ?? 2048, 2048),
    extraBody: { encoding_format: 'float' },
  });
}
