import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedCompare, percentile, seededRandom } from './stats.js';

const scores = (values: number[]) => new Map(values.map((v, i) => [`q${i}`, v]));

test('identical configurations: difference 0, p = 1, CI [0, 0]', () => {
  const a = scores([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]);
  const r = pairedCompare(a, new Map(a), { resamples: 2000 });
  assert.equal(r.diff, 0);
  assert.equal(r.pValue, 1);
  assert.deepEqual(r.ci95, [0, 0]);
});

test('a clearly better configuration: small p, CI excludes 0, positive diff', () => {
  const rand = seededRandom(7);
  const base = Array.from({ length: 60 }, () => rand() * 0.6);
  const a = scores(base);
  const b = scores(base.map((v) => v + 0.2 + (rand() - 0.5) * 0.1));
  const r = pairedCompare(a, b, { resamples: 5000 });
  assert.ok(Math.abs(r.diff - 0.2) < 0.03, `diff ${r.diff}`);
  assert.ok(r.pValue < 0.001, `p ${r.pValue}`);
  assert.ok(r.ci95[0] > 0 && r.ci95[1] > r.ci95[0]);
  // the +1 correction: never exactly 0
  assert.equal(r.pValue, 1 / 5001);
});

test('noise around zero is not significant, and the same seed gives the same answer', () => {
  const rand = seededRandom(11);
  const base = Array.from({ length: 40 }, () => rand());
  const b = base.map((v) => v + (rand() - 0.5) * 0.02);
  const r1 = pairedCompare(scores(base), scores(b), { resamples: 3000, seed: 5 });
  const r2 = pairedCompare(scores(base), scores(b), { resamples: 3000, seed: 5 });
  assert.deepEqual(r1, r2);
  assert.ok(r1.pValue > 0.05, `p ${r1.pValue}`);
  assert.ok(r1.ci95[0] < 0 && r1.ci95[1] > 0);
});

test('only questions both sides scored are paired; none shared is an error', () => {
  const r = pairedCompare(new Map([['a', 1], ['b', 0]]), new Map([['b', 1], ['c', 0]]), { resamples: 200 });
  assert.equal(r.n, 1);
  assert.equal(r.diff, 1);
  assert.throws(() => pairedCompare(new Map([['a', 1]]), new Map([['b', 1]])), /share no scored query/);
});

test('percentile is nearest-rank', () => {
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  assert.equal(percentile([1, 2, 3, 4], 25), 1);
});
