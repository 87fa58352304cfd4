import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { makeServer } from '../server.testkit.js';
import type { AppEnv } from '../types.js';
import { errorHandler } from './errors.js';
import { rateLimit } from './rate-limit.js';

describe('rateLimit', () => {
  it('allows a burst, then 429 with Retry-After, and refills over time', async () => {
    let now = 0;
    const app = new Hono<AppEnv>();
    app.onError(errorHandler());
    app.use('*', rateLimit({ perSecond: 2, burst: 3, now: () => now }, (c) => c.req.header('x-key')));
    app.get('/', (c) => c.text('ok'));
    const hit = (key = 'a') => app.request('/', { headers: { 'x-key': key } });
    for (let i = 0; i < 3; i++) assert.equal((await hit()).status, 200);
    const limited = await hit();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((await limited.json()).error.code, 'rate-limited');
    assert.equal((await hit('b')).status, 200, 'buckets are per key');
    now += 500; // one token back
    assert.equal((await hit()).status, 200);
    assert.equal((await hit()).status, 429);
    now += 10_000; // never more than the burst
    for (let i = 0; i < 3; i++) assert.equal((await hit()).status, 200);
    assert.equal((await hit()).status, 429);
  });

  it('keeps memory bounded by sweeping idle buckets', async () => {
    let now = 0;
    const app = new Hono<AppEnv>();
    app.use('*', rateLimit({ perSecond: 1, burst: 1, now: () => now, maxBuckets: 10 }, (c) => c.req.header('x-key')));
    app.get('/', (c) => c.text('ok'));
    for (let i = 0; i < 10; i++) await app.request('/', { headers: { 'x-key': `k${i}` } });
    now += 5000; // all idle and full again: the 11th key sweeps them
    assert.equal((await app.request('/', { headers: { 'x-key': 'k10' } })).status, 200);
    assert.equal((await app.request('/', { headers: { 'x-key': 'k0' } })).status, 200, 'a swept bucket starts full');
  });

  it('limits each API key of the real app separately', async () => {
    let now = 1_000_000;
    const h = await makeServer({ server: { rateLimit: { perSecond: 1, burst: 2 } } }, { now: () => now });
    const a = await h.key('default', 'reader', 'ana');
    const b = await h.key('default', 'reader', 'bo');
    assert.equal((await h.call('GET', '/v1/me', { key: a })).status, 200);
    assert.equal((await h.call('GET', '/v1/me', { key: a })).status, 200);
    const r = await h.call('GET', '/v1/me', { key: a });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.ok(r.headers.get('x-request-id'));
    assert.equal((await h.call('GET', '/v1/me', { key: b })).status, 200);
    now += 1000;
    assert.equal((await h.call('GET', '/v1/me', { key: a })).status, 200);
  });
});
