// Hugging Face Text-Embeddings-Inference (POST /embed → a bare list of vectors). TEI's default
// --max-client-batch-size is 32; `truncate: true` cuts over-long inputs server-side. Purpose prefixes of
// instruction-tuned models are added here because TEI does not add them.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { bearer, checkVectors, embedderId, httpFor, resolveModel, trimSlash, withPrefix, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { HF_MODELS } from './hf-models.js';

type Config = Extract<EmbedderConfig, { provider: 'tei' }>;

export default function teiEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const info = resolveModel(cfg, HF_MODELS, 512);
  const http = httpFor('tei', cfg, deps);
  const url = `${trimSlash(cfg.baseUrl)}/embed`;
  return {
    id: embedderId('tei', cfg.model, info.dimensions),
    provider: 'tei',
    model: cfg.model,
    dimensions: info.dimensions,
    maxInputTokens: info.maxInputTokens,
    maxBatch: cfg.batchSize ?? 32,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const inputs = withPrefix(texts, info.prefix?.[options.purpose ?? 'document']);
      const res = await http.json({ url, headers: bearer(cfg.apiKey), body: { inputs, normalize: true, truncate: true }, signal: options.signal });
      return checkVectors('tei', res, texts.length, info.dimensions);
    },
  };
}
