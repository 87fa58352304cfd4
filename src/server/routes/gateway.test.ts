// The OpenAI-compatible endpoints, exercised with the official `openai` client (unchanged) against the app
// served on an ephemeral port, with a real openai-compatible adapter talking to a local upstream that replays
// OpenAI's documented formats.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { validateConfig } from '../../core/config.js';
import { createGateway } from '../../gateway/gateway.js';
import { createChatModel } from '../../models/chat/index.js';
import { sse, startReplayServer, type RecordedRequest, type ReplayResponse, type ReplayServer } from '../../models/replay.testkit.js';
import type { Embedder } from '../../models/types.js';
import { listen, type RunningServer } from '../node.js';
import { makeServer, type Harness } from '../server.testkit.js';

const UPSTREAM_KEY = 'sk-upstream-secret-abcdefghijklmnop';
const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } };
const chunk = (delta: unknown, finish: string | null = null) =>
  sse({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1_730_000_000, model: 'up-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });

/** The upstream's behaviour, chosen by the last user message. */
function upstream(req: RecordedRequest): ReplayResponse {
  const body = req.body as { stream?: boolean; messages: { content: string }[] };
  const prompt = body.messages.at(-1)!.content;
  if (prompt === 'garbage') return { status: 200, text: '<html>502 Bad Gateway</html>' };
  if (prompt === 'hang') return { hang: true };
  if (prompt === 'slow') return { chunks: [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: 200 }, () => chunk({ content: 'word ' }))], delayMs: 10 };
  if (!body.stream) {
    return { json: { id: 'chatcmpl-up', object: 'chat.completion', created: 1_730_000_000, model: 'up-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!', refusal: null }, logprobs: null, finish_reason: 'stop' }], usage: USAGE } };
  }
  return {
    chunks: [
      chunk({ role: 'assistant', content: '' }),
      ...['Hel', 'lo ', 'there!'].map((t) => chunk({ content: t })),
      chunk({}, 'stop'),
      sse({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1_730_000_000, model: 'up-model', choices: [], usage: USAGE }),
      'data: [DONE]\n\n',
    ],
  };
}

/** The default workspace's usage records once `count` are stored (the gateway writes them in batches), or after 2 s. */
async function usageRows(h: Harness, count: number) {
  const ws = (await h.store.getWorkspace('default'))!;
  let rows = await h.store.listUsage({ workspaceId: ws.id });
  for (let i = 0; i < 200 && rows.length < count; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await h.deps.gateway.flush();
    rows = await h.store.listUsage({ workspaceId: ws.id });
  }
  return rows;
}

const embedder: Embedder = {
  id: 'fake:emb@3',
  provider: 'fake',
  model: 'emb',
  dimensions: 3,
  maxInputTokens: 512,
  maxBatch: 16,
  embed: async (texts) => texts.map((t, i) => Float32Array.from([t.length, i, 0.5])),
};

describe('OpenAI-compatible gateway routes with the official openai client', () => {
  let up: ReplayServer;
  let h: Harness;
  let server: RunningServer;
  let client: OpenAI;
  let key: string;

  before(async () => {
    up = await startReplayServer(upstream);
    const raw = {
      providers: { up: { kind: 'openai-compatible', baseUrl: up.url, apiKey: UPSTREAM_KEY, maxRetries: 0, timeoutMs: 5000 } },
      models: {
        'up-model': { provider: 'up', contextWindow: 1000, pricing: { input: 1, cachedInput: 0.5, output: 4 }, clearedFor: ['public', 'internal'] },
        'small-model': { provider: 'up', model: 'up-model', contextWindow: 300, pricing: { input: 1, output: 1 } },
        emb: { provider: 'up', contextWindow: 512, capabilities: ['embeddings'], pricing: { input: 0.02, output: 0 } },
      },
      gateway: { aliases: { chat: { targets: [{ model: 'up-model' }], retries: 0 } }, budgets: { keys: {} } },
      server: { rateLimit: { perSecond: 1000, burst: 1000 } },
    };
    const config = validateConfig({ dataDir: ':memory:', ...raw }, 'test');
    h = await makeServer(raw, {
      gateway: createGateway({
        config,
        providers: { up: createChatModel({ provider: 'openai-compatible', baseUrl: up.url, apiKey: UPSTREAM_KEY, maxRetries: 0, timeoutMs: 5000 }) },
        embedders: { emb: embedder },
        store: undefined,
      }),
    });
    // The harness's store holds the keys; the injected gateway above has none, so usage is checked in the from-config test.
    key = await h.key('default', 'reader', 'alice');
    server = await listen(h, { host: '127.0.0.1', port: 0 });
    client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    await up.close();
    await h.store.close();
  });

  it('answers a chat completion in OpenAI\'s shape, with usage details, and never leaks the upstream key', async () => {
    const r = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(typeof r.created, 'number');
    assert.equal(r.model, 'up-model');
    assert.equal(r.choices[0]!.message.content, 'Hello there!');
    assert.equal(r.choices[0]!.message.role, 'assistant');
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } });
    const sent = up.requests.at(-1)!;
    assert.equal(sent.headers.authorization, `Bearer ${UPSTREAM_KEY}`, 'the upstream got its own key');
    assert.ok(!JSON.stringify(sent).includes(key), 'the Strata key is not forwarded upstream');
    const raw = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }).asResponse();
    // (8 uncached × $1 + 4 cached × $0.5 + 5 output × $4) / 1e6
    assert.equal(raw.headers.get('x-strata-cost-usd'), String(30 / 1e6));
    assert.ok(!(await raw.text()).includes(UPSTREAM_KEY));
  });

  it('streams chunks ending with [DONE], with the usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id));
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello there!');
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage!.prompt_tokens_details!.cached_tokens, 4);
    assert.equal(chunks.at(-1)!.usage!.completion_tokens_details!.reasoning_tokens, 2);
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true }) });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.ok((await res.text()).endsWith('data: [DONE]\n\n'));
  });

  it('serves embeddings as floats and as the base64 the client asks for by default', async () => {
    const r = await client.embeddings.create({ model: 'emb', input: ['abc', 'hello'] });
    assert.equal(r.object, 'list');
    assert.deepEqual(r.data.map((d) => d.embedding), [[3, 0, 0.5], [5, 1, 0.5]]);
    assert.equal(r.data[1]!.index, 1);
    assert.equal(r.model, 'emb');
    assert.ok(r.usage.prompt_tokens > 0);
    const f = await client.embeddings.create({ model: 'emb', input: 'abcd', encoding_format: 'float' });
    assert.deepEqual(f.data[0]!.embedding, [4, 0, 0.5]);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['chat', 'emb', 'small-model', 'up-model']);
    assert.equal((await client.models.retrieve('chat')).id, 'chat');
  });

  it('answers errors in OpenAI\'s shape: unknown model, bad body, context too long, provider garbage, classification', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.NotFoundError);
      assert.equal(e.code, 'model_not_found');
      assert.equal(e.type, 'invalid_request_error');
      assert.equal(e.param, 'model');
      return true;
    });
    await assert.rejects(client.chat.completions.create({ model: 'chat', messages: [] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.type === 'invalid_request_error');
    const before = up.requests.length;
    await assert.rejects(client.chat.completions.create({ model: 'small-model', messages: [{ role: 'user', content: 'lorem ipsum '.repeat(300) }] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded');
    assert.equal(up.requests.length, before, 'a prompt over the window is not sent');
    await assert.rejects(client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'garbage' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 502);
      assert.equal(e.code, 'upstream_malformed');
      assert.ok(!e.message.includes(UPSTREAM_KEY));
      return true;
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'secret' }] }, { headers: { 'x-strata-classification': 'confidential' } }),
      (e: unknown) => e instanceof OpenAI.PermissionDeniedError && e.code === 'classification_not_cleared',
    );
    assert.equal(up.requests.length, before + 1, 'only the garbage request reached the upstream');
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    // Refusals before the route (authentication) keep the shape too, also under the workspace alias.
    const stranger = new OpenAI({ apiKey: 'strata_not-a-real-key-000000000000000000', baseURL: `${server.url}/v1/workspaces/default`, maxRetries: 0 });
    await assert.rejects(stranger.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError);
      assert.equal(e.code, 'invalid_api_key');
      return true;
    });
    // The rest of the API keeps Strata's own error shape.
    const other = await fetch(`${server.url}/v1/collections`, { headers: { authorization: 'Bearer strata_not-a-real-key-000000000000000000' } });
    assert.equal(other.status, 401);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'unauthorized');
  });
});

describe('gateway built from config, behind the server', () => {
  it('serves /v1/embeddings from a registry model that names a configured embedder', async () => {
    // An OpenAI-compatible embeddings upstream (the documented /embeddings response shape).
    const up = await startReplayServer((req) => {
      const input = (req.body as { input: string[] }).input;
      return { json: { object: 'list', model: 'e5', data: input.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, 1, 0, 0] })), usage: { prompt_tokens: 3, total_tokens: 3 } } };
    });
    const h = await makeServer({
      embedders: { local: { provider: 'openai-compatible', baseUrl: up.url, model: 'e5', dimensions: 4 } },
      models: { vec: { embedder: 'local', contextWindow: 512, capabilities: ['embeddings'], pricing: { input: 0.02, output: 0 }, clearedFor: ['public'] } },
    });
    const key = await h.key('default', 'reader', 'bob');
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
      const r = await client.embeddings.create({ model: 'vec', input: ['abc', 'hello'], encoding_format: 'float' });
      assert.equal(r.data.length, 2);
      assert.equal(r.data[1]!.embedding.length, 4);
      assert.equal(Math.round(r.data[1]!.embedding[0]! * 1000) / 1000, 5, 'the upstream\'s vector for "hello"');
      assert.equal(up.requests.length, 1);
    } finally {
      await server.close();
      await up.close();
      await h.store.close();
    }
  });


  it('records usage of completions and of a client that disconnects mid-stream, and refuses a spent budget', async () => {
    const up = await startReplayServer(upstream);
    const h = await makeServer({
      providers: { up: { kind: 'openai-compatible', baseUrl: up.url, apiKey: UPSTREAM_KEY, maxRetries: 0, timeoutMs: 5000 } },
      models: { m: { provider: 'up', contextWindow: 4000, pricing: { input: 1000, output: 1000 }, clearedFor: ['public'] } },
      gateway: { budgets: { default: { usdPerDay: 0.06 } } },
    });
    const key = await h.key('default', 'reader', 'bob');
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
      const r = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(r.choices[0]!.message.content, 'Hello there!');
      // A client that goes away after the first chunks: the upstream call is aborted and the usage is recorded.
      const ac = new AbortController();
      const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', signal: ac.signal, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'slow' }], stream: true }) });
      const reader = res.body!.getReader();
      await reader.read();
      await reader.read();
      ac.abort();
      const rows = await usageRows(h, 2);
      assert.equal(rows.length, 2);
      const [aborted, ok] = rows;
      assert.equal(ok!.status, 'ok');
      assert.equal(ok!.costUsd, 0.017); // 17 tokens × $1000 per million
      assert.equal(aborted!.status, 'aborted');
      assert.equal(aborted!.estimated, true);
      assert.ok(aborted!.outputTokens >= 1 && aborted!.outputTokens < 200, `${aborted!.outputTokens} output tokens`);
      // 0.017 + the aborted stream's cost; spend until the day's 0.06 USD are gone, then a clear 429.
      let refused: unknown;
      for (let i = 0; i < 5 && !refused; i++) {
        await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => (refused = e));
      }
      assert.ok(refused instanceof OpenAI.RateLimitError, String(refused));
      assert.equal(refused.code, 'insufficient_quota');
      assert.equal(refused.headers?.get('x-should-retry'), 'false');
    } finally {
      await server.close();
      await up.close();
      await h.store.close();
    }
  });

  it('cancels the upstream call of a client that disconnects while waiting, and keeps serving its keep-alive neighbours', async () => {
    const up = await startReplayServer(upstream);
    const h = await makeServer({
      providers: { up: { kind: 'openai-compatible', baseUrl: up.url, apiKey: UPSTREAM_KEY, maxRetries: 0, timeoutMs: 30_000 } },
      models: { m: { provider: 'up', contextWindow: 4000, pricing: { input: 1, output: 1 }, clearedFor: ['public'] } },
    });
    const key = await h.key('default', 'reader', 'bob');
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
      // Requests before and after on the client's keep-alive connections are not affected by each other.
      assert.equal((await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content, 'Hello there!');
      const ac = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, { method: 'POST', signal: ac.signal, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hang' }] }) });
      for (let i = 0; i < 200 && up.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(up.requests.length, 2, 'the waiting request reached the upstream');
      const t0 = Date.now();
      ac.abort();
      await assert.rejects(pending);
      const rows = await usageRows(h, 2);
      assert.deepEqual(rows.map((r) => r.status).sort(), ['aborted', 'ok']);
      assert.ok(Date.now() - t0 < 5000, 'cancelled at once, not at the provider timeout');
      assert.equal((await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content, 'Hello there!');
    } finally {
      await server.close();
      await up.close();
      await h.store.close();
    }
  });
});
