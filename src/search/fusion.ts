// Fusing ranked lists (lexical BM25, vector similarity) into one ranking. Two methods:
// - reciprocal rank fusion (RRF): score = Σ wᵢ / (k + rankᵢ), rank 1-based, k = 60 by default (Cormack et al.
//   2009). It uses ranks only, so it needs no calibration between BM25 scores and cosine similarities.
// - weighted score fusion: score = Σ wᵢ · norm(scoreᵢ), each list normalised on its own returned candidates,
//   either min-max (best → 1, worst → 0; the default) or z-score ((s − mean) / stddev).
// A candidate missing from a list gets that list's lowest normalised score (0 for min-max): it was not
// retrieved, so it counts as no better than the last candidate that was. Ties break by ascending key, the
// same order the lexical index uses, so fusion is deterministic.
import { StrataError } from '../core/errors.js';

/** One ranked candidate: `key` identifies a chunk, `score` is higher-is-better within its own list. */
export interface Candidate {
  key: number;
  score: number;
}

export type FusionMethod = 'rrf' | 'weighted';
export type Normalization = 'minmax' | 'zscore';

export interface FusionOptions {
  method: FusionMethod;
  /** One weight per list (default: all 1). For RRF they scale each list's contribution. */
  weights?: readonly number[];
  /** RRF constant (default 60): larger flattens the advantage of the very first ranks. */
  rrfK?: number;
  /** Weighted fusion only (default 'minmax'). */
  normalization?: Normalization;
}

export const DEFAULT_RRF_K = 60;

/** Fuses lists that are each sorted best first; returns every candidate of any list, best first. */
export function fuse(lists: readonly (readonly Candidate[])[], options: FusionOptions): Candidate[] {
  const weights = options.weights ?? lists.map(() => 1);
  if (weights.length !== lists.length) {
    throw new StrataError('search', 'invalid-input', `fusion got ${lists.length} lists but ${weights.length} weights`);
  }
  for (const w of weights) {
    if (!Number.isFinite(w) || w < 0) throw new StrataError('search', 'invalid-input', `fusion weight ${w} is not a finite number ≥ 0`);
  }
  const fused = new Map<number, number>();
  if (options.method === 'rrf') {
    const k = options.rrfK ?? DEFAULT_RRF_K;
    if (!Number.isFinite(k) || k < 0) throw new StrataError('search', 'invalid-input', `rrf k must be a finite number ≥ 0, got ${k}`);
    lists.forEach((list, i) => {
      const w = weights[i]!;
      list.forEach((c, rank) => fused.set(c.key, (fused.get(c.key) ?? 0) + w / (k + rank + 1)));
    });
  } else {
    const normalized = lists.map((list) => normalize(list, options.normalization ?? 'minmax'));
    for (const list of lists) for (const c of list) fused.set(c.key, 0);
    normalized.forEach(({ scores, floor }, i) => {
      const w = weights[i]!;
      if (w === 0) return;
      for (const [key, total] of fused) fused.set(key, total + w * (scores.get(key) ?? floor));
    });
  }
  return sortCandidates([...fused].map(([key, score]) => ({ key, score })));
}

/** Scores of one list mapped to [0, 1] (min-max) or standard units (z-score), with the value for absentees. */
export function normalize(list: readonly Candidate[], how: Normalization): { scores: Map<number, number>; floor: number } {
  const scores = new Map<number, number>();
  if (list.length === 0) return { scores, floor: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const c of list) {
    min = Math.min(min, c.score);
    max = Math.max(max, c.score);
    sum += c.score;
  }
  if (how === 'minmax') {
    // A list whose candidates all score the same carries order only: every one of them counts as best.
    const span = max - min;
    for (const c of list) scores.set(c.key, span > 0 ? (c.score - min) / span : 1);
    return { scores, floor: 0 };
  }
  const mean = sum / list.length;
  let sq = 0;
  for (const c of list) sq += (c.score - mean) ** 2;
  const sd = Math.sqrt(sq / list.length);
  let floor = Infinity;
  for (const c of list) {
    const z = sd > 0 ? (c.score - mean) / sd : 0;
    scores.set(c.key, z);
    floor = Math.min(floor, z);
  }
  return { scores, floor };
}

/** Best first; equal scores by ascending key. */
export function sortCandidates(list: Candidate[]): Candidate[] {
  return list.sort((a, b) => b.score - a.score || a.key - b.key);
}
