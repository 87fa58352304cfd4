import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hitRateAtK, mean, mrrAtK, ndcgAtK, precisionAtK, recallAtK } from './metrics.js';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

// One query: d1 (grade 1), d3 (grade 2), d4 (grade 1) are relevant, d9 is judged non-relevant (0).
const qrels = new Map([['d1', 1], ['d3', 2], ['d4', 1], ['d9', 0]]);
const ranked = ['d1', 'd2', 'd3', 'd9', 'd5'];

test('nDCG@k uses the grade as gain and log2(rank + 1) as discount (trec_eval ndcg_cut)', () => {
  // DCG@3 = 1/log2(2) + 0 + 2/log2(4) = 2; ideal = 2/log2(2) + 1/log2(3) + 1/log2(4) = 3.1309297535714573
  close(ndcgAtK(ranked, qrels, 3), 2 / (2 + 1 / Math.log2(3) + 0.5));
  close(ndcgAtK(ranked, qrels, 3), 0.6387878864795979);
  // with 2^rel − 1 gains it would be 2.5 / 4.130929753571457 = 0.6052
  // k = 1: only d1 (gain 1) against an ideal of 2
  close(ndcgAtK(ranked, qrels, 1), 0.5);
  // a perfect ranking scores 1; nothing relevant scores 0
  close(ndcgAtK(['d3', 'd1', 'd4'], qrels, 10), 1);
  close(ndcgAtK(['d2', 'd9'], qrels, 10), 0);
  // a query with no relevant documents scores 0, as trec_eval's idcg = 0
  close(ndcgAtK(['x'], new Map([['x', 0]]), 10), 0);
});

test('judged-non-relevant (score ≤ 0) and unjudged documents give no gain', () => {
  const q = new Map([['a', 0], ['b', 1], ['c', -1]]);
  close(ndcgAtK(['a', 'c', 'b'], q, 10), 1 / Math.log2(4)); // 0.5
  close(recallAtK(['a', 'c'], q, 10), 0);
  close(mrrAtK(['a', 'c', 'b'], q, 10), 1 / 3);
});

test('recall@k is the found fraction of all relevant documents', () => {
  close(recallAtK(ranked, qrels, 1), 1 / 3);
  close(recallAtK(ranked, qrels, 2), 1 / 3);
  close(recallAtK(ranked, qrels, 3), 2 / 3);
  close(recallAtK(['d4', 'd3', 'd1'], qrels, 100), 1);
});

test('precision@k divides by k even when fewer results were returned', () => {
  close(precisionAtK(ranked, qrels, 2), 1 / 2);
  close(precisionAtK(ranked, qrels, 5), 2 / 5);
  close(precisionAtK(['d1'], qrels, 10), 1 / 10);
});

test('MRR@k is the reciprocal rank of the first relevant result within k', () => {
  close(mrrAtK(ranked, qrels, 10), 1);
  close(mrrAtK(['d2', 'd9', 'd3'], qrels, 10), 1 / 3);
  close(mrrAtK(['d2', 'd9', 'd3'], qrels, 2), 0);
});

test('hit rate@k is 1 when anything relevant is in the top k', () => {
  assert.equal(hitRateAtK(['d2', 'd4'], qrels, 2), 1);
  assert.equal(hitRateAtK(['d2', 'd4'], qrels, 1), 0);
});

test('a repeated id counts once, at its first rank', () => {
  close(recallAtK(['d1', 'd1', 'd1', 'd3'], qrels, 2), 2 / 3);
  close(precisionAtK(['d1', 'd1'], qrels, 2), 1 / 2);
});

test('mean averages per-query values', () => {
  assert.equal(mean([]), 0);
  close(mean([1, 0, 0.5]), 0.5);
});
