// A local cross-encoder through transformers.js (AutoTokenizer + AutoModelForSequenceClassification), e.g.
// Xenova/ms-marco-MiniLM-L-6-v2 or Xenova/bge-reranker-base: each (query, document) pair is scored by the model;
// the score is the sigmoid of the relevance logit. Runs offline from a model directory or the cache directory.
import type { RerankerConfig } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import { loadFailure, resolveLocalModel } from '../embed/local-model.js';
import type { RerankResult } from '../types.js';
import type { RerankDeps, RerankerAdapter } from './common.js';

type Config = Extract<RerankerConfig, { provider: 'transformers' }>;

type Tokenizer = (q: string[], o: { text_pair: string[]; padding: boolean; truncation: boolean; max_length: number }) => unknown;
type Model = (inputs: unknown) => Promise<{ logits: { dims: number[]; data: ArrayLike<number> } }>;

export default async function transformersReranker(cfg: Config, deps: RerankDeps): Promise<RerankerAdapter> {
  const component = 'reranker:transformers';
  const { id, options, lib } = await resolveLocalModel(component, cfg, deps.dataDir);
  let tokenizer: Tokenizer;
  let model: Model;
  try {
    tokenizer = (await lib.AutoTokenizer.from_pretrained(id, options as never)) as unknown as Tokenizer;
    model = (await lib.AutoModelForSequenceClassification.from_pretrained(id, options as never)) as unknown as Model;
  } catch (e) {
    throw loadFailure(component, cfg, e);
  }
  return {
    id: `transformers:${cfg.model}`,
    provider: 'transformers',
    model: cfg.model,
    async rerank(query, documents, opts = {}) {
      const scores: RerankResult[] = [];
      for (let at = 0; at < documents.length; at += cfg.batchSize) {
        opts.signal?.throwIfAborted();
        const docs = documents.slice(at, at + cfg.batchSize);
        const inputs = tokenizer(docs.map(() => query), { text_pair: [...docs], padding: true, truncation: true, max_length: cfg.maxLength });
        const { logits } = await model(inputs);
        const [n, labels] = logits.dims;
        if (n !== docs.length || !labels) throw new StrataError(component, 'unavailable', `local model "${cfg.model}" returned ${n} scores for ${docs.length} pairs`, { details: { kind: 'malformed' } });
        for (let i = 0; i < n; i++) {
          // One label: a relevance logit. Two (not relevant / relevant): the second one.
          const logit = Number(logits.data[i * labels + labels - 1]);
          scores.push({ index: at + i, score: 1 / (1 + Math.exp(-logit)) });
        }
      }
      scores.sort((a, b) => b.score - a.score || a.index - b.index);
      return opts.topN !== undefined ? scores.slice(0, opts.topN) : scores;
    },
  };
}
