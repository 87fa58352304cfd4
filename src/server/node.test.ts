import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureAdminKey } from './bootstrap.js';
import { listen } from './node.js';
import { makeServer } from './server.testkit.js';

describe('the Node server (real sockets)', () => {
  it('serves the app on 127.0.0.1 with a free port; the bootstrap admin key works over HTTP', async () => {
    const h = await makeServer();
    const ws = (await h.store.getWorkspace('default'))!;
    const boot = await ensureAdminKey(h.store, ws.id);
    assert.ok(boot);
    assert.equal(await ensureAdminKey(h.store, ws.id), null, 'only when the store has no key');
    const server = await listen(h.app, { host: '127.0.0.1', port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(server.port > 0);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.ok(health.headers.get('x-request-id'));
      const auth = { authorization: `Bearer ${boot.key}`, 'content-type': 'application/json' };
      assert.equal((await fetch(`${server.url}/v1/collections`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'docs' }) })).status, 201);
      const up = await fetch(`${server.url}/v1/collections/docs/documents`, { method: 'POST', headers: auth, body: JSON.stringify({ text: 'Sockets carry this text.', filename: 's.txt' }) });
      assert.equal(up.status, 201);
      const res = await fetch(`${server.url}/v1/search`, { method: 'POST', headers: { ...auth, 'x-request-id': 'over-the-wire' }, body: JSON.stringify({ collection: 'docs', query: 'sockets' }) });
      assert.equal(res.headers.get('x-request-id'), 'over-the-wire');
      const body = await res.json();
      assert.equal(body.hits.length, 1);
      assert.equal((await fetch(`${server.url}/v1/collections`)).status, 401);
      assert.equal((await fetch(`${server.url}/docs`)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('fails with a clear error when the port is taken', async () => {
    const h = await makeServer();
    const first = await listen(h.app, { host: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(listen(h.app, { host: '127.0.0.1', port: first.port }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
