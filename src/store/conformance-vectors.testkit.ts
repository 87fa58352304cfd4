// Conformance suite for the vector part of the storage contract (vectors.ts); called by testStoreDriver.
// What semantic search and index rebuilds rely on: vectors follow their chunks (replace and delete remove
// them in the same transaction), every refusal writes nothing, activation swaps versions atomically and
// chunk seqs (ANN labels) are never reused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CollectionSettings } from '../core/types.js';
import type { DocumentInput, Store } from './types.js';
import type { StoredVector } from './vectors.js';

const settings: CollectionSettings = {
  chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' },
  analyzer: { name: 'english' },
};

const doc = (sourceId: string, chunks: number, salt = ''): DocumentInput => ({
  sourceId,
  sourcePath: sourceId,
  contentHash: `h-${sourceId}-${salt}`,
  metadata: {},
  accessPolicy: null,
  classification: null,
  chunks: Array.from({ length: chunks }, (_, ordinal) => ({
    ordinal,
    text: `${sourceId} chunk ${ordinal} ${salt}`,
    tokenCount: 3,
    location: {},
    terms: `${sourceId} c${ordinal}`,
    termCount: 2,
  })),
});

/** A deterministic, distinct vector per seq. */
const vec = (seq: number, dims = 4) => Float32Array.from({ length: dims }, (_, i) => Math.sin(seq * 7.1 + i) + i / 10);

const collect = async (it: AsyncIterable<StoredVector>) => {
  const out: StoredVector[] = [];
  for await (const v of it) out.push(v);
  return out;
};

const isCode = (code: string, pattern?: RegExp) => (e: unknown) => {
  assert.equal((e as { code?: string }).code, code, String(e));
  if (pattern) assert.match(String((e as Error).message), pattern);
  return true;
};

export function testVectorStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`store conformance (vectors): ${name}`, () => {
    const setup = async (docs: DocumentInput[] = [doc('a', 2), doc('b', 3)]) => {
      const store = await makeStore();
      const ws = await store.ensureWorkspace('acme');
      const col = await store.createCollection({ workspaceId: ws.id, name: 'docs', settings });
      await store.write({ collectionId: col.id, upserts: docs });
      const seqs: number[] = [];
      for await (const c of store.iterateChunks(col.id)) seqs.push(c.seq);
      return { store, ws, col, seqs };
    };
    const embedAll = async (store: Store, versionId: number, dims = 4) => {
      let n = 0;
      for (let page = await store.pendingChunks(versionId, 100); page.length > 0; page = await store.pendingChunks(versionId, 100)) {
        n += await store.putVectors(versionId, page.map((p) => ({ seq: p.seq, vector: vec(p.seq, dims) })));
      }
      return n;
    };

    it('creates building versions, one at a time per collection, and refuses bad input without writing', async () => {
      const { store, ws, col } = await setup();
      const v1 = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: { provider: 'test', model: 'm' } });
      assert.equal(v1.state, 'building');
      assert.equal(v1.dimensions, 4);
      assert.deepEqual(v1.embedder, { provider: 'test', model: 'm' });
      assert.equal(v1.embeddedChunks, 0);
      assert.equal(v1.totalChunks, 5);
      assert.equal(v1.activatedAt, null);
      await assert.rejects(store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@8', dimensions: 8, embedder: {} }), isCode('conflict', /already has index version/));
      for (const dimensions of [0, -3, 1.5, Number.NaN]) {
        const other = await store.createCollection({ workspaceId: ws.id, name: `d${String(dimensions)}`, settings });
        await assert.rejects(store.createIndexVersion({ collectionId: other.id, embedderId: 'x', dimensions, embedder: {} }), isCode('invalid-input'));
        assert.deepEqual(await store.listIndexVersions(other.id), []);
      }
      await assert.rejects(store.createIndexVersion({ collectionId: 'col_missing', embedderId: 'x', dimensions: 4, embedder: {} }), isCode('not-found'));
      assert.deepEqual((await store.listIndexVersions(col.id)).map((v) => v.id), [v1.id]);
      assert.deepEqual(await store.getIndexVersion(v1.id), v1);
      assert.equal(await store.getIndexVersion(v1.id + 1000), null);
      assert.equal(await store.activeIndexVersion(col.id), null);
      await store.close();
    });

    it('lists pending chunks in seq order with keyset pages and the text hash, per collection', async () => {
      const { store, ws, col, seqs } = await setup();
      const other = await store.createCollection({ workspaceId: ws.id, name: 'other', settings });
      await store.write({ collectionId: other.id, upserts: [doc('z', 4)] });
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      const first = await store.pendingChunks(v.id, 2);
      assert.deepEqual(first.map((p) => p.seq), seqs.slice(0, 2));
      const next = await store.pendingChunks(v.id, 10, first[1]!.seq);
      assert.deepEqual(next.map((p) => p.seq), seqs.slice(2));
      assert.equal(first[0]!.text, 'a chunk 0 ');
      assert.equal(first[0]!.contentHash, createHash('sha256').update('a chunk 0 ').digest('hex'));
      assert.match(first[0]!.chunkId, /^chk_/);
      await store.putVectors(v.id, [{ seq: seqs[1]!, vector: vec(1) }, { seq: seqs[3]!, vector: vec(3) }]);
      assert.deepEqual((await store.pendingChunks(v.id, 10)).map((p) => p.seq), [seqs[0], seqs[2], seqs[4]]);
      assert.deepEqual(await store.pendingChunks(v.id, 10, seqs[4]), []);
      await assert.rejects(store.pendingChunks(v.id, 0), isCode('invalid-input'));
      await assert.rejects(store.pendingChunks(v.id + 999, 10), isCode('not-found'));
      await store.close();
    });

    it('stores vectors exactly and refuses a batch with a wrong dimension, NaN or Infinity without writing any of it', async () => {
      const { store, col, seqs } = await setup();
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      const good = { seq: seqs[0]!, vector: vec(seqs[0]!) };
      const bad: [string, Float32Array][] = [
        ['dimensions', new Float32Array(3)],
        ['non-finite', Float32Array.from([0, Number.NaN, 0, 0])],
        ['non-finite', Float32Array.from([0, 0, Number.POSITIVE_INFINITY, 0])],
      ];
      for (const [why, vector] of bad) {
        await assert.rejects(store.putVectors(v.id, [good, { seq: seqs[1]!, vector }]), isCode('invalid-input', new RegExp(why)));
      }
      await assert.rejects(store.putVectors(v.id, [good, { seq: -1, vector: vec(1) }]), isCode('invalid-input'));
      assert.deepEqual(await collect(store.iterateVectors(v.id)), [], 'a refused batch writes nothing');
      assert.equal((await store.getIndexVersion(v.id))!.embeddedChunks, 0);

      // a subarray view of a larger buffer is stored by value, not by its backing buffer
      const backing = new Float32Array(12).map((_, i) => i + 0.25);
      assert.equal(await store.putVectors(v.id, [good, { seq: seqs[1]!, vector: backing.subarray(4, 8) }]), 2);
      const stored = await collect(store.iterateVectors(v.id));
      assert.deepEqual(stored.map((s) => s.seq), [seqs[0], seqs[1]]);
      assert.deepEqual([...stored[0]!.vector], [...good.vector]);
      assert.deepEqual([...stored[1]!.vector], [4.25, 5.25, 6.25, 7.25]);
      const a = (await store.getDocument(col.id, 'a'))!;
      assert.equal(stored[0]!.documentId, a.id);
      assert.equal(stored[0]!.chunkId, (await store.getChunks(a.id))[0]!.id);
      // putting again replaces the vector
      await store.putVectors(v.id, [{ seq: seqs[0]!, vector: vec(99) }]);
      assert.deepEqual([...(await collect(store.iterateVectors(v.id)))[0]!.vector], [...vec(99)]);
      assert.equal((await store.getIndexVersion(v.id))!.embeddedChunks, 2);
      await store.close();
    });

    it('skips vectors of chunks deleted meanwhile and refuses chunks of another collection', async () => {
      const { store, ws, col, seqs } = await setup();
      const other = await store.createCollection({ workspaceId: ws.id, name: 'other', settings });
      await store.write({ collectionId: other.id, upserts: [doc('z', 1)] });
      const [foreign] = (await collect2(store, other.id));
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      const pending = await store.pendingChunks(v.id, 10);
      await store.write({ collectionId: col.id, deletes: ['a'] });
      assert.equal(await store.putVectors(v.id, pending.map((p) => ({ seq: p.seq, vector: vec(p.seq) }))), 3, 'the two chunks of "a" are skipped');
      assert.deepEqual([...(await store.vectorSeqs(v.id))], seqs.slice(2));
      await assert.rejects(store.putVectors(v.id, [{ seq: seqs[2]!, vector: vec(5) }, { seq: foreign!, vector: vec(1) }]), isCode('invalid-input', /another collection/));
      assert.deepEqual([...(await collect(store.iterateVectors(v.id)))[0]!.vector], [...vec(seqs[2]!)], 'the refused batch changed nothing');
      await store.close();
    });

    it('deletes a document\'s vectors with it, and a replaced document gets new, never reused seqs', async () => {
      const { store, col, seqs } = await setup();
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      await embedAll(store, v.id);
      await store.activateIndexVersion(v.id);
      // replace the last document: SQLite would reuse the seqs of deleted last rows without AUTOINCREMENT
      await store.write({ collectionId: col.id, upserts: [doc('b', 3, 'v2')] });
      const after = await collect2(store, col.id);
      const maxBefore = Math.max(...seqs);
      assert.deepEqual(after.slice(0, 2), seqs.slice(0, 2));
      assert.ok(after.slice(2).every((s) => s > maxBefore), `new seqs ${after.slice(2).join(',')} must exceed ${maxBefore}`);
      assert.deepEqual([...(await store.vectorSeqs(v.id))], seqs.slice(0, 2), 'the replaced chunks lost their vectors');
      assert.deepEqual((await store.pendingChunks(v.id, 10)).map((p) => p.seq), after.slice(2));
      await store.write({ collectionId: col.id, deletes: ['a'] });
      assert.deepEqual([...(await store.vectorSeqs(v.id))], []);
      const active = (await store.activeIndexVersion(col.id))!;
      assert.equal(active.embeddedChunks, 0);
      assert.equal(active.totalChunks, 3);
      await store.close();
    });

    it('refuses to activate with pending chunks, then swaps versions atomically and drops the old vectors', async () => {
      const { store, col, seqs } = await setup();
      const v1 = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      await store.putVectors(v1.id, [{ seq: seqs[0]!, vector: vec(1) }]);
      await assert.rejects(store.activateIndexVersion(v1.id), isCode('conflict', /4 chunks without a vector/));
      assert.equal((await store.getIndexVersion(v1.id))!.state, 'building');
      await embedAll(store, v1.id);
      const a1 = await store.activateIndexVersion(v1.id);
      assert.equal(a1.state, 'active');
      assert.ok(a1.activatedAt);
      assert.deepEqual(await store.activateIndexVersion(v1.id), a1, 'activating the active version is a no-op');

      const v2 = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:n@8', dimensions: 8, embedder: { model: 'n' } });
      assert.ok(v2.id > v1.id);
      await embedAll(store, v2.id, 8);
      // while v2 builds, v1 still serves; a refused activation of v2 leaves v1 active
      await store.write({ collectionId: col.id, upserts: [doc('c', 1)] });
      await assert.rejects(store.activateIndexVersion(v2.id), isCode('conflict'));
      assert.equal((await store.activeIndexVersion(col.id))!.id, v1.id);
      assert.equal((await collect(store.iterateVectors(v1.id))).length, 5);
      await embedAll(store, v2.id, 8);
      await embedAll(store, v1.id);
      const a2 = await store.activateIndexVersion(v2.id);
      assert.equal(a2.state, 'active');
      assert.equal(a2.embeddedChunks, 6);
      assert.equal((await store.activeIndexVersion(col.id))!.id, v2.id);
      const old = (await store.getIndexVersion(v1.id))!;
      assert.equal(old.state, 'retired');
      assert.equal(old.embeddedChunks, 6, 'a retired version keeps the counts it ended with');
      assert.deepEqual(await collect(store.iterateVectors(v1.id)), []);
      assert.equal((await collect(store.iterateVectors(v2.id)))[0]!.vector.length, 8);
      assert.deepEqual((await store.listIndexVersions(col.id)).map((v) => [v.id, v.state]), [[v2.id, 'active'], [v1.id, 'retired']]);
      await assert.rejects(store.activateIndexVersion(v1.id), isCode('conflict'));
      await assert.rejects(store.putVectors(v1.id, [{ seq: seqs[0]!, vector: vec(1) }]), isCode('conflict'));
      await store.close();
    });

    it('fails a building version with its reason and allows a new build; the active one cannot fail', async () => {
      const { store, col, seqs } = await setup();
      const v1 = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      await store.putVectors(v1.id, [{ seq: seqs[0]!, vector: vec(1) }, { seq: seqs[1]!, vector: vec(2) }]);
      await store.failIndexVersion(v1.id, 'provider returned 401');
      const failed = (await store.getIndexVersion(v1.id))!;
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error, 'provider returned 401');
      assert.equal(failed.embeddedChunks, 2);
      assert.deepEqual([...(await store.vectorSeqs(v1.id))], []);
      await assert.rejects(store.activateIndexVersion(v1.id), isCode('conflict'));
      const v2 = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      await embedAll(store, v2.id);
      await store.activateIndexVersion(v2.id);
      await assert.rejects(store.failIndexVersion(v2.id, 'x'), isCode('conflict'));
      await assert.rejects(store.failIndexVersion(v2.id + 50, 'x'), isCode('not-found'));
      assert.equal((await store.activeIndexVersion(col.id))!.id, v2.id);
      await store.close();
    });

    it('iterates large versions in seq order from any point and lists their seqs', async () => {
      const { store, col } = await setup([doc('big', 2600)]);
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      assert.equal(await embedAll(store, v.id), 2600);
      const all = await collect(store.iterateVectors(v.id));
      assert.equal(all.length, 2600);
      assert.ok(all.every((x, i) => i === 0 || x.seq > all[i - 1]!.seq));
      assert.ok(all.every((x) => x.vector.every((value, i) => value === vec(x.seq)[i])));
      const tail = await collect(store.iterateVectors(v.id, all[2000]!.seq));
      assert.deepEqual(tail.map((x) => x.seq), all.slice(2001).map((x) => x.seq));
      const seqs = await store.vectorSeqs(v.id);
      assert.ok(seqs instanceof Int32Array);
      assert.deepEqual([...seqs], all.map((x) => x.seq));
      await store.close();
    });

    it('deleting a collection removes its versions and vectors', async () => {
      const { store, col, seqs } = await setup();
      const v = await store.createIndexVersion({ collectionId: col.id, embedderId: 'test:m@4', dimensions: 4, embedder: {} });
      await store.putVectors(v.id, [{ seq: seqs[0]!, vector: vec(1) }]);
      await store.deleteCollection(col.id);
      assert.equal(await store.getIndexVersion(v.id), null);
      assert.deepEqual(await store.listIndexVersions(col.id), []);
      await store.close();
    });

    it('caches embeddings by embedder id and content hash', async () => {
      const { store } = await setup();
      assert.deepEqual(await store.getEmbeddings('e1', []), new Map());
      await store.putEmbeddings('e1', [{ contentHash: 'h1', vector: vec(1) }, { contentHash: 'h2', vector: vec(2, 6) }]);
      await store.putEmbeddings('e2', [{ contentHash: 'h1', vector: vec(3) }]);
      const got = await store.getEmbeddings('e1', ['h1', 'h2', 'h3', 'h1']);
      assert.deepEqual([...got.keys()].sort(), ['h1', 'h2']);
      assert.deepEqual([...got.get('h1')!], [...vec(1)]);
      assert.equal(got.get('h2')!.length, 6);
      assert.deepEqual([...(await store.getEmbeddings('e2', ['h1'])).get('h1')!], [...vec(3)]);
      await store.putEmbeddings('e1', [{ contentHash: 'h1', vector: vec(7) }]);
      assert.deepEqual([...(await store.getEmbeddings('e1', ['h1'])).get('h1')!], [...vec(7)]);
      await assert.rejects(store.putEmbeddings('e1', [{ contentHash: 'h4', vector: vec(4) }, { contentHash: 'h5', vector: Float32Array.from([Number.NaN]) }]), isCode('invalid-input'));
      assert.equal((await store.getEmbeddings('e1', ['h4'])).size, 0, 'a refused batch caches nothing');
      await store.close();
    });
  });
}

async function collect2(store: Store, collectionId: string): Promise<number[]> {
  const out: number[] = [];
  for await (const c of store.iterateChunks(collectionId)) out.push(c.seq);
  return out;
}
