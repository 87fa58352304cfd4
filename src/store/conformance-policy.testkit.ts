// Conformance suite for the policy/directory part of the storage contract; called by testStoreDriver.
// What permission-aware retrieval relies on: the directory round-trips per workspace, and a policy change
// is visible at once, bumps only the policy generation and leaves chunks and the content generation alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CollectionSettings, DocumentMetadata } from '../core/types.js';
import type { DocumentInput, Store } from './types.js';

const settings: CollectionSettings = {
  chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' },
  analyzer: { name: 'english' },
};

const doc = (sourceId: string, readers: string[] | null, metadata: DocumentMetadata = {}): DocumentInput => ({
  sourceId,
  sourcePath: sourceId,
  contentHash: `h-${sourceId}`,
  metadata,
  accessPolicy: readers === null ? null : { readers },
  classification: null,
  chunks: [0, 1].map((ordinal) => ({ ordinal, text: `${sourceId} ${ordinal}`, tokenCount: 2, location: {}, terms: `${sourceId} t${ordinal}`, termCount: 2 })),
});

export function testPolicyStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`store conformance (policies and directory): ${name}`, () => {
    const setup = async () => {
      const store = await makeStore();
      const ws = await store.ensureWorkspace('acme');
      const col = await store.createCollection({ workspaceId: ws.id, name: 'docs', settings });
      return { store, ws, col };
    };

    it('keeps users and groups per workspace, replaces them on upsert and lists users first', async () => {
      const { store, ws } = await setup();
      const other = await store.ensureWorkspace('other');
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: 'staff', groups: [] });
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: 'finance', groups: ['staff'], displayName: 'Finance' });
      const first = await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'alice', groups: ['finance'] });
      assert.equal(first.source, 'api');
      const again = await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'alice', groups: ['staff', 'staff', 'finance'], source: 'config' });
      assert.deepEqual(again.groups, ['staff', 'finance'], 'groups replaced, duplicates dropped, order kept');
      assert.equal(again.source, 'config');
      assert.equal(again.createdAt, first.createdAt);
      await store.upsertPrincipal({ workspaceId: other.id, kind: 'user', id: 'mallory', groups: [] });
      const list = await store.listPrincipals(ws.id);
      assert.deepEqual(list.map((p) => `${p.kind}:${p.id}`), ['user:alice', 'group:finance', 'group:staff']);
      assert.equal(list.find((p) => p.id === 'finance')?.displayName, 'Finance');
      assert.deepEqual((await store.listPrincipals(other.id)).map((p) => p.id), ['mallory']);
      // a user and a group may share an id: they are different principals
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: 'alice', groups: [] });
      assert.equal((await store.listPrincipals(ws.id)).length, 4);
      await store.close();
    });

    it('rejects malformed ids and unknown workspaces', async () => {
      const { store, ws } = await setup();
      await assert.rejects(store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'user:alice', groups: [] }), /invalid user or group id/);
      await assert.rejects(store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'bob', groups: ['a b'] }), /invalid/);
      await assert.rejects(store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: '*', groups: [] }), /invalid/);
      await assert.rejects(store.upsertPrincipal({ workspaceId: ws.id, kind: 'robot' as 'user', id: 'r2', groups: [] }), /kind/);
      await assert.rejects(store.upsertPrincipal({ workspaceId: 'ws_nope', kind: 'user', id: 'bob', groups: [] }), /does not exist/);
      assert.deepEqual(await store.listPrincipals(ws.id), []);
      await store.close();
    });

    it('deleting a group removes it from every membership', async () => {
      const { store, ws } = await setup();
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: 'finance', groups: [] });
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: 'audit', groups: ['finance'] });
      await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'alice', groups: ['finance', 'audit'] });
      assert.equal(await store.deletePrincipal(ws.id, 'group', 'finance'), true);
      assert.equal(await store.deletePrincipal(ws.id, 'group', 'finance'), false);
      const byId = new Map((await store.listPrincipals(ws.id)).map((p) => [p.id, p]));
      assert.deepEqual(byId.get('alice')?.groups, ['audit']);
      assert.deepEqual(byId.get('audit')?.groups, []);
      assert.equal(await store.deletePrincipal(ws.id, 'user', 'alice'), true);
      assert.deepEqual((await store.listPrincipals(ws.id)).map((p) => p.id), ['audit']);
      await store.close();
    });

    it('changes a policy without touching chunks, version or the content generation', async () => {
      const { store, col } = await setup();
      const w = await store.write({ collectionId: col.id, upserts: [doc('a.md', ['group:finance']), doc('b.md', null)] });
      const before = (await store.getDocument(col.id, 'a.md'))!;
      const chunksBefore = await store.getChunks(before.id);
      const g0 = await store.policyGeneration(col.id);
      assert.deepEqual(await store.policies(col.id), new Map([[before.id, { readers: ['group:finance'] }], [(await store.getDocument(col.id, 'b.md'))!.id, null]]));

      const entry = { workspaceId: col.workspaceId, actor: 'user:admin', action: 'policy.set', resources: [`document:${before.id}`], decision: 'allow' as const, traceId: 't1' };
      const change = await store.setAccessPolicy(col.id, 'a.md', { readers: ['user:bob'] }, [entry]);
      assert.equal(change.documentId, before.id);
      assert.equal(change.policyGeneration, g0 + 1);
      assert.equal(await store.policyGeneration(col.id), g0 + 1);
      const after = (await store.getDocument(col.id, before.id))!;
      assert.deepEqual(after.accessPolicy, { readers: ['user:bob'] });
      assert.equal(after.version, before.version, 'the content did not change');
      assert.equal(after.contentHash, before.contentHash);
      assert.deepEqual(await store.getChunks(before.id), chunksBefore, 'chunks are not rewritten');
      assert.equal((await store.getCollection(col.workspaceId, 'docs'))!.generation, w.generation, 'no index rebuild is triggered');
      assert.deepEqual((await store.policies(col.id)).get(before.id), { readers: ['user:bob'] });
      assert.deepEqual((await store.listAudit({ workspaceId: col.workspaceId })).map((e) => e.action), ['policy.set'], 'audited in the same transaction');
      // an audit entry that cannot be written undoes the change it describes
      await assert.rejects(store.setAccessPolicy(col.id, 'a.md', null, [{ ...entry, traceId: '' }]), /traceId/);
      assert.deepEqual((await store.getDocument(col.id, before.id))!.accessPolicy, { readers: ['user:bob'] });
      assert.equal(await store.policyGeneration(col.id), g0 + 1);

      // by document id, to "everyone in the workspace", and to "nobody"
      await store.setAccessPolicy(col.id, before.id, null);
      assert.equal((await store.policies(col.id)).get(before.id), null);
      await store.setAccessPolicy(col.id, before.id, { readers: [] });
      assert.deepEqual((await store.getDocument(col.id, before.id))!.accessPolicy, { readers: [] });
      assert.equal(await store.policyGeneration(col.id), g0 + 3);
      await store.close();
    });

    it('refuses unknown documents and malformed policies without bumping the generation', async () => {
      const { store, ws, col } = await setup();
      const other = await store.createCollection({ workspaceId: ws.id, name: 'other', settings });
      await store.write({ collectionId: other.id, upserts: [doc('x.md', null)] });
      const g0 = await store.policyGeneration(col.id);
      await assert.rejects(store.setAccessPolicy(col.id, 'nope.md', null), /not found/);
      await assert.rejects(store.setAccessPolicy(col.id, 'x.md', null), /not found/, 'a document of another collection');
      await assert.rejects(store.setAccessPolicy(other.id, 'x.md', { readers: ['group finance'] }), /invalid readers/);
      await assert.rejects(store.setAccessPolicy(other.id, 'x.md', { readers: 'group:finance' } as never), /readers/);
      assert.equal(await store.policyGeneration(col.id), g0);
      assert.equal((await store.getDocument(other.id, 'x.md'))!.accessPolicy, null);
      await assert.rejects(store.policyGeneration('col_nope'), /does not exist/);
      assert.deepEqual(await store.policies('col_nope'), new Map());
      await store.close();
    });

    it('reflects policies written with documents, and forgets deleted documents', async () => {
      const { store, col } = await setup();
      await store.write({ collectionId: col.id, upserts: [doc('a.md', ['*']), doc('b.md', ['user:alice'])] });
      await store.write({ collectionId: col.id, upserts: [doc('a.md', ['group:hr'])], deletes: ['b.md'] });
      const policies = await store.policies(col.id);
      assert.deepEqual([...policies.values()], [{ readers: ['group:hr'] }]);
      await store.close();
    });
  });
}
