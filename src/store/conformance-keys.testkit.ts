// Conformance suite for the server's part of the storage contract (API keys, folder sources, feedback);
// called by testStoreDriver, so every driver passes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CollectionSettings } from '../core/types.js';
import type { ApiKeyInput } from './keys.js';
import type { Store } from './types.js';

const settings: CollectionSettings = {
  chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' },
  analyzer: { name: 'english' },
};

export function testKeyStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`store conformance (keys, sources, feedback): ${name}`, () => {
    const setup = async () => {
      const store = await makeStore();
      const a = await store.ensureWorkspace('acme');
      const b = await store.ensureWorkspace('globex');
      return { store, a, b };
    };
    const keyInput = (workspaceId: string, hash: string, extra: Partial<ApiKeyInput> = {}): ApiKeyInput => ({
      workspaceId,
      name: 'ci',
      role: 'reader',
      subject: 'alice',
      prefix: `sk_${hash.slice(0, 6)}`,
      hash,
      ...extra,
    });

    it('creates keys, finds them by hash only, and never returns the hash', async () => {
      const { store, a } = await setup();
      assert.deepEqual(await store.listApiKeys(), []);
      const k = await store.createApiKey(keyInput(a.id, 'h1', { role: 'admin', createdBy: 'bootstrap' }));
      assert.match(k.id, /^key_/);
      assert.equal(k.role, 'admin');
      assert.equal(k.workspace, 'acme');
      assert.equal(k.subject, 'alice');
      assert.equal(k.createdBy, 'bootstrap');
      assert.equal(k.lastUsedAt, null);
      assert.equal(k.revokedAt, null);
      assert.equal('hash' in k, false);
      assert.deepEqual(await store.findApiKeyByHash('h1'), k);
      assert.equal(await store.findApiKeyByHash('h2'), null);
      await assert.rejects(store.createApiKey(keyInput(a.id, 'h1')), 'a hash is unique');
      await store.close();
    });

    it('lists keys per workspace and revokes only within the workspace', async () => {
      const { store, a, b } = await setup();
      const ka = await store.createApiKey(keyInput(a.id, 'ha'));
      const kb = await store.createApiKey(keyInput(b.id, 'hb'));
      assert.deepEqual((await store.listApiKeys(a.id)).map((k) => k.id), [ka.id]);
      assert.deepEqual((await store.listApiKeys(b.id)).map((k) => k.id), [kb.id]);
      assert.equal((await store.listApiKeys()).length, 2);
      assert.equal(await store.revokeApiKey(a.id, kb.id), false, 'workspace A cannot revoke a key of B');
      assert.equal((await store.findApiKeyByHash('hb'))?.revokedAt, null);
      assert.equal(await store.revokeApiKey(a.id, ka.id), true);
      assert.equal(await store.revokeApiKey(a.id, ka.id), false, 'already revoked');
      assert.ok((await store.findApiKeyByHash('ha'))?.revokedAt, 'a revoked key is still found, marked revoked');
      await store.close();
    });

    it('records the last use of a key', async () => {
      const { store, a } = await setup();
      const k = await store.createApiKey(keyInput(a.id, 'hu'));
      await store.touchApiKey(k.id, '2030-01-02T03:04:05.000Z');
      assert.equal((await store.findApiKeyByHash('hu'))?.lastUsedAt, '2030-01-02T03:04:05.000Z');
      await store.touchApiKey(k.id);
      assert.notEqual((await store.findApiKeyByHash('hu'))?.lastUsedAt, '2030-01-02T03:04:05.000Z');
      await store.close();
    });

    it('keeps folder sources per workspace and drops them with their collection', async () => {
      const { store, a, b } = await setup();
      const col = await store.createCollection({ workspaceId: a.id, name: 'docs', settings });
      const s = await store.createSource({ workspaceId: a.id, collectionId: col.id, kind: 'folder', path: '/srv/docs' });
      assert.match(s.id, /^src_/);
      assert.deepEqual(await store.getSource(a.id, s.id), s);
      assert.equal(await store.getSource(b.id, s.id), null, 'another workspace does not see it');
      assert.deepEqual(await store.listSources(a.id), [s]);
      assert.deepEqual(await store.listSources(a.id, col.id), [s]);
      assert.deepEqual(await store.listSources(b.id), []);
      await assert.rejects(store.createSource({ workspaceId: a.id, collectionId: col.id, kind: 'folder', path: '/srv/docs' }));
      assert.equal(await store.deleteSource(b.id, s.id), false);
      const s2 = await store.createSource({ workspaceId: a.id, collectionId: col.id, kind: 'folder', path: '/srv/other' });
      assert.equal(await store.deleteSource(a.id, s.id), true);
      await store.deleteCollection(col.id);
      assert.equal(await store.getSource(a.id, s2.id), null);
      await store.close();
    });

    it('stores feedback on a trace id, per workspace', async () => {
      const { store, a, b } = await setup();
      const f = await store.addFeedback({ workspaceId: a.id, traceId: 'req-1', subject: 'alice', rating: 1, documentId: 'doc_1', comment: 'spot on' });
      await store.addFeedback({ workspaceId: a.id, traceId: 'req-2', subject: 'bob', rating: -1 });
      await store.addFeedback({ workspaceId: b.id, traceId: 'req-1', subject: 'eve', rating: 0 });
      assert.match(f.id, /^fb_/);
      assert.equal(f.comment, 'spot on');
      assert.deepEqual((await store.listFeedback(a.id, { traceId: 'req-1' })).map((x) => x.subject), ['alice']);
      assert.equal((await store.listFeedback(a.id)).length, 2);
      assert.equal((await store.listFeedback(a.id, { limit: 1 })).length, 1);
      const other = await store.listFeedback(b.id);
      assert.deepEqual(other.map((x) => [x.subject, x.documentId, x.comment]), [['eve', null, null]]);
      await assert.rejects(store.addFeedback({ workspaceId: a.id, traceId: 'x', subject: 'a', rating: 2 as 1 }));
      await store.close();
    });
  });
}
