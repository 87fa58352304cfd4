// The offline static embedder on a tiny generated vocabulary in the real wink file's format: conversion to
// the binary cache, fast reload without the source, rebuild of a corrupt cache, SIF weighting, tokenisation,
// normalisation. (Converting the real 307 MB file takes tens of seconds here: bench/static-vectors.ts measures it.)
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import { createEmbedder } from './index.js';
import { forgetLoadedStaticVectors, STATIC_CACHE_FILE, wordRows } from './static.js';
import { parseWinkJson, readWordVectors } from './static-vectors.js';

const DIMS = 4;
// Most frequent first, as in the real file: function words, then 2,000 filler words (so content words have
// realistic ranks and SIF weights), then topic words pointing in distinct directions.
const FILLERS: [string, number[]][] = Array.from({ length: 2000 }, (_, i) => [`filler${i}`, [0.01, 0.02, -0.01, (i % 7) / 100]]);
const VOCAB: [string, number[]][] = [
  ['the', [1, 1, 1, 1]],
  [',', [0.5, 0.5, 0.5, 0.5]],
  ['of', [1, 1, 0.9, 1]],
  ['"', [0.1, 0.2, 0.3, 0.4]],
  ['do', [0.2, 0.1, 0, 0]],
  ["n't", [-0.5, 0, 0, 0.1]],
  ...FILLERS,
  ['cat', [0.9, 0.1, 0, 0]],
  ['kitten', [0.8, 0.2, 0.05, 0]],
  ['dog', [0.7, 0.3, 0, 0.1]],
  ['stock', [0, 0, 0.9, 0.1]],
  ['market', [0, 0.1, 0.8, 0.2]],
  ['e-mail', [0, 0.5, 0, 0.5]],
  ['café', [0.3, 0, 0.3, 0.6]],
  ['1e-05', [1.5e-5, -2e3, 3.25, -0.0001]],
];

function winkJson(vocab: [string, number[]][]): string {
  const vectors: Record<string, number[]> = {};
  vocab.forEach(([w, v], i) => (vectors[w] = [...v, Math.hypot(...v), i]));
  return JSON.stringify({ precision: 8, l2NormIndex: DIMS, wordIndex: DIMS + 1, size: vocab.length, dimensions: DIMS, words: vocab.map(([w]) => w), vectors, unkVector: [0, 0, 0, 0, 0, -1] });
}

const dir = mkdtempSync(join(tmpdir(), 'strata-static-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let src: string;
let cacheDir: string;
beforeEach(() => {
  n++;
  src = join(dir, `src-${n}.json`);
  cacheDir = join(dir, `cache-${n}`);
  writeFileSync(src, winkJson(VOCAB));
  forgetLoadedStaticVectors();
});
const make = () => createEmbedder({ provider: 'static', model: 'wink-sg-100d', sourcePath: src, cacheDir, concurrency: 1, requestsPerMinute: 0, timeoutMs: 1000, maxRetries: 0 }, { dataDir: dir });
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('static embedder (wink word vectors)', () => {
  it('parses the wink format exactly, including escaped words and exponents', () => {
    const p = parseWinkJson(src);
    assert.equal(p.dimensions, DIMS);
    assert.deepEqual(p.words, VOCAB.map(([w]) => w));
    const last = VOCAB.length - 1;
    assert.deepEqual(Array.from(p.vectors.subarray(last * DIMS, last * DIMS + DIMS)), VOCAB[last]![1].map(Math.fround));
  });

  it('converts once into a checked binary cache, atomically, and reloads it without the source', async () => {
    const e = await make();
    assert.equal(e.id, `static:wink-sg-100d@${DIMS}`);
    assert.deepEqual(readdirSync(cacheDir), [STATIC_CACHE_FILE], 'no temp file left behind');
    const before = await e.embed(['the cat']);
    rmSync(src);
    forgetLoadedStaticVectors();
    const again = await make();
    assert.deepEqual(Array.from((await again.embed(['the cat']))[0]!), Array.from(before[0]!));
  });

  it('rebuilds a corrupt or truncated cache from the source', async () => {
    await make();
    const file = join(cacheDir, STATIC_CACHE_FILE);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0x55;
    writeFileSync(file, flipped);
    assert.equal(readWordVectors(file), null, 'a flipped byte fails the checksum');
    forgetLoadedStaticVectors();
    await make();
    assert.deepEqual(readFileSync(file), good);
    writeFileSync(file, good.subarray(0, good.length - 10));
    forgetLoadedStaticVectors();
    await make();
    assert.equal(statSync(file).size, good.length);
  });

  it('fails clearly when neither the source nor a cache exists', async () => {
    rmSync(src);
    await assert.rejects(make(), (e) => e instanceof StrataError && e.code === 'unavailable' && /word-vector source is missing/.test(e.message) && /sourcePath/.test(e.hint ?? ''));
  });

  it('refuses a source that is not in the wink format', async () => {
    writeFileSync(src, JSON.stringify({ hello: 'world' }));
    await assert.rejects(make(), (e) => e instanceof StrataError && /"dimensions" and "size"/.test(e.message));
  });

  it('gives unit-length vectors; similar texts are closer than unrelated ones', async () => {
    const e = await make();
    const [cat, kitten, market] = await e.embed(['The cat', 'a KITTEN', 'stock market']);
    for (const v of [cat!, kitten!, market!]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    assert.ok(cos(cat!, kitten!) > cos(cat!, market!) + 0.3, `${cos(cat!, kitten!)} vs ${cos(cat!, market!)}`);
  });

  it('weights frequent words down (SIF): "the cat" stays near "cat"', async () => {
    const e = await make();
    const [theCat, cat, the] = await e.embed(['the the the cat', 'cat', 'the']);
    // Unweighted, three "the" (norm 2 each) would swamp one "cat" (norm 0.9): the average would sit near "the".
    assert.ok(cos(theCat!, cat!) > 0.98, String(cos(theCat!, cat!)));
    assert.ok(cos(theCat!, cat!) > cos(theCat!, the!) + 0.3, `${cos(theCat!, cat!)} vs ${cos(theCat!, the!)}`);
  });

  it('tokenises like the vocabulary: lower case, contractions split, hyphenated words kept, NFKC', async () => {
    const e = await make();
    const vocab = new Map(VOCAB.map(([w], i) => [w, i]));
    const rows = (...words: string[]) => words.map((w) => vocab.get(w));
    assert.deepEqual(wordRows("Don’t E-mail the CAFÉ!", vocab), rows('do', "n't", 'e-mail', 'the', 'café'));
    assert.deepEqual(wordRows('dog-cat', vocab), rows('dog', 'cat'), 'an unknown compound falls back to its parts');
    const [a, b] = await e.embed(['E-MAIL', 'e-mail']);
    assert.deepEqual(Array.from(a!), Array.from(b!));
  });

  it('returns the zero vector for a text without any known word (similar to nothing)', async () => {
    const e = await make();
    const [v] = await e.embed(['zzzz qqqq']);
    assert.deepEqual(Array.from(v!), [0, 0, 0, 0]);
  });

  it('refuses a configured dimension the vectors do not have', async () => {
    await assert.rejects(
      createEmbedder({ provider: 'static', model: 'wink-sg-100d', sourcePath: src, cacheDir, dimensions: 300, concurrency: 1, requestsPerMinute: 0, timeoutMs: 1000, maxRetries: 0 }, { dataDir: dir }),
      (e) => e instanceof StrataError && e.code === 'config' && /not 300/.test(e.message),
    );
  });
});
