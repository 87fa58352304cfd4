// Local ONNX embedding models through transformers.js (`feature-extraction` pipeline): a model directory or a
// Hugging Face id found in the cache directory; nothing leaves the machine. Mean pooling by default, CLS for
// the BGE family (as they were trained); vectors L2-normalised unless the config says otherwise.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import { embedderId, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { HF_MODELS } from './hf-models.js';
import { loadFailure, resolveLocalModel } from './local-model.js';

type Config = Extract<EmbedderConfig, { provider: 'transformers' }>;

interface Extractor {
  (texts: string[], options: { pooling: 'mean' | 'cls'; normalize: boolean }): Promise<{ dims: number[]; data: ArrayLike<number> }>;
  model?: { config?: { hidden_size?: number } };
}

export default async function transformersEmbedder(cfg: Config, deps: AdapterDeps): Promise<EmbedderAdapter> {
  const component = 'embedder:transformers';
  const known = Object.hasOwn(HF_MODELS, cfg.model) ? HF_MODELS[cfg.model] : undefined;
  const { id, options, lib } = await resolveLocalModel(component, cfg, deps.dataDir);
  let extractor: Extractor;
  try {
    extractor = (await lib.pipeline('feature-extraction', id, options as never)) as unknown as Extractor;
  } catch (e) {
    throw loadFailure(component, cfg, e);
  }
  const dimensions = cfg.dimensions ?? known?.dimensions ?? extractor.model?.config?.hidden_size;
  if (!dimensions) {
    throw new StrataError(component, 'config', `the dimensions of local model "${cfg.model}" are not known`, { hint: 'set "dimensions" for this embedder' });
  }
  const pooling = cfg.pooling ?? (/bge|arctic/i.test(cfg.model) ? 'cls' : 'mean');
  const prefix = { query: cfg.queryPrefix ?? known?.prefix?.query, document: cfg.documentPrefix ?? known?.prefix?.document };
  return {
    id: embedderId('transformers', cfg.model, dimensions),
    provider: 'transformers',
    model: cfg.model,
    dimensions,
    maxInputTokens: cfg.maxInputTokens ?? known?.maxInputTokens ?? 512,
    maxBatch: cfg.batchSize ?? 16,
    async embed(texts, opts = {}) {
      if (texts.length === 0) return [];
      opts.signal?.throwIfAborted();
      const p = prefix[opts.purpose ?? 'document'] ?? '';
      const out = await extractor(texts.map((t) => p + t), { pooling, normalize: cfg.normalize });
      const [n, d] = out.dims;
      if (n !== texts.length || d !== dimensions) {
        throw new StrataError(component, 'unavailable', `local model "${cfg.model}" produced ${n}×${d} values for ${texts.length} texts of ${dimensions} dimensions`, {
          details: { kind: 'malformed' },
          hint: 'set "dimensions" to the model\'s hidden size, or check the model folder',
        });
      }
      return Array.from({ length: n }, (_, i) => Float32Array.from(Array.prototype.slice.call(out.data, i * d, (i + 1) * d) as number[]));
    },
  };
}
