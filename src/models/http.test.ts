// The shared provider HTTP client against a real local server: what gets retried (429, 5xx, timeouts) and how
// long it waits (Retry-After in seconds, HTTP date or retry-after-ms; exponential backoff otherwise), what
// never is (400, 401), how failures are reported (details.kind, no secrets), cancellation, and the stream readers.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createHttpClient, errorKind, parseRetryAfter, readNdjson, readSse, redact, type HttpClientOptions } from './http.js';
import { sse, startReplayServer, strataFailure, type ReplayServer } from './replay.testkit.js';

const KEY = 'sk-test-abcdefghijklmnopqrstuvwxyz0123';

let server: ReplayServer;
let waits: number[];

before(async () => {
  server = await startReplayServer(() => ({ json: {} }));
});
after(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  waits = [];
});

function client(over: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    provider: 'acme',
    timeoutMs: 2000,
    retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    secrets: [KEY],
    ...over,
  });
}

const rejects = strataFailure;

const post = (body: unknown = { x: 1 }, signal?: AbortSignal) => ({ url: `${server.url}/v1/thing`, body, signal, headers: { authorization: `Bearer ${KEY}` } });

describe('createHttpClient: retries', () => {
  it('retries a 429 after the Retry-After seconds, then returns the JSON', async () => {
    server.handle((_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' }, json: { error: { message: 'slow down' } } } : { json: { ok: true } }));
    assert.deepEqual(await client().json(post()), { ok: true });
    assert.equal(server.requests.length, 2);
    assert.deepEqual(waits, [2000]);
    assert.deepEqual(server.requests[0]!.body, { x: 1 });
    assert.equal(server.requests[0]!.headers['content-type'], 'application/json');
  });

  it('honours retry-after-ms over Retry-After', async () => {
    server.handle((_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after-ms': '350', 'retry-after': '9' }, json: {} } : { json: [1] }));
    assert.deepEqual(await client().json(post()), [1]);
    assert.deepEqual(waits, [350]);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    server.handle((_r, n) => (n === 1 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() }, json: {} } : { json: 'ok' }));
    assert.equal(await client().json(post()), 'ok');
    assert.equal(waits.length, 1);
    // HTTP dates have one-second resolution.
    assert.ok(waits[0]! > 1000 && waits[0]! <= 3000, `waited ${waits[0]} ms`);
  });

  it('backs off exponentially on 5xx without Retry-After, within ±25 % jitter', async () => {
    server.handle((_r, n) => (n <= 3 ? { status: 500 + n, json: { message: 'boom' } } : { json: { ok: 1 } }));
    assert.deepEqual(await client().json(post()), { ok: 1 });
    assert.equal(server.requests.length, 4);
    assert.equal(waits.length, 3);
    waits.forEach((w, i) => {
      const base = 100 * 2 ** i;
      assert.ok(w >= base * 0.75 && w <= base * 1.25, `wait ${i} was ${w}`);
    });
  });

  it('never waits longer than maxDelayMs between attempts', async () => {
    server.handle(() => ({ status: 500, json: {} }));
    await rejects(client({ retry: { maxRetries: 6, baseDelayMs: 100, maxDelayMs: 500 } }).json(post()));
    assert.equal(waits.length, 6);
    assert.ok(waits.every((w) => w <= 500), `waits ${waits.join(', ')}`);
  });

  it('gives up after maxRetries and reports the last failure with its status', async () => {
    server.handle(() => ({ status: 502, text: 'bad gateway' }));
    const e = await rejects(client().json(post()));
    assert.equal(server.requests.length, 4);
    assert.equal(errorKind(e), 'unavailable');
    assert.equal(e.code, 'unavailable');
    assert.equal(e.details.status, 502);
    assert.match(e.message, /acme failed \(HTTP 502\): bad gateway/);
  });

  it('does not wait when the server asks for longer than maxDelayMs: the rate limit surfaces to the caller', async () => {
    server.handle(() => ({ status: 429, headers: { 'retry-after': '120' }, json: { error: { message: 'quota' } } }));
    const e = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.deepEqual(waits, []);
    assert.equal(errorKind(e), 'rate-limit');
    assert.equal(e.code, 'rate-limited');
    assert.equal(e.details.retryAfterSeconds, 120);
  });

  it('does not retry a 400, and classifies context-length refusals', async () => {
    server.handle(() => ({ status: 400, json: { error: { message: 'invalid field "inputs"' } } }));
    const bad = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.equal(errorKind(bad), 'bad-request');
    assert.equal(bad.code, 'invalid-input');
    assert.match(bad.message, /invalid field "inputs"/);

    server.requests.length = 0;
    server.handle(() => ({ status: 400, json: { error: { message: "This model's maximum context length is 8192 tokens" } } }));
    const long = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.equal(errorKind(long), 'context-length');
  });

  it('reports an auth failure once, with a hint and without the key even when the vendor echoes it', async () => {
    server.handle(() => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${KEY}` } } }));
    const e = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.equal(errorKind(e), 'auth');
    assert.ok(!e.message.includes(KEY), e.message);
    assert.ok(!JSON.stringify(e.details).includes(KEY));
    assert.match(e.message, /\[redacted\]/);
    assert.match(e.hint ?? '', /API key/);
  });

  it('maps 404 to not-found without retrying', async () => {
    server.handle(() => ({ status: 404, json: { detail: 'model not found' } }));
    const e = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.equal(errorKind(e), 'not-found');
    assert.match(e.message, /model not found/);
  });
});

describe('createHttpClient: timeouts, bodies and cancellation', () => {
  it('times out a request that never gets an answer, and retries it', async () => {
    server.handle((_r, n) => (n === 1 ? { hang: true } : { json: { late: false } }));
    assert.deepEqual(await client({ timeoutMs: 150 }).json(post()), { late: false });
    assert.equal(server.requests.length, 2);
    assert.equal(waits.length, 1);
  });

  it('reports a timeout with its kind when retries are exhausted', async () => {
    server.handle(() => ({ hang: true }));
    const e = await rejects(client({ timeoutMs: 100, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } }).json(post()));
    assert.equal(errorKind(e), 'timeout');
    assert.match(e.message, /did not answer within 100 ms/);
  });

  it('reports a body that stalls mid-way past timeoutMs as a timeout, not as a cut connection', async () => {
    server.handle(() => ({ headers: { 'content-type': 'application/json' }, chunks: ['{"partial":', ' true}'], delayMs: 400 }));
    const e = await rejects(client({ timeoutMs: 150, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } }).json(post()));
    assert.equal(errorKind(e), 'timeout');
    assert.match(e.message, /did not answer within 150 ms/);
  });

  it('reports a body cut off mid-way as unavailable, and retries it', async () => {
    server.handle((_r, n) => (n === 1 ? { headers: { 'content-type': 'application/json', 'content-length': '40' }, chunks: ['{"partial":'], cut: true } : { json: { whole: true } }));
    assert.deepEqual(await client().json(post()), { whole: true });
    assert.equal(server.requests.length, 2);
    server.handle(() => ({ headers: { 'content-type': 'application/json', 'content-length': '40' }, chunks: ['{"partial":'], cut: true }));
    const e = await rejects(client({ retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } }).json(post()));
    assert.equal(errorKind(e), 'unavailable');
    assert.match(e.message, /cannot reach acme/);
  });

  it('reports a 200 whose body is not JSON as malformed, without retrying', async () => {
    server.handle(() => ({ text: '<html>proxy login</html>' }));
    const e = await rejects(client().json(post()));
    assert.equal(server.requests.length, 1);
    assert.equal(errorKind(e), 'malformed');
    assert.match(e.message, /not JSON: <html>proxy login<\/html>/);
  });

  it('reports an unreachable server as unavailable, naming only the origin', async () => {
    const c = client({ retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const e = await rejects(c.json({ url: `http://127.0.0.1:1/v1/x?key=${KEY}`, body: {} }));
    assert.equal(errorKind(e), 'unavailable');
    assert.match(e.message, /cannot reach acme at http:\/\/127\.0\.0\.1:1/);
    assert.ok(!e.message.includes(KEY));
    assert.equal(waits.length, 1);
  });

  it('stops at once when the caller aborts during a request', async () => {
    server.handle(() => ({ hang: true }));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const e = await rejects(client({ timeoutMs: 5000 }).json(post({}, ctl.signal)));
    assert.equal(errorKind(e), 'aborted');
    assert.equal(server.requests.length, 1);
  });

  it('stops when the caller aborts during a backoff wait', async () => {
    server.handle(() => ({ status: 503, headers: { 'retry-after': '5' }, json: {} }));
    const ctl = new AbortController();
    const c = client({ sleep: undefined });
    setTimeout(() => ctl.abort(), 100);
    const t0 = Date.now();
    const e = await rejects(c.json(post({}, ctl.signal)));
    assert.equal(errorKind(e), 'aborted');
    assert.equal(server.requests.length, 1);
    assert.ok(Date.now() - t0 < 4000, 'the 5 s backoff was cut short');
  });

  it('does not send a request at all when the signal is already aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const e = await rejects(client().json(post({}, ctl.signal)));
    assert.equal(errorKind(e), 'aborted');
    assert.equal(server.requests.length, 0);
  });

  it('sends a GET without a body or content-type', async () => {
    server.handle(() => ({ json: { models: [] } }));
    await client().json({ url: `${server.url}/v1/models` });
    assert.equal(server.requests[0]!.method, 'GET');
    assert.equal(server.requests[0]!.headers['content-type'], undefined);
  });

  it('keeps the query string, and sends a user and password in the URL as Basic authorization', async () => {
    server.handle(() => ({ json: { ok: true } }));
    const u = new URL(`${server.url}/v1/thing?api-version=2024-10-21&x=a%20b`);
    u.username = 'gate';
    u.password = 'p@ss:word';
    for (let i = 0; i < 2; i++) await client().json({ url: u.href, body: {} }); // the second call reuses the parsed URL
    for (const r of server.requests) {
      assert.equal(r.path, '/v1/thing?api-version=2024-10-21&x=a%20b');
      assert.equal(r.headers.authorization, `Basic ${Buffer.from('gate:p@ss:word').toString('base64')}`);
    }
    assert.equal(server.requests.length, 2);
  });
});

describe('createHttpClient: streams', () => {
  it('keeps a stream open longer than timeoutMs once the headers arrived', async () => {
    server.handle(() => ({ chunks: [sse({ a: 1 }), sse({ a: 2 }), sse({ a: 3 })], delayMs: 120 }));
    const res = await client({ timeoutMs: 150 }).stream(post());
    const got: string[] = [];
    for await (const ev of readSse(res.body, 'acme')) got.push(ev.data);
    assert.deepEqual(got, ['{"a":1}', '{"a":2}', '{"a":3}']);
  });

  it('reads an error status of a stream request as an error, and retries it', async () => {
    server.handle((_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: {} } : { chunks: [sse('x')] }));
    const res = await client().stream(post());
    assert.equal(res.status, 200);
    assert.deepEqual(waits, [1000]);
    await res.body?.cancel();
  });

  it('parses server-sent events split across chunks, with CRLF, comments and multi-line data', async () => {
    server.handle(() => ({ chunks: [': keep-alive\r\n\r\nevent: delta\r\ndata: {"t":', '"he"}\r\n\r\ndata: line1\ndata: line2\n\n', 'data: [DONE]'] }));
    const res = await client().stream(post());
    const got = [];
    for await (const ev of readSse(res.body, 'acme')) got.push(ev);
    assert.deepEqual(got, [
      { event: 'delta', data: '{"t":"he"}' },
      { event: undefined, data: 'line1\nline2' },
      { event: undefined, data: '[DONE]' },
    ]);
  });

  it('parses NDJSON and reports a garbage line as malformed', async () => {
    server.handle(() => ({ chunks: ['{"a":1}\n{"b"', ':2}\n\n', 'nope\n'] }));
    const res = await client().stream(post());
    const got: unknown[] = [];
    const e = await rejects(
      (async () => {
        for await (const v of readNdjson(res.body, 'acme')) got.push(v);
      })(),
    );
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
    assert.equal(errorKind(e), 'malformed');
  });

  it('reports a stream cut mid-way as unavailable', async () => {
    server.handle(() => ({ chunks: ['{"a":1}\n', '{"a":'], delayMs: 20, cut: true }));
    const res = await client().stream(post());
    const e = await rejects(
      (async () => {
        for await (const _ of readNdjson(res.body, 'acme'));
      })(),
    );
    assert.ok(errorKind(e) === 'unavailable' || errorKind(e) === 'malformed', String(errorKind(e)));
  });
});

describe('parseRetryAfter and redact', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  it('reads seconds, fractions, HTTP dates and milliseconds; ignores garbage', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(h({ 'retry-after': '7' }), now), 7);
    assert.equal(parseRetryAfter(h({ 'retry-after': '1.5' }), now), 1.5);
    assert.equal(parseRetryAfter(h({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now), 30);
    assert.equal(parseRetryAfter(h({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), now), 0);
    assert.equal(parseRetryAfter(h({ 'retry-after-ms': '250' }), now), 0.25);
    assert.equal(parseRetryAfter(h({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(parseRetryAfter(h({}), now), undefined);
  });

  it('removes configured secrets, bearer tokens and key-shaped strings', () => {
    const out = redact(`key ${KEY} and Bearer abc.def-ghi and AIza_0123456789abcdefXYZ and custom-secret-1`, ['custom-secret-1']);
    assert.ok(!out.includes(KEY) && !out.includes('abc.def-ghi') && !out.includes('AIza_0123') && !out.includes('custom-secret-1'), out);
  });
});
