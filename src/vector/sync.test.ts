import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createAnnIndex } from './ann.js';
import { type AnnSource, annSnapshotPath, openAnnIndex, removeAnnSnapshot, syncAnnIndex } from './sync.js';
import { clustered } from './testdata.testkit.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-annsync-'));
  dirs.push(d);
  return d;
};

/** A stand-in for the store: seq → vector, read the way VectorStore.iterateVectors reads. */
function fakeStore(entries: Map<number, Float32Array>) {
  const reads: number[] = [];
  const source = (): AnnSource => ({
    liveSeqs: Int32Array.from([...entries.keys()].sort((a, b) => a - b)),
    vectors: async function* (afterSeq) {
      reads.push(afterSeq);
      for (const seq of [...entries.keys()].sort((a, b) => a - b)) if (seq > afterSeq) yield { seq, vector: entries.get(seq)! };
    },
  });
  return { source, reads };
}

describe('ANN catch-up with the store', () => {
  const dims = 24;
  const data = clustered(8000, 40, dims, 40, 3);
  const options = { dimensions: dims, exactBelow: 1000 };

  it('catches a snapshot up incrementally (adds, deletions, a late vector) and equals a full rebuild', async () => {
    const dir = tempDir();
    const file = annSnapshotPath(dir, 12);
    assert.equal(file, join(dir, 'vectors', '12.ann'));
    const entries = new Map<number, Float32Array>();
    // seqs 1..6000 except 50 (embedded late, below the later watermark)
    for (let i = 1; i <= 6000; i++) if (i !== 50) entries.set(i, data.vectors[i - 1]!);
    const store = fakeStore(entries);
    const first = await openAnnIndex(file, options, store.source());
    assert.equal(first.from, 'rebuilt');
    assert.match(first.reason!, /no ANN snapshot/);
    assert.equal(first.added, 5999);
    await first.index.save(file);

    // the collection changes: 300 chunks deleted, 1,000 new ones, and the late vector of seq 50 arrives
    for (let i = 2000; i < 2300; i++) entries.delete(i);
    for (let i = 6001; i <= 7000; i++) entries.set(i, data.vectors[i - 1]!);
    entries.set(50, data.vectors[49]!);
    store.reads.length = 0;
    const caught = await openAnnIndex(file, options, store.source());
    assert.equal(caught.from, 'snapshot');
    assert.equal(caught.reason, null);
    assert.equal(caught.removed, 300);
    assert.equal(caught.added, 1001);
    assert.deepEqual(store.reads, [49], 'reads start at the smallest missing seq');

    const rebuilt = createAnnIndex(options);
    await syncAnnIndex(rebuilt, fakeStore(entries).source());
    assert.deepEqual([...caught.index.labels()].sort((a, b) => a - b), [...rebuilt.labels()].sort((a, b) => a - b));
    for (const q of data.queries) {
      assert.deepEqual(caught.index.search(q, 10, { exact: true }), rebuilt.search(q, 10, { exact: true }));
      const truth = new Set(rebuilt.search(q, 10, { exact: true }).map((h) => h.label));
      const approx = caught.index.search(q, 10);
      assert.ok(approx.filter((h) => truth.has(h.label)).length >= 8, 'the caught-up graph still finds the true neighbours');
      assert.ok(approx.every((h) => entries.has(h.label)), 'no deleted chunk is ever returned');
    }

    // nothing changed: nothing is read
    await caught.index.save(file);
    store.reads.length = 0;
    const again = await openAnnIndex(file, options, store.source());
    assert.deepEqual([again.added, again.removed, again.scanned], [0, 0, 0]);
    assert.deepEqual(store.reads, []);
  });

  it('rebuilds from the store when the snapshot is corrupt or of other dimensions', async () => {
    const dir = tempDir();
    const file = join(dir, '3.ann');
    const entries = new Map<number, Float32Array>(data.vectors.slice(0, 1500).map((v, i) => [i + 1, v]));
    const store = fakeStore(entries);
    writeFileSync(file, 'garbage');
    const opened = await openAnnIndex(file, options, store.source());
    assert.equal(opened.from, 'rebuilt');
    assert.match(opened.reason!, /unusable/);
    assert.equal(opened.index.size, 1500);
    await opened.index.save(file);
    const other = await openAnnIndex(file, { ...options, dimensions: 12 }, { liveSeqs: [], vectors: async function* () {} });
    assert.equal(other.from, 'rebuilt');
    assert.match(other.reason!, /dimensions/);
    await removeAnnSnapshot(file);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('stops between additions when aborted, leaving a consistent, partial index', async () => {
    const entries = new Map<number, Float32Array>(data.vectors.slice(0, 3000).map((v, i) => [i + 1, v]));
    const index = createAnnIndex(options);
    const controller = new AbortController();
    const store = fakeStore(entries);
    const source = store.source();
    const aborting: AnnSource = {
      liveSeqs: source.liveSeqs,
      vectors: async function* (afterSeq) {
        for await (const v of source.vectors(afterSeq)) {
          if (v.seq === 1200) controller.abort();
          yield v;
        }
      },
    };
    await assert.rejects(syncAnnIndex(index, aborting, { signal: controller.signal, yieldEvery: 100 }), { name: 'AbortError' });
    const partial = index.size;
    assert.ok(partial >= 1200 && partial < 3000, `partial size ${partial}`);
    const resumed = await syncAnnIndex(index, store.source());
    assert.equal(index.size, 3000);
    assert.equal(resumed.added, 3000 - partial, 'the resumed catch-up adds only what was missing');
  });
});
