import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { ensureAdminKey } from './bootstrap.js';
import { listen } from './node.js';
import { makeServer } from './server.testkit.js';
import type { AppBindings } from './types.js';

describe('the Node server (real sockets)', () => {
  it('serves the app on 127.0.0.1 with a free port; the bootstrap admin key works over HTTP', async () => {
    const h = await makeServer();
    const ws = (await h.store.getWorkspace('default'))!;
    const boot = await ensureAdminKey(h.store, ws.id);
    assert.ok(boot);
    assert.equal(await ensureAdminKey(h.store, ws.id), null, 'only when the store has no key');
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
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
    const first = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(listen(h, { host: '127.0.0.1', port: first.port }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('on close, finishes a request in progress but does not wait for a connection that never asked anything', async () => {
    let release = () => undefined as void;
    let arrived = () => undefined as void;
    const inProgress = new Promise<void>((r) => (arrived = r));
    const app = new Hono().get('/slow', async (c) => {
      arrived();
      await new Promise<void>((r) => (release = r));
      return c.text('finished');
    });
    const server = await listen({ app }, { host: '127.0.0.1', port: 0 });
    const open = async () => {
      const s = connect(server.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      return s;
    };
    const ended = (s: Socket) => new Promise((r) => s.once('close', r));
    const silent = await open(); // e.g. a client pool's spare connection: Node counts it busy until headersTimeout
    const busy = await open();
    let answer = '';
    busy.on('data', (d: Buffer) => (answer += d.toString()));
    busy.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inProgress;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    try {
      await Promise.race([ended(silent), new Promise((_, fail) => setTimeout(() => fail(new Error('close() left the silent connection open')), 3000).unref())]);
      assert.equal(closed, false, 'the request in progress holds the server open');
      release();
      await closing;
      await ended(busy);
      assert.match(answer, /^HTTP\/1\.1 200[\s\S]*finished$/);
    } finally {
      silent.destroy();
      busy.destroy();
      release();
    }
  });

  it("gives each request its connection's signal: one per keep-alive connection, aborted when the client goes", async () => {
    const seen: AbortSignal[] = [];
    let release = () => undefined as void;
    const app = new Hono<{ Bindings: AppBindings }>().get('/', async (c) => {
      seen.push(c.env.clientSignal!());
      if (c.req.query('wait')) await new Promise<void>((r) => (release = r));
      return c.text('ok');
    });
    const server = await listen({ app }, { host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { agent }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      assert.equal(await get('/'), 'ok');
      assert.equal(await get('/'), 'ok');
      assert.equal(seen.length, 2);
      assert.equal(seen[1], seen[0], 'the same connection, the same signal');
      assert.equal(seen[0]!.aborted, false, 'finished requests do not abort it');

      const waiting = get('/?wait=1').catch((e: unknown) => e);
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(seen[2], seen[0]);
      agent.destroy(); // the client goes away mid-request
      await waiting;
      for (let i = 0; i < 100 && !seen[2]!.aborted; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(seen[2]!.aborted, true);
      release();
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
