import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashApiKey } from '../auth/api-keys.js';
import { makeServer } from '../server.testkit.js';

describe('keys and directory routes', () => {
  it('issues a key once (stored hashed), lets it act for its user, lists it without the secret and revokes it', async () => {
    const h = await makeServer();
    const admin = await h.key('default', 'admin', 'root');
    const noUser = await h.call('POST', '/v1/keys', { key: admin, body: { name: 'ci', role: 'reader', subject: 'ci-bot' } });
    assert.equal(noUser.status, 400);
    assert.match((await noUser.json()).error.hint, /directory/);

    assert.equal((await h.call('PUT', '/v1/directory/groups/qa', { key: admin, body: {} })).status, 200);
    const user = await h.call('PUT', '/v1/directory/users/ci-bot', { key: admin, body: { groups: ['qa'], displayName: 'CI' } });
    assert.deepEqual((await user.json()).groups, ['qa']);
    const created = await h.call('POST', '/v1/keys', { key: admin, body: { name: 'ci', role: 'reader', subject: 'ci-bot' } });
    assert.equal(created.status, 201);
    const k = await created.json();
    assert.match(k.key, /^strata_[A-Za-z0-9_-]{43}$/);
    assert.ok(k.key.startsWith(k.prefix));
    assert.equal((await h.store.findApiKeyByHash(hashApiKey(k.key)))?.id, k.id, 'only the hash is stored');

    const me = await (await h.call('GET', '/v1/me', { key: k.key })).json();
    assert.deepEqual([me.subject, me.role, me.principals], ['ci-bot', 'reader', ['user:ci-bot', 'group:qa', '*']]);
    const listed = await (await h.call('GET', '/v1/keys', { key: admin })).json();
    assert.ok(listed.keys.every((x: Record<string, unknown>) => x.key === undefined && x.hash === undefined));
    assert.ok(listed.keys.find((x: { id: string }) => x.id === k.id).lastUsedAt);

    assert.equal((await h.call('DELETE', `/v1/keys/${k.id}`, { key: admin })).status, 200);
    assert.equal((await h.call('GET', '/v1/me', { key: k.key })).status, 401);
    assert.equal((await h.call('DELETE', `/v1/keys/${k.id}`, { key: admin })).status, 404);
    const actions = (await h.store.listAudit({ workspaceId: me.workspace.id })).map((e) => e.action);
    assert.ok(['directory.upsert', 'key.create', 'key.revoke'].every((a) => actions.includes(a)));
  });

  it('directory edits apply to the very next request', async () => {
    const h = await makeServer();
    const admin = await h.key('default', 'admin', 'root');
    const ana = await h.key('default', 'reader', 'ana');
    await h.call('PUT', '/v1/directory/groups/finance', { key: admin, body: {} });
    await h.call('PUT', '/v1/directory/users/ana', { key: admin, body: { groups: ['finance'] } });
    assert.ok((await (await h.call('GET', '/v1/me', { key: ana })).json()).principals.includes('group:finance'));
    assert.equal((await h.call('DELETE', '/v1/directory/groups/finance', { key: admin })).status, 200);
    assert.ok(!(await (await h.call('GET', '/v1/me', { key: ana })).json()).principals.includes('group:finance'));
    const dir = await (await h.call('GET', '/v1/directory', { key: admin })).json();
    assert.deepEqual(dir.principals.map((p: { kind: string; id: string }) => `${p.kind}:${p.id}`), ['user:ana', 'user:root']);
  });
});
