// Cohere rerank, API v2 (POST /v2/rerank): `{ model, query, documents, top_n }` → `results[{ index, relevance_score }]`.
import type { RerankerConfig } from '../../core/config-semantic.js';
import { checkRanking, rerankHttp, trimSlash, type RerankDeps, type RerankerAdapter } from './common.js';

type Config = Extract<RerankerConfig, { provider: 'cohere' }>;

export default function cohereReranker(cfg: Config, deps: RerankDeps): RerankerAdapter {
  const http = rerankHttp(cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'https://api.cohere.com')}/v2/rerank`;
  return {
    id: `cohere:${cfg.model}`,
    provider: 'cohere',
    model: cfg.model,
    async rerank(query, documents, options = {}) {
      if (documents.length === 0) return [];
      const body = { model: cfg.model, query, documents, ...(options.topN !== undefined ? { top_n: options.topN } : {}) };
      const res = await http.json<{ results?: unknown }>({ url, headers: { authorization: `Bearer ${cfg.apiKey}` }, body, signal: options.signal });
      return checkRanking('cohere', res?.results, documents.length, options.topN);
    },
  };
}
