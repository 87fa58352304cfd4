// Shared by the reranker adapters: the HTTP client from the config, and the check that a vendor's ranking
// names each document at most once, by an index in range, with a finite score.
import type { RerankerConfig } from '../../core/config-semantic.js';
import { providerClient, providerError, trimSlash, type HttpClient } from '../http.js';
import type { Reranker, RerankResult } from '../types.js';

export interface RerankDeps {
  dataDir: string;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type HostedRerankerConfig = Extract<RerankerConfig, { provider: 'cohere' | 'voyage' | 'jina' }>;

export function rerankHttp(cfg: HostedRerankerConfig, deps: RerankDeps): HttpClient {
  return providerClient(cfg.provider, cfg, deps, { baseDelayMs: 500, maxDelayMs: 30_000 });
}

/** Validates and sorts a vendor's results (`[{ index, relevance_score }]`): indices in range, no repeats, finite scores. */
export function checkRanking(provider: string, raw: unknown, documents: number, topN: number | undefined): RerankResult[] {
  if (!Array.isArray(raw)) throw providerError(provider, 'malformed', `${provider} answered without a list of results`);
  const limit = Math.min(documents, topN ?? documents);
  if (raw.length > limit) throw providerError(provider, 'malformed', `${provider} returned ${raw.length} results for ${documents} documents (top ${limit})`);
  const seen = new Set<number>();
  const out = raw.map((r: unknown) => {
    const { index, relevance_score: score } = (r ?? {}) as { index?: unknown; relevance_score?: unknown };
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= documents) {
      throw providerError(provider, 'malformed', `${provider} returned a result for document ${String(index)}, outside 0–${documents - 1}`);
    }
    if (seen.has(index)) throw providerError(provider, 'malformed', `${provider} ranked document ${index} twice`);
    seen.add(index);
    if (typeof score !== 'number' || !Number.isFinite(score)) throw providerError(provider, 'malformed', `${provider} returned a non-finite score (${String(score)}) for document ${index}`);
    return { index, score };
  });
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}

export type RerankerAdapter = Reranker;

export { trimSlash };
