// Any server speaking OpenAI's embeddings API (vLLM, LM Studio, LocalAI, llama.cpp server, Together, …):
// the same request shape at the configured base URL, an optional key, and dimensions from the config.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { bearer, httpFor, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { OPENAI_MODELS, openAiStyleEmbedder } from './openai.js';

type Config = Extract<EmbedderConfig, { provider: 'openai-compatible' }>;

export default function openaiCompatibleEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  return openAiStyleEmbedder({
    provider: 'openai-compatible',
    model: cfg.model,
    // A proxy in front of OpenAI serves OpenAI's models; anything else must state its dimensions.
    info: resolveModel(cfg, OPENAI_MODELS, 512),
    http: httpFor('openai-compatible', cfg, deps),
    url: `${trimSlash(cfg.baseUrl)}/embeddings`,
    headers: bearer(cfg.apiKey),
    maxBatch: cfg.batchSize ?? 64,
    extraBody: { encoding_format: 'float' },
  });
}
