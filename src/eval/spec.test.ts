import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandMatrix, parseSpec, primaryMetric } from './spec.js';

test('a full spec parses; axes accept a single value or a list; "none" means no model', () => {
  const spec = parseSpec(`
name: matrix-1
dataset: scifact
matrix:
  embedder: [none, minilm]
  chunking: [collection, { maxTokens: 256, overlapTokens: 32 }]
  retrieval: [lexical, hybrid]
  reranker: none
  generator: [none, small-model]
  topK: [10, 20]
metrics: { k: [10, 100], primary: ndcg@10 }
judge: big-judge
tolerance: 0.02
`);
  assert.deepEqual(spec.matrix.embedder, [null, 'minilm']);
  assert.deepEqual(spec.matrix.reranker, [null]);
  assert.deepEqual(spec.matrix.chunking[1], { maxTokens: 256, overlapTokens: 32, tokenizer: 'cl100k_base' });
  assert.equal(spec.significance.seed, 42);
  const { configurations, skipped } = expandMatrix(spec);
  // lexical: embedder is irrelevant (2 chunkings × 2 generators × 2 topK = 8);
  // hybrid: only with minilm (8 more); hybrid + none is skipped, not run.
  assert.equal(configurations.length, 16);
  assert.deepEqual(skipped, ['hybrid retrieval needs an embedder (embedder: none)']);
  assert.equal(new Set(configurations.map((c) => c.key)).size, 16);
  assert.ok(configurations.some((c) => c.label === 'hybrid(minilm) k=20 chunk=256/32 gen=small-model'));
  // the key depends only on the settings: the same spec expands to the same keys
  assert.deepEqual(expandMatrix(spec).configurations.map((c) => c.key), configurations.map((c) => c.key));
});

test('defaults: lexical, collection chunking, k = [10, 100], primary nDCG@10', () => {
  const spec = parseSpec('name: quick\ndataset: d\n');
  const { configurations } = expandMatrix(spec);
  assert.equal(configurations.length, 1);
  assert.equal(configurations[0]!.label, 'lexical k=10');
  assert.equal(primaryMetric(spec), 'ndcg@10');
});

test('spec errors name every bad path', () => {
  assert.throws(() => parseSpec('name: x\ndataset: d\nmatrix:\n  retrieval: [semantic]\n  chunk: []\n'), (e: Error) => {
    assert.match(e.message, /matrix: unknown key\(s\) chunk/);
    assert.match(e.message, /matrix\.retrieval\.0/);
    return true;
  });
  assert.throws(() => parseSpec('name: x\ndataset: d\nmatrix: { chunking: [{ maxTokens: 100, overlapTokens: 60 }] }'), /overlapTokens must be less than half/);
  assert.throws(() => parseSpec('name: "bad name"\ndataset: d'), /name/);
  assert.throws(() => parseSpec('dataset: d'), /name: /);
  assert.throws(() => parseSpec('name: x\ndataset: d\nmetrics: { primary: bleu }'), /"bleu" is not a metric/);
  assert.throws(() => parseSpec('name: x\n  dataset: [d'), /not valid YAML/);
  assert.throws(() => parseSpec('name: x\ndataset: d\ntolerance: 2'), /tolerance/);
});
