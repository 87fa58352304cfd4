import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AnnIndex, createAnnIndex, loadAnnIndex } from './ann.js';
import { clustered } from './testdata.testkit.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-ann-'));
  dirs.push(d);
  return d;
};
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

const recall = (got: { label: number }[], truth: { label: number }[]) => {
  const t = new Set(truth.map((h) => h.label));
  return got.filter((h) => t.has(h.label)).length / Math.max(1, truth.length);
};

describe('ANN index: exact engine (small indexes)', () => {
  it('returns the exact nearest neighbours by cosine, best first, and replaces and removes vectors', () => {
    const index = createAnnIndex({ dimensions: 3 });
    index.add(1, [1, 0, 0]);
    index.add(2, [0, 2, 0]); // normalised: length does not matter
    index.add(3, [1, 1, 0]);
    const hits = index.search([3, 0, 0], 3);
    assert.deepEqual(hits.map((h) => h.label), [1, 3, 2]);
    assert.ok(Math.abs(hits[0]!.score - 1) < 1e-6);
    assert.ok(Math.abs(hits[1]!.score - Math.SQRT1_2) < 1e-6);
    assert.equal(index.search([1, 0, 0], 10).length, 3, 'k larger than the index returns everything');
    assert.deepEqual(index.search([1, 0, 0], 0), []);
    index.add(2, [1, 0, 0.01]); // replace
    assert.equal(index.size, 3);
    assert.deepEqual(index.search([1, 0, 0], 2).map((h) => h.label), [1, 2]);
    assert.equal(index.remove(1), true);
    assert.equal(index.remove(1), false);
    assert.deepEqual(index.search([1, 0, 0], 3).map((h) => h.label), [2, 3]);
    assert.deepEqual([...index.labels()].sort(), [2, 3]);
    const v3 = index.vector(3)!;
    assert.ok(Math.abs(v3[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(v3[1]! - Math.SQRT1_2) < 1e-6 && v3[2] === 0, 'stored normalised');
    v3[0] = 42; // a copy: the index is not changed through it
    assert.notEqual(index.vector(3)![0], 42);
    assert.equal(index.vector(1), undefined);
    assert.deepEqual(index.search([1, 0, 0], 3, { accept: (l) => l === 3 }).map((h) => h.label), [3]);
    assert.equal(index.stats().engine, 'exact');
  });

  it('refuses wrong dimensions, NaN, Infinity and bad labels without changing anything', () => {
    const index = createAnnIndex({ dimensions: 3 });
    index.add(5, [1, 2, 3]);
    assert.throws(() => index.add(6, [1, 2]), code('invalid-input'));
    assert.throws(() => index.add(6, [1, Number.NaN, 2]), code('invalid-input'));
    assert.throws(() => index.add(6, [1, Number.POSITIVE_INFINITY, 2]), code('invalid-input'));
    assert.throws(() => index.add(-1, [1, 2, 3]), code('invalid-input'));
    assert.throws(() => index.add(1.5, [1, 2, 3]), code('invalid-input'));
    assert.throws(() => index.search([1, 2], 1), code('invalid-input'));
    assert.throws(() => index.search([1, 2, 3], -1), code('invalid-input'));
    assert.throws(() => createAnnIndex({ dimensions: 0 }), code('invalid-input'));
    assert.throws(() => createAnnIndex({ dimensions: 4, m: 0 }), code('invalid-input'));
    assert.equal(index.size, 1);
    assert.deepEqual([...index.labels()], [5]);
  });
});

describe('ANN index: HNSW on clustered data', () => {
  const dims = 32;
  const data = clustered(12_000, 200, dims, 60, 7);
  let index: AnnIndex;
  before(() => {
    index = createAnnIndex({ dimensions: dims, exactBelow: 1000 });
    data.vectors.forEach((v, i) => index.add(i + 1, v));
  });

  it('uses the graph above the threshold and keeps recall@10 ≥ 0.95 against exact search', () => {
    assert.equal(index.stats().engine, 'hnsw');
    assert.equal(index.size, 12_000);
    let sum = 0;
    for (const q of data.queries) sum += recall(index.search(q, 10), index.search(q, 10, { exact: true }));
    const r = sum / data.queries.length;
    assert.ok(r >= 0.95, `recall@10 ${r.toFixed(3)}`);
  });

  it('returns k hits that all pass a filter, at 1 % and 30 % selectivity, with or without the accepted count', () => {
    const sparse = (l: number) => l % 100 === 0; // 120 labels
    const broad = (l: number) => l % 10 < 3; // ~3,600 labels
    let broadRecall = 0;
    for (const q of data.queries.slice(0, 50)) {
      for (const [accept, acceptCount] of [[sparse, 120], [sparse, undefined], [broad, 3600], [broad, undefined]] as const) {
        const hits = index.search(q, 10, { accept, acceptCount });
        assert.equal(hits.length, 10);
        assert.ok(hits.every((h) => accept(h.label)));
      }
      const exact = index.search(q, 10, { accept: sparse, exact: true });
      assert.deepEqual(index.search(q, 10, { accept: sparse, acceptCount: 120 }).map((h) => h.label), exact.map((h) => h.label), 'restrictive filters are answered exactly');
      broadRecall += recall(index.search(q, 10, { accept: broad }), index.search(q, 10, { accept: broad, exact: true }));
    }
    assert.ok(broadRecall / 50 >= 0.95, `filtered recall ${(broadRecall / 50).toFixed(3)}`);
    // fewer matches than k: all of them
    assert.deepEqual(index.search(data.queries[0]!, 10, { accept: (l) => l === 77 || l === 78 }).map((h) => h.label).sort(), [77, 78]);
    assert.deepEqual(index.search(data.queries[0]!, 10, { accept: () => false }), []);
  });

  it('never returns removed labels, reuses their graph slots, and revives a label that comes back', () => {
    const idx = createAnnIndex({ dimensions: dims, exactBelow: 1000 });
    data.vectors.slice(0, 3000).forEach((v, i) => idx.add(i + 1, v));
    const slots = idx.stats().graphSlots;
    const q = data.queries[3]!;
    const top = idx.search(q, 10).map((h) => h.label);
    for (const l of top) assert.equal(idx.remove(l), true);
    assert.equal(idx.size, 2990);
    assert.equal(idx.stats().graphTombstones, 10);
    const after = idx.search(q, 10);
    assert.equal(after.length, 10);
    assert.ok(after.every((h) => !top.includes(h.label)));
    // the best label comes back with the query itself as its vector: it must rank first
    idx.add(top[0]!, q);
    assert.equal(idx.search(q, 1)[0]!.label, top[0]);
    // new labels reuse the tombstones before the graph grows
    for (let i = 0; i < 9; i++) idx.add(100_000 + i, data.vectors[5000 + i]!);
    assert.equal(idx.stats().graphTombstones, 0);
    assert.equal(idx.stats().graphSlots, slots);
    assert.equal(idx.size, 3000);
    assert.equal(idx.search(data.vectors[5004]!, 1)[0]!.label, 100_004);
  });

  it('saves and loads a snapshot that answers identically, and keeps only the current graph file', async () => {
    const dir = tempDir();
    const file = join(dir, '7.ann');
    await index.save(file, { watermark: 12_000 });
    await index.save(file, { watermark: 12_000, again: true });
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.graph')).length, 1);
    const { index: loaded, meta } = await loadAnnIndex(file, { dimensions: dims, exactBelow: 1000 });
    assert.deepEqual(meta, { watermark: 12_000, again: true });
    assert.equal(loaded.size, index.size);
    assert.equal(loaded.stats().engine, 'hnsw');
    for (const q of data.queries.slice(0, 30)) assert.deepEqual(loaded.search(q, 10), index.search(q, 10));
    // the loaded index keeps working incrementally
    loaded.add(999_999, data.queries[0]!);
    assert.equal(loaded.search(data.queries[0]!, 1)[0]!.label, 999_999);
  });

  it('detects missing, altered, truncated and foreign snapshots instead of loading them', async () => {
    const dir = tempDir();
    const file = join(dir, '8.ann');
    const opts = { dimensions: dims, exactBelow: 1000 };
    await assert.rejects(loadAnnIndex(file, opts), code('not-found'));
    await index.save(file);
    await assert.rejects(loadAnnIndex(file, { ...opts, dimensions: 16 }), code('invalid-input'));
    const good = readFileSync(file);
    const graph = join(dir, readdirSync(dir).find((n) => n.endsWith('.graph'))!);
    const graphBytes = readFileSync(graph);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 5]! ^= 0xff;
    writeFileSync(file, flipped);
    await assert.rejects(loadAnnIndex(file, opts), (e) => code('integrity')(e) && /checksum/.test(String(e)));
    writeFileSync(file, good.subarray(0, good.length - 100));
    await assert.rejects(loadAnnIndex(file, opts), code('integrity'));
    writeFileSync(file, 'not a snapshot at all');
    await assert.rejects(loadAnnIndex(file, opts), code('integrity'));

    writeFileSync(file, good);
    truncateSync(graph, graphBytes.length - 1000);
    await assert.rejects(loadAnnIndex(file, opts), (e) => code('integrity')(e) && /graph/.test(String(e)));
    const alteredGraph = Buffer.from(graphBytes);
    alteredGraph[alteredGraph.length >> 1]! ^= 0x01;
    writeFileSync(graph, alteredGraph);
    await assert.rejects(loadAnnIndex(file, opts), (e) => code('integrity')(e) && /checksum/.test(String(e)));
    rmSync(graph);
    await assert.rejects(loadAnnIndex(file, opts), (e) => code('integrity')(e) && /missing/.test(String(e)));
  });

  it('snapshots a small exact-only index without a graph', async () => {
    const dir = tempDir();
    const small = createAnnIndex({ dimensions: dims });
    data.vectors.slice(0, 50).forEach((v, i) => small.add(i + 1, v));
    await small.save(join(dir, 's.ann'));
    assert.deepEqual(readdirSync(dir), ['s.ann']);
    const { index: loaded } = await loadAnnIndex(join(dir, 's.ann'), { dimensions: dims });
    assert.deepEqual(loaded.search(data.queries[1]!, 5), small.search(data.queries[1]!, 5));
  });
});
