// Conformance suite for the audit part of the storage contract; called by testStoreDriver.
// Pins what the audit service relies on: one gap-free hash chain per workspace, entries stored exactly as
// returned, and entries in a WriteBatch committed or rolled back with the batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GENESIS_HASH, hashEntry, type AuditEntry, type AuditInput } from '../core/audit.js';
import type { CollectionSettings } from '../core/types.js';
import type { DocumentInput, Store } from './types.js';

const settings: CollectionSettings = {
  chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' },
  analyzer: { name: 'english' },
};

const entry = (workspaceId: string, n: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  workspaceId,
  actor: 'user:alice',
  action: 'search.query',
  resources: [`document:d${n}`, `document:e${n}`],
  decision: 'allow',
  traceId: `trace-${n}`,
  ...extra,
});

const doc = (sourceId: string): DocumentInput => ({
  sourceId,
  sourcePath: sourceId,
  contentHash: `h-${sourceId}`,
  metadata: {},
  accessPolicy: null,
  classification: null,
  chunks: [{ ordinal: 0, text: sourceId, tokenCount: 1, location: {}, terms: sourceId, termCount: 1 }],
});

/** Asserts entries form an unbroken chain from genesis: seq 1..n, each linked to and hashed over the last. */
function assertChain(entries: AuditEntry[]): void {
  let prev = GENESIS_HASH;
  entries.forEach((e, i) => {
    assert.equal(e.seq, i + 1, 'seq counts from 1 without gaps');
    assert.equal(e.prevHash, prev, `entry ${e.seq} links to the entry before it`);
    assert.equal(e.hash, hashEntry(e.prevHash, e), `entry ${e.seq} carries the hash of its own content`);
    prev = e.hash;
  });
}

async function all(store: Store, workspaceId: string): Promise<AuditEntry[]> {
  return store.listAudit({ workspaceId, limit: 10_000 });
}

export function testAuditStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`audit store conformance: ${name}`, () => {
    const setup = async () => {
      const store = await makeStore();
      const ws = await store.ensureWorkspace('acme');
      const other = await store.ensureWorkspace('globex');
      const col = await store.createCollection({ workspaceId: ws.id, name: 'docs', settings });
      return { store, ws, other, col };
    };

    it('chains entries from genesis and stores them exactly as returned', async () => {
      const { store, ws } = await setup();
      const details = { query: 'q', nested: { z: 1, a: [1, 'x', null] }, skipped: undefined, when: new Date(0) };
      const first = await store.appendAudit([entry(ws.id, 1, { details, at: '2024-01-02T03:04:05.000Z' }), entry(ws.id, 2)]);
      const second = await store.appendAudit([entry(ws.id, 3, { decision: 'deny', resources: [] })]);
      const stored = await all(store, ws.id);
      assert.deepEqual(stored, [...first, ...second], 'listAudit returns what appendAudit returned');
      assertChain(stored);
      assert.equal(stored[0]!.prevHash, GENESIS_HASH);
      assert.equal(stored[0]!.at, '2024-01-02T03:04:05.000Z', 'a given time is kept');
      assert.ok(!Number.isNaN(Date.parse(stored[1]!.at)), 'otherwise the store stamps the time');
      assert.deepEqual(stored[0]!.details, { query: 'q', nested: { z: 1, a: [1, 'x', null] }, when: '1970-01-01T00:00:00.000Z' });
      assert.deepEqual(stored[2]!.resources, []);
      assert.deepEqual(await store.appendAudit([]), []);
      await store.close();
    });

    it('keeps one chain and one seq per workspace', async () => {
      const { store, ws, other } = await setup();
      await store.appendAudit([entry(ws.id, 1), entry(other.id, 1), entry(ws.id, 2)]);
      await store.appendAudit([entry(other.id, 2)]);
      await store.appendAudit([entry(ws.id, 3)]);
      const mine = await all(store, ws.id);
      const theirs = await all(store, other.id);
      assert.deepEqual(mine.map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual(theirs.map((e) => e.seq), [1, 2]);
      assert.ok(mine.every((e) => e.workspaceId === ws.id) && theirs.every((e) => e.workspaceId === other.id));
      assertChain(mine);
      assertChain(theirs);
      await store.close();
    });

    it('never forks the chain under concurrent appends', async () => {
      const { store, ws } = await setup();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendAudit([entry(ws.id, i)])));
      assertChain(await all(store, ws.id));
      await store.close();
    });

    it('rejects invalid entries and unknown workspaces, writing none of the call', async () => {
      const { store, ws } = await setup();
      const invalid = { ...entry(ws.id, 2), decision: 'maybe' } as unknown as AuditInput;
      await assert.rejects(store.appendAudit([entry(ws.id, 1), invalid]), /decision must be one of allow, deny, error/);
      await assert.rejects(store.appendAudit([entry(ws.id, 1), entry('ws_missing', 2)]), /unknown workspace ws_missing/);
      await assert.rejects(store.appendAudit([entry(ws.id, 1, { resources: [''] })]), /resources must be an array of non-empty strings/);
      assert.deepEqual(await all(store, ws.id), []);
      await store.close();
    });

    it('commits WriteBatch entries with the batch, and rolls them back with it', async () => {
      const { store, ws, col } = await setup();
      const del = (n: number) => entry(ws.id, n, { actor: 'cli', action: 'document.delete', resources: [`document:${n}`] });

      // The batch fails after its first audit entry was appended: neither the document nor that entry may remain.
      await assert.rejects(store.write({ collectionId: col.id, upserts: [doc('a.txt')], audit: [del(1), entry('ws_missing', 2)] }));
      // The batch fails before its audit entries are reached (two chunks with one ordinal collide).
      const clash = { ...doc('b.txt'), chunks: [...doc('b.txt').chunks, ...doc('b.txt').chunks] };
      await assert.rejects(store.write({ collectionId: col.id, upserts: [clash], audit: [del(3)] }));
      assert.equal(await store.countDocuments(col.id), 0);
      assert.deepEqual(await all(store, ws.id), [], 'a failed batch leaves no audit entry');

      await store.write({ collectionId: col.id, upserts: [doc('c.txt')], audit: [del(4)] });
      await store.appendAudit([entry(ws.id, 5)]);
      await store.write({ collectionId: col.id, deletes: ['c.txt'], audit: [del(6), del(7)] });
      const stored = await all(store, ws.id);
      assert.deepEqual(stored.map((e) => e.traceId), ['trace-4', 'trace-5', 'trace-6', 'trace-7']);
      assertChain(stored);
      await store.close();
    });

    it('pages through a workspace in ascending seq', async () => {
      const { store, ws, other } = await setup();
      await store.appendAudit(Array.from({ length: 25 }, (_, i) => entry(ws.id, i)));
      await store.appendAudit([entry(other.id, 0)]);
      const seen: number[] = [];
      const sizes: number[] = [];
      for (let after = 0; ; ) {
        const page = await store.listAudit({ workspaceId: ws.id, afterSeq: after, limit: 10 });
        if (page.length === 0) break;
        sizes.push(page.length);
        seen.push(...page.map((e) => e.seq));
        after = page.at(-1)!.seq;
      }
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i + 1));
      assert.deepEqual((await store.listAudit({ workspaceId: ws.id, afterSeq: 23 })).map((e) => e.seq), [24, 25]);
      assert.deepEqual(await store.listAudit({ workspaceId: ws.id, afterSeq: 25 }), []);
      assert.deepEqual(await store.listAudit({ workspaceId: 'ws_missing' }), []);
      await assert.rejects(store.listAudit({ workspaceId: ws.id, limit: 0 }), /page size/);
      await store.close();
    });
  });
}
