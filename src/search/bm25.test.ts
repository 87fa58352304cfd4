import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getAnalyzer } from './analyzers.js';
import { createBm25Index, decodeTermFreqs, encodeTermCounts, encodeTermFreqs, type Bm25Index } from './bm25.js';

const english = getAnalyzer('english');
const docs = [
  'The cat sat on the mat.', // 0
  'Dogs and cats are running in the park.', // 1
  'A dog runs; the dog barks at another dog.', // 2
  'Quantum chromodynamics of gluons.', // 3
  'Cats, dogs and a running mouse.', // 4
];
function indexOf(texts: string[], params = { k1: 0.9, b: 0.4 }): Bm25Index {
  const ix = createBm25Index(params);
  texts.forEach((t, i) => {
    const terms = english.terms(t);
    ix.add(i, encodeTermFreqs(terms), terms.length);
  });
  return ix;
}
const keys = (ix: Bm25Index, q: string, limit = 10, accept?: (k: number) => boolean) =>
  ix.search(english.terms(q), { limit, accept }).map((h) => h.key);

test('encodeTermFreqs is compact and round-trips, including terms containing ":"', () => {
  assert.equal(encodeTermFreqs(['dog', 'run', 'dog', 'dog']), 'dog:3 run');
  assert.equal(encodeTermFreqs([]), '');
  const terms = ['a:b', 'a:b', 'x', 'c:1', 'é'];
  assert.deepEqual([...decodeTermFreqs(encodeTermFreqs(terms))], [['a:b', 2], ['x', 1], ['c:1', 1], ['é', 1]]);
  assert.throws(() => encodeTermFreqs(['two words']), /space-free/);
  assert.throws(() => encodeTermFreqs(['']), /space-free/);
});

test('encodeTermCounts writes what encodeTermFreqs writes for the same counts', () => {
  const terms = ['a:b', 'a:b', 'x', 'c:1', 'é', ...Array<string>(70).fill('many'), ...Array<string>(64).fill('x')];
  const distinct = [...new Set(terms)];
  const freqs = distinct.map((t) => terms.filter((u) => u === t).length);
  assert.equal(encodeTermCounts(distinct, freqs), encodeTermFreqs(terms));
  assert.equal(encodeTermCounts(distinct, freqs), 'a:b:2 x:65 c:1:1 é many:70');
  assert.equal(encodeTermCounts([], []), '');
  assert.throws(() => encodeTermCounts(['two words'], [1]), /space-free/);
  assert.throws(() => encodeTermCounts([''], [2]), /space-free/);
});

test('scores follow Lucene BM25 exactly', () => {
  const ix = indexOf(docs);
  const [top] = ix.search(['dog'], { limit: 1 });
  // "dog" occurs in docs 1, 2, 4 (df 3 of N 5); doc 2 has tf 3 and 7 terms
  const lens = docs.map((d) => english.terms(d).length);
  const avgdl = lens.reduce((a, b) => a + b, 0) / lens.length;
  const idf = Math.log(1 + (5 - 3 + 0.5) / (3 + 0.5));
  const expected = (idf * 3) / (3 + 0.9 * (1 - 0.4 + (0.4 * lens[2]!) / avgdl));
  assert.equal(top!.key, 2);
  assert.ok(Math.abs(top!.score - expected) < 1e-9, `${top!.score} vs ${expected}`);
});

test('ranks by relevance; stemming lets "running dogs" match "runs" and "dog"', () => {
  const ix = indexOf(docs);
  assert.deepEqual(keys(ix, 'running dogs'), [2, 1, 4]);
  assert.deepEqual(keys(ix, 'gluon'), [3]);
  assert.deepEqual(keys(ix, 'the of and'), []); // stopwords only
  assert.deepEqual(keys(ix, 'unicorn'), []);
  assert.deepEqual(keys(ix, 'cat', 2), [0, 1]);
});

test('a repeated query term counts once per occurrence', () => {
  const ix = indexOf(docs);
  const once = ix.search(['cat', 'mous'], { limit: 10 });
  const twice = ix.search(['cat', 'cat', 'mous'], { limit: 10 });
  const catOnly = new Map(ix.search(['cat'], { limit: 10 }).map((h) => [h.key, h.score]));
  for (const h of twice) {
    const base = once.find((o) => o.key === h.key)!.score;
    assert.ok(Math.abs(h.score - (base + catOnly.get(h.key)!)) < 1e-9);
  }
});

test('ties are broken by key ascending, independent of insertion order', () => {
  const ix = createBm25Index({ k1: 1.2, b: 0.75 });
  for (const key of [9, 3, 7, 1, 5]) ix.add(key, encodeTermFreqs(['same', 'text']), 2);
  assert.deepEqual(ix.search(['same'], { limit: 3 }).map((h) => h.key), [1, 3, 5]);
  assert.deepEqual(ix.search(['same'], { limit: 10 }).map((h) => h.key), [1, 3, 5, 7, 9]);
});

test('accept filters before the top-k cut, so a filtered query still fills the limit', () => {
  const ix = createBm25Index({ k1: 0.9, b: 0.4 });
  for (let key = 0; key < 100; key++) {
    const terms = ['common', ...Array<string>(key % 7).fill('boost')];
    ix.add(key, encodeTermFreqs(terms), terms.length);
  }
  const odd = ix.search(['common', 'boost'], { limit: 10, accept: (k) => k % 2 === 1 });
  assert.equal(odd.length, 10);
  assert.ok(odd.every((h) => h.key % 2 === 1));
  // the best odd keys are those with the most "boost" (key % 7 === 6): 13, 27, 41, 55, 69, 83, 97
  assert.deepEqual(odd.slice(0, 7).map((h) => h.key), [13, 27, 41, 55, 69, 83, 97]);
  assert.deepEqual(ix.search(['common'], { limit: 5, accept: () => false }), []);
});

test('remove() takes a document out of results and statistics; add() of a live key replaces it', () => {
  const ix = indexOf(docs);
  assert.equal(ix.size, 5);
  assert.equal(ix.remove(2), true);
  assert.equal(ix.remove(2), false);
  assert.equal(ix.size, 4);
  assert.deepEqual(keys(ix, 'dog'), [1, 4]);
  // scores equal an index that never had doc 2 (idf and avgdl updated)
  const fresh = createBm25Index({ k1: 0.9, b: 0.4 });
  docs.forEach((d, i) => {
    if (i === 2) return;
    const t = english.terms(d);
    fresh.add(i, encodeTermFreqs(t), t.length);
  });
  assert.deepEqual(ix.search(['dog', 'cat'], { limit: 10 }), fresh.search(['dog', 'cat'], { limit: 10 }));
  const t = english.terms('gluons gluons gluons');
  ix.add(0, encodeTermFreqs(t), t.length);
  assert.equal(ix.size, 4);
  assert.deepEqual(keys(ix, 'gluon'), [0, 3]);
  assert.deepEqual(keys(ix, 'mat'), []);
});

test('many removals (compaction) give the same results as a fresh index', () => {
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'];
  const docTerms = (k: number) => vocab.filter((_, i) => (k * (i + 3)) % (i + 2) !== 0).concat(vocab[k % 8]!);
  const ix = createBm25Index({ k1: 1.2, b: 0.75 });
  for (let k = 0; k < 400; k++) ix.add(k, encodeTermFreqs(docTerms(k)), docTerms(k).length);
  for (let k = 0; k < 400; k += 3) ix.remove(k);
  for (let k = 1; k < 400; k += 3) ix.remove(k);
  for (let k = 1000; k < 1050; k++) ix.add(k, encodeTermFreqs(docTerms(k)), docTerms(k).length);
  const fresh = createBm25Index({ k1: 1.2, b: 0.75 });
  for (let k = 2; k < 400; k += 3) fresh.add(k, encodeTermFreqs(docTerms(k)), docTerms(k).length);
  for (let k = 1000; k < 1050; k++) fresh.add(k, encodeTermFreqs(docTerms(k)), docTerms(k).length);
  assert.equal(ix.size, fresh.size);
  for (const q of [['alpha'], ['beta', 'theta'], vocab]) {
    const a = ix.search(q, { limit: 20 });
    const b = fresh.search(q, { limit: 20 });
    assert.deepEqual(a.map((h) => h.key), b.map((h) => h.key));
    a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i]!.score) < 1e-9));
  }
});

test('bad parameters and inputs are rejected', () => {
  assert.throws(() => createBm25Index({ k1: -1, b: 0.5 }), /invalid BM25 parameters/);
  assert.throws(() => createBm25Index({ k1: 1, b: 2 }), /invalid BM25 parameters/);
  const ix = createBm25Index({ k1: 1, b: 0.5 });
  assert.throws(() => ix.add(1, 'a', Number.NaN), /termCount/);
  assert.deepEqual(ix.search(['a'], { limit: 5 }), []);
  ix.add(1, 'a', 1);
  assert.deepEqual(ix.search(['a'], { limit: 0 }), []);
  // a corrupt stored entry is an error and leaves the index (and the replaced document) untouched
  const before = ix.search(['a'], { limit: 5 });
  assert.throws(() => ix.add(1, 'a b:x', 2), /corrupt term frequencies/);
  assert.throws(() => ix.add(2, 'a:0', 1), /corrupt term frequencies/);
  assert.equal(ix.size, 1);
  assert.deepEqual(ix.search(['a'], { limit: 5 }), before);
});

test('top-k with and without accept equals a full sort (random corpus with many ties)', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const ix = createBm25Index({ k1: 1.2, b: 0.75 });
  for (let key = 0; key < 300; key++) {
    const terms = Array.from({ length: 1 + rand(6) }, () => `t${rand(5)}`);
    ix.add(key * 3, encodeTermFreqs(terms), terms.length);
  }
  const accept = (k: number) => k % 2 === 0;
  for (const q of [['t0'], ['t1', 't2'], ['t3', 't3', 't4']]) {
    const all = ix.search(q, { limit: Infinity });
    const sorted = [...all].sort((a, b) => b.score - a.score || a.key - b.key);
    assert.deepEqual(all, sorted);
    for (const k of [1, 7, 50]) {
      assert.deepEqual(ix.search(q, { limit: k }), sorted.slice(0, k));
      assert.deepEqual(ix.search(q, { limit: k, accept }), sorted.filter((h) => accept(h.key)).slice(0, k));
    }
  }
});

test('interleaved adds, replacements, removals and searches match a fresh index at every step', () => {
  let seed = 11;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const ix = createBm25Index({ k1: 0.9, b: 0.4 });
  const docsByKey = new Map<number, string[]>();
  for (let step = 0; step < 400; step++) {
    const key = rand(60);
    if (rand(3) === 0) {
      assert.equal(ix.remove(key), docsByKey.delete(key));
    } else {
      const terms = Array.from({ length: 1 + rand(5) }, () => `w${rand(12)}`);
      ix.add(key, encodeTermFreqs(terms), terms.length);
      docsByKey.set(key, terms);
    }
    if (step % 7 !== 0) continue;
    const fresh = createBm25Index({ k1: 0.9, b: 0.4 });
    for (const [k, t] of docsByKey) fresh.add(k, encodeTermFreqs(t), t.length);
    const q = [`w${rand(12)}`, `w${rand(12)}`];
    const a = ix.search(q, { limit: 8 });
    const b = fresh.search(q, { limit: 8 });
    assert.deepEqual(a.map((h) => h.key), b.map((h) => h.key), `step ${step}`);
    a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i]!.score) < 1e-9));
    assert.equal(ix.size, docsByKey.size);
  }
});

test('an accept that throws leaves no partial scores behind for the next search', () => {
  const ix = indexOf(docs);
  const q = english.terms('dog cat running mouse');
  const before = ix.search(q, { limit: 10 });
  let calls = 0;
  const accept = () => {
    if (++calls > 1) throw new Error('acl backend down');
    return true;
  };
  assert.throws(() => ix.search(q, { limit: 10, accept }), /acl backend down/);
  assert.deepStrictEqual(ix.search(q, { limit: 10 }), before);
});

test('the access check is skipped only for documents that could not enter the page', () => {
  const ix = indexOf(docs);
  const q = english.terms('dog cat running mouse');
  const all = ix.search(q, { limit: 10 }).map((h) => h.key);
  const checked: number[] = [];
  const top1 = ix.search(q, { limit: 1, accept: (k) => (checked.push(k), k !== all[0]) });
  assert.deepEqual(top1.map((h) => h.key), [all[1]], 'the best readable document is found');
  assert.ok(checked.includes(all[0]!) && checked.includes(all[1]!));
  const counted: number[] = [];
  ix.search(q, { limit: 1, onMatch: (k) => counted.push(k) });
  assert.deepEqual(counted.sort(), [...all].sort(), 'onMatch still sees every match');
});
