// The storage conformance suite: every driver's test file calls `testStoreDriver` with a factory that
// returns a fresh, empty store. A PostgreSQL driver must pass exactly this suite before it ships.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StrataError } from '../core/errors.js';
import type { CollectionSettings } from '../core/types.js';
import type { ChunkInput, DocumentInput, Store } from './types.js';
import { testAuditStore } from './conformance-audit.testkit.js';
import { testPolicyStore } from './conformance-policy.testkit.js';
import { testKeyStore } from './conformance-keys.testkit.js';
import { testVectorStore } from './conformance-vectors.testkit.js';

const settings: CollectionSettings = {
  chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' },
  analyzer: { name: 'english' },
};

const chunk = (ordinal: number, text: string): ChunkInput => ({
  ordinal,
  text,
  tokenCount: text.split(' ').length,
  location: { headings: ['Intro'], pageStart: 1, pageEnd: 1 },
  terms: text,
  termCount: text.split(' ').length,
});

const doc = (sourceId: string, text: string, extra: Partial<DocumentInput> = {}): DocumentInput => ({
  sourceId,
  sourcePath: extra.sourcePath ?? sourceId,
  contentHash: `h-${text}`,
  metadata: { title: sourceId, mediaType: 'text/plain' },
  accessPolicy: null,
  classification: null,
  chunks: [chunk(0, text), chunk(1, `${text} continued`)],
  ...extra,
});

export function testStoreDriver(name: string, makeStore: () => Promise<Store>): void {
  testAuditStore(name, makeStore);
  testPolicyStore(name, makeStore);
  testKeyStore(name, makeStore);
  testVectorStore(name, makeStore);
  describe(`store conformance: ${name}`, () => {
    const setup = async () => {
      const store = await makeStore();
      const ws = await store.ensureWorkspace('acme');
      const col = await store.createCollection({ workspaceId: ws.id, name: 'docs', settings });
      return { store, ws, col };
    };

    it('creates workspaces idempotently and keeps collections per workspace', async () => {
      const { store, ws, col } = await setup();
      assert.equal((await store.ensureWorkspace('acme')).id, ws.id);
      const other = await store.ensureWorkspace('other');
      assert.notEqual(other.id, ws.id);
      assert.equal(await store.getCollection(other.id, 'docs'), null);
      assert.deepEqual((await store.getCollection(ws.id, 'docs'))?.settings, settings);
      await assert.rejects(store.createCollection({ workspaceId: ws.id, name: 'docs', settings }), /already exists/);
      assert.equal(col.classification, 'internal');
      await store.close();
    });

    it('inserts, replaces (version + 1, chunks replaced) and deletes documents atomically', async () => {
      const { store, col } = await setup();
      const r1 = await store.write({ collectionId: col.id, upserts: [doc('a.txt', 'alpha'), doc('b.txt', 'beta')] });
      assert.deepEqual([r1.inserted, r1.replaced, r1.deleted], [2, 0, 0]);
      const a1 = await store.getDocument(col.id, 'a.txt');
      assert.equal(a1?.version, 1);
      const r2 = await store.write({ collectionId: col.id, upserts: [doc('a.txt', 'alpha two', { chunks: [chunk(0, 'x')] })] });
      assert.deepEqual([r2.inserted, r2.replaced], [0, 1]);
      assert.ok(r2.generation > r1.generation, 'generation grows with every change');
      const a2 = await store.getDocument(col.id, 'a.txt');
      assert.equal(a2?.id, a1?.id, 'document id is stable across versions');
      assert.equal(a2?.version, 2);
      assert.equal(a2?.contentHash, 'h-alpha two');
      const chunks = await store.getChunks(a2!.id);
      assert.equal(chunks.length, 1, 'old chunks are gone');
      assert.equal(chunks[0]!.text, 'x');
      assert.deepEqual(chunks[0]!.location, { headings: ['Intro'], pageStart: 1, pageEnd: 1 });
      const r3 = await store.write({ collectionId: col.id, deletes: ['b.txt'] });
      assert.equal(r3.deleted, 1);
      assert.equal(await store.getDocument(col.id, 'b.txt'), null);
      assert.equal(await store.countDocuments(col.id), 1);
      const all: string[] = [];
      for await (const c of store.iterateChunks(col.id)) all.push(`${c.sourceId}:${c.ordinal}:${c.text}`);
      assert.deepEqual(all, ['a.txt:0:x'], 'deleted documents leave no chunks behind');
      await store.close();
    });

    it('rolls back the whole batch when any part fails', async () => {
      const { store, col } = await setup();
      await store.write({ collectionId: col.id, upserts: [doc('keep.txt', 'keep')] });
      const bad = doc('new.txt', 'new');
      // two chunks with the same ordinal violate chunk-id uniqueness inside one document
      bad.chunks = [chunk(0, 'one'), chunk(0, 'two')];
      await assert.rejects(
        store.write({
          collectionId: col.id,
          deletes: ['keep.txt'],
          upserts: [bad],
          fileStates: [{ path: 'new.txt', status: 'indexed', fileHash: 'x', size: 1, modifiedAt: null, reason: null, documentCount: 1, jobId: null }],
        }),
      );
      assert.ok(await store.getDocument(col.id, 'keep.txt'), 'the delete in the failed batch was rolled back');
      assert.equal(await store.getDocument(col.id, 'new.txt'), null);
      assert.equal(await store.getFileState(col.id, 'new.txt'), null);
      await store.close();
    });

    it('rejects writes to a collection that does not exist', async () => {
      const { store } = await setup();
      await assert.rejects(store.write({ collectionId: 'col_missing', upserts: [doc('a', 'a')] }), /does not exist/);
      await store.close();
    });

    it('keeps metadata, access policy and classification', async () => {
      const { store, col } = await setup();
      await store.write({
        collectionId: col.id,
        upserts: [
          doc('p.md', 'secret plan', {
            metadata: { title: 'Plan', author: 'Ana', size: 12, tags: ['x', 'y'] },
            accessPolicy: { readers: ['group:finance', 'user:bob'] },
            classification: 'confidential',
          }),
        ],
      });
      const d = await store.getDocument(col.id, 'p.md');
      assert.deepEqual(d?.metadata, { title: 'Plan', author: 'Ana', size: 12, tags: ['x', 'y'] });
      assert.deepEqual(d?.accessPolicy, { readers: ['group:finance', 'user:bob'] });
      assert.equal(d?.classification, 'confidential');
      assert.equal((await store.getDocument(col.id, d!.id))?.sourceId, 'p.md', 'lookup by id works too');
      const byId = await store.getDocumentsByIds([d!.id, 'doc_missing']);
      assert.equal(byId.size, 1);
      await store.close();
    });

    it('lists documents in pages and by source file, with hashes for incremental sync', async () => {
      const { store, col } = await setup();
      const upserts = Array.from({ length: 25 }, (_, i) =>
        doc(`corpus.jsonl#${String(i).padStart(2, '0')}`, `t${i}`, { sourcePath: 'corpus.jsonl' }),
      );
      upserts.push(doc('other.txt', 'o'));
      await store.write({ collectionId: col.id, upserts });
      const page1 = await store.listDocuments({ collectionId: col.id, limit: 10 });
      const page3 = await store.listDocuments({ collectionId: col.id, limit: 10, offset: 20 });
      assert.equal(page1.length, 10);
      assert.equal(page3.length, 6);
      assert.equal(page1[0]!.sourceId, 'corpus.jsonl#00');
      const hashes = await store.documentHashes(col.id, 'corpus.jsonl');
      assert.equal(hashes.size, 25);
      assert.equal(hashes.get('corpus.jsonl#07'), 'h-t7');
      assert.equal((await store.listDocuments({ collectionId: col.id, sourcePath: 'other.txt' })).length, 1);
      const cols = await store.listCollections(col.workspaceId);
      assert.equal(cols[0]!.documentCount, 26);
      assert.equal(cols[0]!.chunkCount, 52);
      await store.close();
    });

    it('records file states in the same batch and forgets them', async () => {
      const { store, col } = await setup();
      await store.write({
        collectionId: col.id,
        fileStates: [
          { path: 'bad.pdf', status: 'failed', fileHash: 'h', size: 3, modifiedAt: null, reason: 'corrupt PDF', documentCount: 0, jobId: null },
          { path: 'ok.txt', status: 'indexed', fileHash: 'h2', size: 5, modifiedAt: '2024-01-01T00:00:00.000Z', reason: null, documentCount: 1, jobId: null },
        ],
      });
      const states = await store.listFileStates(col.id);
      assert.deepEqual(states.map((s) => [s.path, s.status, s.reason]), [
        ['bad.pdf', 'failed', 'corrupt PDF'],
        ['ok.txt', 'indexed', null],
      ]);
      await store.write({ collectionId: col.id, forgetFiles: ['bad.pdf'] });
      assert.equal(await store.getFileState(col.id, 'bad.pdf'), null);
      await store.close();
    });

    it('tracks jobs and their stats', async () => {
      const { store, col } = await setup();
      const job = await store.startJob({ kind: 'ingest', collectionId: col.id });
      assert.equal(job.status, 'running');
      await store.updateJobStats(job.id, { indexed: 3 });
      assert.deepEqual((await store.listJobs(col.id))[0]!.stats, { indexed: 3 });
      await store.finishJob(job.id, 'succeeded', { indexed: 4 });
      const [j] = await store.listJobs(col.id);
      assert.equal(j!.status, 'succeeded');
      assert.ok(j!.finishedAt);
      assert.equal(await store.recoverInterruptedJobs(), 0);
      await store.close();
    });

    it('runs one job per collection and kind at a time', async () => {
      const { store, col } = await setup();
      const job = await store.startJob({ kind: 'ingest', collectionId: col.id });
      await assert.rejects(store.startJob({ kind: 'ingest', collectionId: col.id }), (e: StrataError) => e.code === 'conflict');
      const other = await store.startJob({ kind: 'index', collectionId: col.id }); // another kind may run beside it
      await store.finishJob(job.id, 'succeeded', {});
      await store.finishJob(other.id, 'succeeded', {});
      const again = await store.startJob({ kind: 'ingest', collectionId: col.id });
      assert.equal(again.status, 'running');
      await store.close();
    });

    it('deletes a collection with everything in it', async () => {
      const { store, ws, col } = await setup();
      await store.write({ collectionId: col.id, upserts: [doc('a', 'a')] });
      await store.deleteCollection(col.id);
      assert.equal(await store.getCollection(ws.id, 'docs'), null);
      const left: unknown[] = [];
      for await (const c of store.iterateChunks(col.id)) left.push(c);
      assert.equal(left.length, 0);
      await store.close();
    });
  });
}
