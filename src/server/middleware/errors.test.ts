import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { StrataError, type ErrorCode } from '../../core/errors.js';
import { makeServer } from '../server.testkit.js';
import type { AppEnv, LogFn } from '../types.js';
import { errorHandler, notFoundHandler } from './errors.js';

describe('error mapping', () => {
  const logged: Parameters<LogFn>[] = [];
  const app = new Hono<AppEnv>();
  app.onError(errorHandler((...a) => logged.push(a)));
  app.notFound(notFoundHandler());
  app.get('/strata/:code', (c) => {
    throw new StrataError('store:sqlite', c.req.param('code') as ErrorCode, 'cannot open /var/lib/strata/strata.db for tenant acme', { hint: 'a hint', details: { key: 'x' } });
  });
  app.get('/plain', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'secret') at /srv/app.js:12");
  });
  app.get('/hono', () => {
    throw new HTTPException(413, { message: 'too big' });
  });

  it('maps every StrataError code to its status in one table', async () => {
    const want: Record<ErrorCode, number> = {
      config: 400,
      'invalid-input': 400,
      parse: 400,
      'not-found': 404,
      unauthorized: 401,
      forbidden: 403,
      conflict: 409,
      'rate-limited': 429,
      unavailable: 503,
      integrity: 500,
      internal: 500,
    };
    for (const [code, status] of Object.entries(want)) {
      const r = await app.request(`/strata/${code}`);
      assert.equal(r.status, status, code);
      const body = await r.json();
      assert.equal(body.error.code, status === 500 ? 'internal' : code);
    }
  });

  it('shows 4xx messages without the component prefix, with hint and details', async () => {
    const body = await (await app.request('/strata/invalid-input')).json();
    assert.deepEqual(body.error, { code: 'invalid-input', message: 'cannot open /var/lib/strata/strata.db for tenant acme', hint: 'a hint', details: { key: 'x' } });
  });

  it('never puts stack traces, messages or paths of 5xx errors in the response; logs them instead', async () => {
    for (const path of ['/plain', '/strata/internal', '/strata/unavailable']) {
      const r = await app.request(path);
      const text = await r.text();
      assert.ok(r.status >= 500);
      assert.doesNotMatch(text, /secret|\/srv|\/var\/lib|acme|at |stack|TypeError/);
      assert.deepEqual(Object.keys(JSON.parse(text).error).sort(), ['code', 'message']);
    }
    assert.ok(logged.some(([level, , fields]) => level === 'error' && String((fields?.error as { stack?: string }).stack).includes('TypeError')));
  });

  it('keeps the status of Hono HTTP exceptions and answers unknown routes with a JSON 404', async () => {
    const r = await app.request('/hono');
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.code, 'payload-too-large');
    const nf = await app.request('/nope');
    assert.equal(nf.status, 404);
    assert.equal((await nf.json()).error.code, 'not-found');
  });

  it('turns a failure deep in a route of the real app into a bare 500 with the request id', async () => {
    const h = await makeServer({}, {
      searcher: {
        search: async () => {
          throw new Error('SQLITE_CORRUPT: database disk image is malformed at /data/tenant-b/strata.db');
        },
      } as never,
    });
    const key = await h.key('default', 'reader', 'ana');
    await h.store.createCollection({ workspaceId: (await h.store.getWorkspace('default'))!.id, name: 'docs', settings: { chunking: h.config.chunking, analyzer: h.config.search.analyzer } });
    const r = await h.call('POST', '/v1/search', { key, body: { collection: 'docs', query: 'x' }, headers: { 'x-request-id': 'req-500' } });
    const text = await r.text();
    assert.equal(r.status, 500);
    assert.doesNotMatch(text, /SQLITE|tenant-b|strata\.db|at /);
    assert.equal(JSON.parse(text).error.requestId, 'req-500');
    assert.ok(h.logs.some((l) => l.fields?.requestId === 'req-500'));
  });
});
