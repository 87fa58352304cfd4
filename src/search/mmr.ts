// Maximal marginal relevance (Carbonell & Goldstein 1998): re-orders candidates so each next pick balances
// relevance against similarity to what was already picked:
//   next = argmax  λ · rel(d) − (1 − λ) · max_{s ∈ picked} cos(d, s)
// rel is the candidate's score min-max normalised over the candidates (so it lives in [0, 1] like the cosine
// term, whatever produced it: BM25, cosine, fusion or a reranker). λ = 1 keeps the relevance order; λ = 0
// only avoids repetition. A candidate without a vector (its chunk not embedded yet) is treated as similar to
// nothing: it competes on relevance alone.
import { StrataError } from '../core/errors.js';
import type { Candidate } from './fusion.js';

export interface MmrOptions {
  /** Trade-off in [0, 1]: 1 = relevance only, 0 = diversity only. */
  lambda: number;
  /** How many candidates to pick (the rest are dropped). */
  k: number;
  vectorOf: (key: number) => Float32Array | undefined;
}

/** The first `k` candidates in MMR order; each keeps its original score (the order is MMR's, the score is relevance). */
export function mmr(candidates: readonly Candidate[], options: MmrOptions): Candidate[] {
  const { lambda, k } = options;
  if (!Number.isFinite(lambda) || lambda < 0 || lambda > 1) {
    throw new StrataError('search', 'invalid-input', `MMR lambda must be between 0 and 1, got ${lambda}`, {
      hint: '1 keeps the relevance order, 0 maximises diversity; 0.5–0.7 is usual',
    });
  }
  const n = candidates.length;
  if (n === 0 || k <= 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const c of candidates) {
    min = Math.min(min, c.score);
    max = Math.max(max, c.score);
  }
  const span = max - min;
  const rel = candidates.map((c) => (span > 0 ? (c.score - min) / span : 1));
  const unit = candidates.map((c) => unitVector(options.vectorOf(c.key)));
  // maxSim[i]: highest cosine between candidate i and any picked one; updated incrementally per pick (O(n·k)).
  const maxSim = new Float64Array(n).fill(-Infinity);
  const taken = new Uint8Array(n);
  const out: Candidate[] = [];
  while (out.length < Math.min(k, n)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const redundancy = out.length === 0 || maxSim[i] === -Infinity ? 0 : maxSim[i]!;
      const value = lambda * rel[i]! - (1 - lambda) * redundancy;
      // Strict '>' keeps the earlier (more relevant) candidate on ties.
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    taken[best] = 1;
    out.push(candidates[best]!);
    const picked = unit[best];
    if (!picked) continue;
    for (let i = 0; i < n; i++) {
      const v = unit[i];
      if (taken[i] || !v) continue;
      const sim = dot(picked, v);
      if (sim > maxSim[i]!) maxSim[i] = sim;
    }
  }
  return out;
}

function unitVector(v: Float32Array | undefined): Float32Array | undefined {
  if (!v) return undefined;
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  if (norm === 0 || !Number.isFinite(norm)) return undefined;
  const inv = 1 / Math.sqrt(norm);
  const u = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) u[i] = v[i]! * inv;
  return u;
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
