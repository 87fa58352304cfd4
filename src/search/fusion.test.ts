import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuse, normalize, type Candidate } from './fusion.js';
import { mmr } from './mmr.js';
import { rerankCandidates } from './rerank-step.js';
import type { Reranker } from '../models/types.js';
import { DEFAULT_FUSION, effectiveFusion } from './hybrid.js';
import { STATIC_EMBEDDER_ID } from '../models/embed/index.js';

const list = (...pairs: [number, number][]): Candidate[] => pairs.map(([key, score]) => ({ key, score }));
const keys = (cs: Candidate[]) => cs.map((c) => c.key);

describe('reciprocal rank fusion', () => {
  it('scores Σ w / (k + rank) with k = 60 by default and ranks agreement first', () => {
    const lexical = list([1, 30], [2, 20], [3, 10]);
    const vector = list([3, 0.9], [1, 0.8], [4, 0.7]);
    const fused = fuse([lexical, vector], { method: 'rrf' });
    assert.deepEqual(keys(fused), [1, 3, 2, 4]);
    const byKey = new Map(fused.map((c) => [c.key, c.score]));
    assert.equal(byKey.get(1), 1 / 61 + 1 / 62);
    assert.equal(byKey.get(3), 1 / 63 + 1 / 61);
    assert.equal(byKey.get(4), 1 / 63);
  });

  it('honours k and weights; a zero weight removes a list influence but keeps its candidates', () => {
    const a = list([1, 5], [2, 4]);
    const b = list([2, 9], [1, 8]);
    assert.deepEqual(keys(fuse([a, b], { method: 'rrf', weights: [1, 0] })), [1, 2]);
    assert.deepEqual(keys(fuse([a, b], { method: 'rrf', weights: [0, 1] })), [2, 1]);
    const k0 = fuse([a, list([3, 1])], { method: 'rrf', rrfK: 0 });
    assert.equal(k0.find((c) => c.key === 1)!.score, 1);
  });

  it('breaks ties by ascending key and rejects bad weights', () => {
    assert.deepEqual(keys(fuse([list([9, 1]), list([4, 1])], { method: 'rrf' })), [4, 9]);
    assert.throws(() => fuse([list([1, 1])], { method: 'rrf', weights: [1, 2] }), /2 weights/);
    assert.throws(() => fuse([list([1, 1])], { method: 'weighted', weights: [Number.NaN] }), /not a finite number/);
  });
});

describe('weighted fusion', () => {
  it('min-max normalises each list on its own candidates; absentees get 0', () => {
    const lexical = list([1, 12], [2, 7], [3, 2]); // → 1, 0.5, 0
    const vector = list([3, 0.9], [4, 0.5]); // → 1, 0
    const fused = fuse([lexical, vector], { method: 'weighted', weights: [0.8, 0.2] });
    const byKey = Object.fromEntries(fused.map((c) => [c.key, c.score]));
    assert.deepEqual(byKey, { 1: 0.8, 2: 0.4, 3: 0.2, 4: 0 });
    assert.deepEqual(keys(fused), [1, 2, 3, 4]);
    // the vector weight decides when it dominates
    assert.deepEqual(keys(fuse([lexical, vector], { method: 'weighted', weights: [0.2, 0.8] })).slice(0, 2), [3, 1]);
  });

  it('z-score normalisation: mean 0, unit variance, absentees at the list minimum', () => {
    const { scores, floor } = normalize(list([1, 3], [2, 1]), 'zscore');
    assert.equal(scores.get(1), 1);
    assert.equal(scores.get(2), -1);
    assert.equal(floor, -1);
    const fused = fuse([list([1, 3], [2, 1]), list([3, 5], [1, 5])], { method: 'weighted', normalization: 'zscore' });
    // list b is constant: every member scores 0 there; key 2 is absent from b and gets b's floor (0)
    assert.deepEqual(Object.fromEntries(fused.map((c) => [c.key, c.score])), { 1: 1, 2: -1, 3: -1 });
  });

  it('a constant min-max list counts all of its members as best', () => {
    assert.deepEqual([...normalize(list([1, 2], [2, 2]), 'minmax').scores.values()], [1, 1]);
    assert.deepEqual(fuse([[], []], { method: 'weighted' }), []);
  });
});

describe('MMR', () => {
  const vectors = new Map<number, Float32Array>([
    [1, Float32Array.of(1, 0)],
    [2, Float32Array.of(0.99, 0.01)], // near-duplicate of 1
    [3, Float32Array.of(0, 1)],
  ]);
  const cands = list([1, 1.0], [2, 0.95], [3, 0.6]);
  it('λ = 1 keeps the relevance order; lower λ skips the near-duplicate', () => {
    assert.deepEqual(keys(mmr(cands, { lambda: 1, k: 3, vectorOf: (k) => vectors.get(k) })), [1, 2, 3]);
    assert.deepEqual(keys(mmr(cands, { lambda: 0.5, k: 3, vectorOf: (k) => vectors.get(k) })), [1, 3, 2]);
    assert.deepEqual(keys(mmr(cands, { lambda: 0.5, k: 2, vectorOf: (k) => vectors.get(k) })), [1, 3]);
  });
  it('keeps the original scores, tolerates missing vectors and rejects λ outside [0, 1]', () => {
    const out = mmr(cands, { lambda: 0.3, k: 3, vectorOf: (k) => (k === 2 ? undefined : vectors.get(k)) });
    assert.deepEqual(out.map((c) => c.score).sort(), [0.6, 0.95, 1.0]);
    assert.throws(() => mmr(cands, { lambda: 1.5, k: 1, vectorOf: () => undefined }), /between 0 and 1/);
    assert.deepEqual(mmr([], { lambda: 0.5, k: 5, vectorOf: () => undefined }), []);
  });
});

describe('rerank step', () => {
  const texts = new Map([
    [10, 'alpha'],
    [11, 'beta'],
    [12, 'gamma'],
    [13, 'delta'],
  ]);
  const fake = (answer: (docs: readonly string[]) => { index: number; score: number }[]): Reranker & { calls: string[][] } => {
    const calls: string[][] = [];
    return { id: 'fake:r', provider: 'fake', model: 'r', calls, rerank: async (_q, docs) => (calls.push([...docs]), answer(docs)) };
  };
  const cands = list([10, 4], [11, 3], [12, 2], [13, 1]);

  it('re-orders the first topN by the reranker scores; the rest follow in first-stage order', async () => {
    const r = fake((docs) => docs.map((d, index) => ({ index, score: d === 'gamma' ? 9 : d.length })).sort((a, b) => b.score - a.score));
    const out = await rerankCandidates(r, 'q', cands, (k) => texts.get(k)!, { topN: 3 });
    assert.deepEqual(r.calls, [['alpha', 'beta', 'gamma']]);
    assert.deepEqual(out, list([12, 9], [10, 5], [11, 4], [13, 1]));
  });

  it('refuses an answer that is not a permutation of what was sent', async () => {
    for (const bad of [
      [{ index: 0, score: 1 }],
      [{ index: 0, score: 1 }, { index: 0, score: 1 }],
      [{ index: 0, score: 1 }, { index: 5, score: 1 }],
      [{ index: 0, score: Number.NaN }, { index: 1, score: 1 }],
    ]) {
      await assert.rejects(rerankCandidates(fake(() => bad), 'q', cands.slice(0, 2), (k) => texts.get(k)!), /reranker fake:r/);
    }
    assert.deepEqual(await rerankCandidates(fake(() => []), 'q', [], () => ''), []);
  });
});

describe('effectiveFusion', () => {
  it('takes the request, then the config, then the embedder prior, then RRF', () => {
    assert.deepEqual(effectiveFusion('openai:text-embedding-3-small@1536'), DEFAULT_FUSION);
    const prior = effectiveFusion(STATIC_EMBEDDER_ID);
    assert.equal(prior.method, 'weighted');
    assert.equal(prior.vectorWeight, 0.1);
    assert.equal(effectiveFusion(STATIC_EMBEDDER_ID, { method: 'rrf' }).method, 'rrf', 'the config overrides the prior');
    assert.equal(effectiveFusion(STATIC_EMBEDDER_ID, { vectorWeight: 0.3 }, { vectorWeight: 0.6, method: undefined }).vectorWeight, 0.6, 'the request overrides both');
    assert.equal(effectiveFusion(STATIC_EMBEDDER_ID, {}, { method: undefined }).method, 'weighted', 'an unset request key changes nothing');
  });
});
