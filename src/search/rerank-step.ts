// Second-stage ranking: a Reranker (cross-encoder or rerank API) re-scores the first `topN` candidates of a
// ranking against the query; they come first, in the reranker's order and with its scores. Candidates past
// `topN` keep their first-stage order after them, so deep pages still exist, but only the first `topN` are
// comparable by score. A reranker answer that is not a permutation of what was sent is an error, not a guess.
import { StrataError } from '../core/errors.js';
import type { Reranker } from '../models/types.js';
import type { Candidate } from './fusion.js';

export const DEFAULT_RERANK_TOP_N = 50;

export interface RerankStepOptions {
  /** How many leading candidates are sent to the reranker (default 50). */
  topN?: number;
  signal?: AbortSignal;
}

export async function rerankCandidates(
  reranker: Reranker,
  query: string,
  candidates: readonly Candidate[],
  textOf: (key: number) => string,
  options: RerankStepOptions = {},
): Promise<Candidate[]> {
  const topN = options.topN ?? DEFAULT_RERANK_TOP_N;
  if (!Number.isInteger(topN) || topN < 1) {
    throw new StrataError('search', 'invalid-input', `rerank topN must be a whole number ≥ 1, got ${topN}`);
  }
  const head = candidates.slice(0, topN);
  if (head.length === 0) return [];
  const results = await reranker.rerank(
    query,
    head.map((c) => textOf(c.key)),
    { topN: head.length, signal: options.signal },
  );
  const seen = new Set<number>();
  const reranked: Candidate[] = [];
  for (const r of results) {
    if (!Number.isInteger(r.index) || r.index < 0 || r.index >= head.length || seen.has(r.index) || !Number.isFinite(r.score)) {
      throw new StrataError('search', 'unavailable', `reranker ${reranker.id} returned an invalid result ${JSON.stringify(r)} for ${head.length} documents`, {
        hint: 'the provider answered out of contract; retry, or search without --rerank',
        details: { reranker: reranker.id, documents: head.length },
      });
    }
    seen.add(r.index);
    reranked.push({ key: head[r.index]!.key, score: r.score });
  }
  if (reranked.length !== head.length) {
    throw new StrataError('search', 'unavailable', `reranker ${reranker.id} scored ${reranked.length} of ${head.length} documents`, {
      hint: 'the provider answered out of contract; retry, or search without --rerank',
      details: { reranker: reranker.id, documents: head.length },
    });
  }
  // Providers sort already; sorting again makes the order ours (ties: first-stage order) whatever they do.
  const firstStage = new Map(head.map((c, i) => [c.key, i]));
  reranked.sort((a, b) => b.score - a.score || firstStage.get(a.key)! - firstStage.get(b.key)!);
  return [...reranked, ...candidates.slice(topN)];
}
