import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sqliteStore from '../store/drivers/sqlite.js';
import { resolveCaller, syncDirectoryFromConfig } from './directory.js';

describe('directory', () => {
  it('syncs the config section idempotently, keeps API principals and drops config entries removed from the file', async () => {
    const store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('acme');
    const v1 = { directory: { users: { alice: { groups: ['finance'] } }, groups: { finance: { groups: ['staff'] }, staff: {} } } };
    assert.deepEqual(await syncDirectoryFromConfig(store, ws.id, v1), { upserted: 3, deleted: 0 });
    assert.deepEqual(await syncDirectoryFromConfig(store, ws.id, v1), { upserted: 0, deleted: 0 }, 'nothing written when nothing changed');
    await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'dave', groups: ['staff'] });

    const v2 = { directory: { users: { alice: { groups: ['staff'] } }, groups: { staff: {} } } };
    assert.deepEqual(await syncDirectoryFromConfig(store, ws.id, v2), { upserted: 1, deleted: 1 });
    const list = await store.listPrincipals(ws.id);
    assert.deepEqual(list.map((p) => [p.kind, p.id, p.source, p.groups]), [
      ['user', 'alice', 'config', ['staff']],
      ['user', 'dave', 'api', ['staff']],
      ['group', 'staff', 'config', []],
    ]);
    await store.close();
  });

  it('resolves a caller with nested groups and refuses unknown users', async () => {
    const store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('acme');
    await syncDirectoryFromConfig(store, ws.id, { directory: { users: { alice: { groups: ['finance'] } }, groups: { finance: { groups: ['staff'] }, staff: {} } } });
    assert.deepEqual(await resolveCaller(store, ws.id, 'alice'), {
      workspaceId: ws.id,
      subject: 'alice',
      role: 'reader',
      principals: ['user:alice', 'group:finance', 'group:staff', '*'],
    });
    await assert.rejects(resolveCaller(store, ws.id, 'alcie'), /user "alcie" is not in the directory/);
    // deleting a group revokes it at the next resolution
    await store.deletePrincipal(ws.id, 'group', 'finance');
    assert.deepEqual((await resolveCaller(store, ws.id, 'alice')).principals, ['user:alice', '*']);
    await store.close();
  });
});
