// The gateway's OpenAI endpoints as served on node:http in front of the Hono app: what they share with the rest of
// the API (credential, rate limit, request id, security headers, workspace alias) and how they refuse bad HTTP
// exchanges. The OpenAI client's view of them is in routes/gateway.test.ts.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startReplayServer, type ReplayServer } from '../models/replay.testkit.js';
import { listen, type RunningServer } from './node.js';
import { makeServer, type Harness } from './server.testkit.js';

const COMPLETION = {
  id: 'chatcmpl-up',
  object: 'chat.completion',
  created: 1_730_000_000,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};
const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

async function start(rateLimit = { perSecond: 1000, burst: 1000 }) {
  const up = await startReplayServer(() => ({ json: COMPLETION }));
  const h = await makeServer({
    providers: { up: { kind: 'openai-compatible', baseUrl: up.url, apiKey: 'sk-up', maxRetries: 0, timeoutMs: 5000 } },
    models: { m: { provider: 'up', model: 'up-model', contextWindow: 4000, pricing: { input: 1, output: 1 }, clearedFor: ['public'] } },
    server: { rateLimit },
  });
  const key = await h.key('default', 'reader', 'ana');
  const server = await listen(h, { host: '127.0.0.1', port: 0 });
  return { up, h, key, server };
}

/** A raw HTTP exchange, so that bodies can be chunked or lie about their length. */
function exchange(url: string, path: string, init: { method?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[] }) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method: init.method ?? 'POST', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of init.chunks ?? []) req.write(c);
    req.end();
  });
}

describe('gateway endpoints served on node:http', () => {
  let up: ReplayServer;
  let h: Harness;
  let key: string;
  let server: RunningServer;
  before(async () => ({ up, h, key, server } = await start()));
  after(async () => {
    await server.close();
    await up.close();
    await h.store.close();
  });
  const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

  it('answers with the request id the client sent and the API\'s security headers, errors included', async () => {
    const ok = await exchange(server.url, '/v1/chat/completions', { headers: { ...auth(), 'x-request-id': 'trace-42' }, chunks: [CHAT] });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).choices[0].message.content, 'Hi.');
    assert.equal(ok.headers['x-request-id'], 'trace-42');
    assert.equal(ok.headers['x-content-type-options'], 'nosniff');
    assert.equal(ok.headers['cache-control'], 'no-store');
    assert.equal(ok.headers['x-strata-model'], 'm');
    const refused = await exchange(server.url, '/v1/chat/completions', { headers: { 'content-type': 'application/json' }, chunks: [CHAT] });
    assert.equal(refused.status, 401);
    assert.equal(JSON.parse(refused.body).error.code, 'invalid_api_key');
    assert.match(String(refused.headers['x-request-id']), /^req/);
    assert.equal(refused.headers['x-frame-options'], 'DENY');
  });

  it('refuses bodies that are too large (declared or chunked), not JSON, or of another media type, in OpenAI\'s shape', async () => {
    const big = await exchange(server.url, '/v1/chat/completions', { headers: { ...auth(), 'content-length': String(2 * 1024 * 1024) }, chunks: [Buffer.alloc(2 * 1024 * 1024, 0x20)] });
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).error.type, 'invalid_request_error');
    const chunked = await exchange(server.url, '/v1/chat/completions', { headers: { ...auth(), 'transfer-encoding': 'chunked' }, chunks: Array.from({ length: 5 }, () => Buffer.alloc(300 * 1024, 0x20)) });
    assert.equal(chunked.status, 413);
    assert.match(JSON.parse(chunked.body).error.message, /larger than 1048576 bytes/);
    const broken = await exchange(server.url, '/v1/chat/completions', { headers: auth(), chunks: ['{"model": "m", '] });
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.body).error.message, /not valid JSON/);
    const empty = await exchange(server.url, '/v1/chat/completions', { headers: auth(), chunks: [] });
    assert.equal(empty.status, 400);
    assert.match(JSON.parse(empty.body).error.message, /empty/);
    const form = await exchange(server.url, '/v1/chat/completions', { headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, chunks: ['model=m'] });
    assert.equal(form.status, 415);
    assert.match(JSON.parse(form.body).error.message, /application\/json/);
    const invalid = await exchange(server.url, '/v1/chat/completions', { headers: auth(), chunks: [JSON.stringify({ model: 'm', messages: [], temperature: 9 })] });
    assert.equal(invalid.status, 400);
    assert.match(JSON.parse(invalid.body).error.message, /messages: .*temperature: /);
    const label = await exchange(server.url, '/v1/chat/completions', { headers: { ...auth(), 'x-strata-classification': 'secret' }, chunks: [CHAT] });
    assert.equal(label.status, 400);
    assert.match(JSON.parse(label.body).error.message, /x-strata-classification/);
    assert.equal(up.requests.length, 1, 'none of these reached the upstream');
    // The connection stays usable after each refusal.
    assert.equal((await exchange(server.url, '/v1/chat/completions', { headers: auth(), chunks: [CHAT] })).status, 200);
  });

  it('serves the workspace alias for the credential\'s own workspace only, and leaves other methods to the API', async () => {
    assert.equal((await exchange(server.url, '/v1/workspaces/default/chat/completions', { headers: auth(), chunks: [CHAT] })).status, 200);
    const other = await exchange(server.url, '/v1/workspaces/globex/chat/completions', { headers: auth(), chunks: [CHAT] });
    assert.equal(other.status, 404);
    assert.deepEqual(Object.keys(JSON.parse(other.body).error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal((await exchange(server.url, '/v1/workspaces/%E0%A4%A/chat/completions', { headers: auth(), chunks: [CHAT] })).status, 404);
    assert.equal((await exchange(server.url, '/v1/chat/completions', { method: 'GET', headers: auth() })).status, 404);
  });

  it('stays in the API\'s reference', async () => {
    const doc = JSON.parse((await exchange(server.url, '/openapi.json', { method: 'GET' })).body);
    assert.ok(doc.paths['/v1/chat/completions'].post.requestBody);
    assert.equal(doc.paths['/v1/embeddings'].post['x-required-role'], 'reader');
  });
});

describe('the rate limit of a key', () => {
  it('is one budget across the gateway endpoints and the rest of the API', async () => {
    const { up, h, key, server } = await start({ perSecond: 0.01, burst: 2 });
    try {
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      assert.equal((await exchange(server.url, '/v1/collections', { method: 'GET', headers })).status, 200);
      assert.equal((await exchange(server.url, '/v1/chat/completions', { headers, chunks: [CHAT] })).status, 200);
      const limited = await exchange(server.url, '/v1/chat/completions', { headers, chunks: [CHAT] });
      assert.equal(limited.status, 429);
      assert.equal(JSON.parse(limited.body).error.code, 'rate_limit_exceeded');
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.equal((await exchange(server.url, '/v1/collections', { method: 'GET', headers })).status, 429);
    } finally {
      await server.close();
      await up.close();
      await h.store.close();
    }
  });
});
