// Jina AI rerank (POST /v1/rerank): `{ model, query, documents, top_n, return_documents: false }` →
// `results[{ index, relevance_score }]` (documents are not echoed back: we already have them).
import type { RerankerConfig } from '../../core/config-semantic.js';
import { checkRanking, rerankHttp, trimSlash, type RerankDeps, type RerankerAdapter } from './common.js';

type Config = Extract<RerankerConfig, { provider: 'jina' }>;

export default function jinaReranker(cfg: Config, deps: RerankDeps): RerankerAdapter {
  const http = rerankHttp(cfg, deps);
  const url = `${trimSlash(cfg.baseUrl ?? 'https://api.jina.ai/v1')}/rerank`;
  return {
    id: `jina:${cfg.model}`,
    provider: 'jina',
    model: cfg.model,
    async rerank(query, documents, options = {}) {
      if (documents.length === 0) return [];
      const body = { model: cfg.model, query, documents, return_documents: false, ...(options.topN !== undefined ? { top_n: options.topN } : {}) };
      const res = await http.json<{ results?: unknown }>({ url, headers: { authorization: `Bearer ${cfg.apiKey}` }, body, signal: options.signal });
      return checkRanking('jina', res?.results, documents.length, options.topN);
    },
  };
}
