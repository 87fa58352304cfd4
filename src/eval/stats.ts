// Statistics for comparing configurations on the same queries: percentiles, a seeded PRNG, the paired
// bootstrap (confidence interval of the mean difference) and the paired permutation test (sign flips).
// Everything is deterministic for a given seed, so a report and a CI gate give the same verdict twice.
import { StrataError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';

/** Nearest-rank percentile (the definition the BEIR runner reports), 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** mulberry32 (core/random.ts): the same seed gives the same resampling. */
export { seededRandom };

export interface PairedComparison {
  /** Queries both sides scored. */
  n: number;
  meanA: number;
  meanB: number;
  /** mean(B − A): positive when B is better. */
  diff: number;
  /** 95% paired-bootstrap confidence interval of `diff` (percentile method). */
  ci95: [number, number];
  /** Two-sided paired permutation (sign-flip) test of mean(B − A) = 0. */
  pValue: number;
  resamples: number;
  seed: number;
}

export interface PairedOptions {
  resamples?: number;
  seed?: number;
}

/**
 * Compares per-query scores of two configurations on the queries they share (matched by id). The bootstrap
 * resamples queries with replacement; the permutation test flips the sign of each query's difference at
 * random and counts how often the mean is at least as extreme as observed, with the +1 correction so p is
 * never exactly 0 (p = (extreme + 1) / (resamples + 1)).
 */
export function pairedCompare(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, options: PairedOptions = {}): PairedComparison {
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 42;
  const ids = [...a.keys()].filter((id) => b.has(id)).sort();
  if (ids.length === 0) {
    throw new StrataError('eval', 'invalid-input', 'the two configurations share no scored query', {
      hint: 'compare runs made on the same dataset',
    });
  }
  const d = Float64Array.from(ids, (id) => b.get(id)! - a.get(id)!);
  const n = d.length;
  const meanOf = (xs: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[i]!;
    return s / xs.length;
  };
  const diff = meanOf(d);
  const rand = seededRandom(seed);
  const boot = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rand() * n)]!;
    boot[r] = s / n;
  }
  boot.sort();
  const lo = boot[Math.floor(0.025 * (resamples - 1))]!;
  const hi = boot[Math.ceil(0.975 * (resamples - 1))]!;
  // Differences that are all zero (identical configurations) can never be "more extreme": p = 1.
  const observed = Math.abs(diff);
  let extreme = 0;
  const eps = 1e-12;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rand() < 0.5 ? -d[i]! : d[i]!;
    if (Math.abs(s / n) >= observed - eps) extreme++;
  }
  return {
    n,
    meanA: meanOf(ids.map((id) => a.get(id)!)),
    meanB: meanOf(ids.map((id) => b.get(id)!)),
    diff,
    ci95: [lo, hi],
    pValue: (extreme + 1) / (resamples + 1),
    resamples,
    seed,
  };
}
