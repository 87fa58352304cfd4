// Voyage AI rerank (POST /v1/rerank): `{ query, documents, model, top_k, truncation }` → `data[{ index, relevance_score }]`.
import type { RerankerConfig } from '../../core/config-semantic.js';
import { checkRanking, rerankHttp, trimSlash, type RerankDeps, type RerankerAdapter } from './common.js';

type Config = Extract<RerankerConfig, { provider: 'voyage' }>;

export default function voyageReranker(cfg: Config, deps: RerankDeps): RerankerAdapter {
  const http = rerankHttp(cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'https://api.voyageai.com/v1')}/rerank`;
  return {
    id: `voyage:${cfg.model}`,
    provider: 'voyage',
    model: cfg.model,
    async rerank(query, documents, options = {}) {
      if (documents.length === 0) return [];
      const body = { model: cfg.model, query, documents, truncation: true, ...(options.topN !== undefined ? { top_k: options.topN } : {}) };
      const res = await http.json<{ data?: unknown }>({ url, headers: { authorization: `Bearer ${cfg.apiKey}` }, body, signal: options.signal });
      return checkRanking('voyage', res?.data, documents.length, options.topN);
    },
  };
}
