import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { StrataError } from '../../core/errors.js';
import type { AppEnv } from '../types.js';
import { errorHandler } from './errors.js';
import { requestId } from './request-id.js';

describe('requestId', () => {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler());
  app.use('*', requestId({ generate: () => 'generated-1' }));
  app.get('/ok', (c) => c.text(c.get('requestId')));
  app.get('/fail', () => {
    throw new StrataError('test', 'not-found', 'nothing here');
  });

  it('honours a sane x-request-id and returns it', async () => {
    const r = await app.request('/ok', { headers: { 'x-request-id': 'trace-0af7651916cd43dd8448eb211c80319c' } });
    assert.equal(await r.text(), 'trace-0af7651916cd43dd8448eb211c80319c');
    assert.equal(r.headers.get('x-request-id'), 'trace-0af7651916cd43dd8448eb211c80319c');
  });

  it('generates one when absent or unsafe (spaces, control characters, too long)', async () => {
    for (const bad of [undefined, 'has space', 'x'.repeat(200), 'a\tb']) {
      const r = await app.request('/ok', { headers: bad === undefined ? {} : { 'x-request-id': bad } });
      assert.equal(r.headers.get('x-request-id'), 'generated-1');
    }
  });

  it('puts the id on error responses too, header and body', async () => {
    const r = await app.request('/fail', { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-request-id'), 'abc-123');
    assert.equal((await r.json()).error.requestId, 'abc-123');
  });
});
