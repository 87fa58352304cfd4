// Retrieval metrics with the definitions BEIR reports through pytrec_eval (trec_eval), so Strata's numbers
// are comparable with published ones. `ranked` is one query's result ids, best first.
//
// Shared conventions (as trec_eval):
// - a qrel with score ≤ 0 is non-relevant; ids missing from qrels are non-relevant;
// - a repeated id in `ranked` counts only at its first position (pytrec_eval runs are dicts, so ids are unique);
// - a query without any relevant document scores 0 on every metric (trec_eval's idcg = 0 → ndcg 0).
// trec_eval orders a run by score and breaks ties by document id; here the caller's order is taken as given.

export type Qrels = ReadonlyMap<string, number>;

function firstK(ranked: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  for (const id of ranked) {
    if (seen.size >= k) break;
    seen.add(id);
  }
  return [...seen];
}

const relevantCount = (qrels: Qrels): number => {
  let n = 0;
  for (const rel of qrels.values()) if (rel > 0) n++;
  return n;
};

const isRelevant = (qrels: Qrels, id: string): boolean => (qrels.get(id) ?? 0) > 0;

/**
 * nDCG@k as trec_eval's `ndcg_cut.k`: gain = the qrel grade itself (not 2^rel − 1), discount log2(rank + 1)
 * for 1-based rank, ideal DCG from all of the query's positive qrels sorted by grade and cut at k.
 */
export function ndcgAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  const ideal = [...qrels.values()].filter((r) => r > 0).sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((rel, i) => (idcg += rel / Math.log2(i + 2)));
  if (idcg === 0) return 0;
  let dcg = 0;
  firstK(ranked, k).forEach((id, i) => {
    const rel = qrels.get(id) ?? 0;
    if (rel > 0) dcg += rel / Math.log2(i + 2);
  });
  return dcg / idcg;
}

/** Fraction of the query's relevant documents found in the top k (trec_eval `recall.k`). */
export function recallAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  const total = relevantCount(qrels);
  if (total === 0) return 0;
  return firstK(ranked, k).filter((id) => isRelevant(qrels, id)).length / total;
}

/** Relevant documents in the top k divided by k, even when fewer than k were returned (trec_eval `P.k`). */
export function precisionAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  if (relevantCount(qrels) === 0 || k <= 0) return 0;
  return firstK(ranked, k).filter((id) => isRelevant(qrels, id)).length / k;
}

/** Reciprocal rank of the first relevant document within the top k, else 0 (BEIR's MRR@k). */
export function mrrAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  const i = firstK(ranked, k).findIndex((id) => isRelevant(qrels, id));
  return i < 0 ? 0 : 1 / (i + 1);
}

/** 1 when any relevant document is in the top k, else 0 (trec_eval `success.k`). */
export function hitRateAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  return firstK(ranked, k).some((id) => isRelevant(qrels, id)) ? 1 : 0;
}

/** Arithmetic mean (0 for no values): BEIR averages per-query metrics over the queries in qrels. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
