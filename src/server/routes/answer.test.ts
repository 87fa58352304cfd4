// POST /v1/answer over the real app (authentication, roles, audit) with a fake gateway: JSON answers, the
// OpenAPI entry, validation, server-sent events over a real socket in the documented order, errors as an
// `error` event, and a client disconnect aborting the upstream call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asStrataGateway, entry, fakeGateway, makeCollection, promptSources, type FakeGatewayOptions } from '../../answer/answer.testkit.js';
import { StrataError } from '../../core/errors.js';
import type { ChatMessage } from '../../models/types.js';
import { listen } from '../node.js';
import { makeServer } from '../server.testkit.js';

const DOCS = [
  { sourceId: 'vacation.md', title: 'Vacation', headings: ['Leave'], chunks: ['Employees get 25 vacation days per year. Unused vacation days expire at the end of March.'] },
  { sourceId: 'contractors.md', title: 'Contractors', classification: 'confidential' as const, chunks: ['Contractors are not entitled to paid vacation days. Contractors invoice monthly.'] },
  { sourceId: 'salaries.md', title: 'Salaries', classification: 'restricted' as const, policy: { readers: ['group:hr'] }, chunks: ['Senior employees may negotiate five extra vacation days per year.'] },
];
const ALL = ['public', 'internal', 'confidential', 'restricted'] as const;
const echo = (messages: ChatMessage[]) => [...promptSources(messages)].map(([m, t]) => `${t.split('. ')[0]!.replace(/\.$/, '')} [${m}].`).join(' ');

async function setup(options: FakeGatewayOptions = {}, reply = echo) {
  const gw = asStrataGateway(fakeGateway([entry('m', [...ALL])], reply, options));
  const h = await makeServer({}, { gateway: gw });
  await makeCollection(DOCS, 'internal', h.store, 'default');
  const alice = await h.key('default', 'reader', 'alice');
  const hana = await h.key('default', 'reader', 'hana', ['hr']);
  return { h, gw, alice, hana };
}

interface Sse {
  event: string;
  data: unknown;
}
function parseSse(text: string): Sse[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}

const QUESTION = 'How many vacation days do employees get per year?';

describe('POST /v1/answer', () => {
  it('uses answer.defaultModel from the config when the request names no model', async () => {
    const gw = asStrataGateway(fakeGateway([entry('m', [...ALL])], echo));
    const config = {
      providers: { p: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9' } },
      models: { default: { provider: 'p', model: 'x', contextWindow: 8000 } },
      answer: { defaultModel: 'default' },
    };
    const h = await makeServer(config, { gateway: gw });
    await makeCollection(DOCS, 'internal', h.store, 'default');
    const alice = await h.key('default', 'reader', 'alice');
    const body = await (await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: QUESTION } })).json();
    assert.equal(body.mode, 'generative');
    assert.equal(gw.calls.length, 1);
    const plain = await makeServer({}, { gateway: gw });
    await makeCollection(DOCS, 'internal', plain.store, 'default');
    const bob = await plain.key('default', 'reader', 'bob');
    assert.equal((await (await plain.call('POST', '/v1/answer', { key: bob, body: { collection: 'kb', question: QUESTION } })).json()).mode, 'extractive');
    assert.equal(gw.calls.length, 1, 'without a default model nothing is sent to a model');
    await assert.rejects(makeServer({ ...config, answer: { defaultModel: 'nope' } }), /answer\.defaultModel: unknown model or alias "nope"/);
  });

  it('answers with citations as JSON, only from what the caller may read, and audits the sources', async () => {
    const { h, gw, alice } = await setup();
    const res = await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: QUESTION, model: 'default' }, headers: { 'x-request-id': 'ans-1' } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.requestId, 'ans-1');
    assert.equal(body.status, 'answered');
    assert.ok(body.citations.length >= 1);
    assert.ok(body.citations.every((c: { sourceId: string; quote: string }) => c.sourceId !== 'salaries.md' && c.quote.length > 0));
    assert.ok(body.retrieval.hits.every((s: { sourceId: string }) => s.sourceId !== 'salaries.md'));
    assert.equal(gw.calls[0]!.ctx.traceId, 'ans-1');
    assert.equal(gw.calls[0]!.ctx.actor, 'user:alice');
    const ws = (await h.store.getWorkspace('default'))!;
    const entries = (await h.store.listAudit({ workspaceId: ws.id })).filter((e) => e.action === 'answer.query');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.traceId, 'ans-1');
    assert.deepEqual(
      [...entries[0]!.resources].sort(),
      [...new Set(body.retrieval.hits.map((s: { documentId: string }) => `document:${s.documentId}`))].sort(),
    );
  });

  it('is in the OpenAPI document, validates its body, and needs a credential', async () => {
    const { h, alice } = await setup();
    const doc = await (await h.call('GET', '/openapi.json')).json();
    assert.ok(doc.paths['/v1/answer']?.post, 'documented');
    assert.equal(doc.paths['/v1/answer'].post['x-required-role'], 'reader');
    assert.equal((await h.call('POST', '/v1/answer', { body: { collection: 'kb', question: QUESTION } })).status, 401);
    const bad = await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: '  ' } });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'invalid-input');
    const unknownModel = await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: QUESTION, model: 'nope' } });
    assert.equal(unknownModel.status, 400);
    assert.match((await unknownModel.json()).error.message, /unknown model alias "nope"/);
    assert.equal((await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'missing', question: QUESTION } })).status, 404);
  });

  it('gives an extractive answer without a model', async () => {
    const { h, gw, alice } = await setup();
    const res = await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: QUESTION } });
    const body = await res.json();
    assert.equal(body.mode, 'extractive');
    assert.match(body.answer, /Employees get 25 vacation days per year\. \[1\]/);
    assert.equal(gw.calls.length, 0);
  });

  it('streams server-sent events over a socket in order: retrieval, route, tokens and citations, done', async () => {
    const { h, hana } = await setup();
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${server.url}/v1/answer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hana}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ collection: 'kb', question: QUESTION, model: 'default' }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const events = parseSse(await res.text());
      const names = events.map((e) => e.event);
      assert.equal(names[0], 'retrieval');
      assert.equal(names[1], 'route');
      assert.equal(names.at(-1), 'done');
      assert.ok(names.includes('token') && names.includes('citation'));
      assert.ok(names.slice(2, -1).every((n) => n === 'token' || n === 'citation'));
      assert.ok(names.indexOf('citation') < names.lastIndexOf('token'), 'citations are sent while tokens still stream');
      const done = (events.at(-1)!.data as { result: { answer: string; citations: unknown[]; requestId: string } }).result;
      const tokens = events.filter((e) => e.event === 'token').map((e) => (e.data as { text: string }).text).join('');
      assert.equal(done.answer, tokens);
      assert.ok(done.requestId);
      assert.ok(done.citations.length >= 2, 'hana may read salaries.md: more sources');
    } finally {
      await server.close();
    }
  });

  it('sends an error event when the provider fails mid-stream, with the public error body', async () => {
    const { h, alice } = await setup({ failAfter: { events: 2, error: new StrataError('gateway', 'unavailable', 'upstream 502 from https://secret.example/v1 key sk-123') } });
    const res = await h.call('POST', '/v1/answer', { key: alice, body: { collection: 'kb', question: QUESTION, model: 'default', stream: true } });
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    assert.deepEqual(events.map((e) => e.event), ['retrieval', 'route', 'token', 'token', 'error']);
    const err = (events.at(-1)!.data as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'unavailable');
    assert.doesNotMatch(JSON.stringify(err), /secret|sk-123/);
  });

  it('aborts the upstream call when the client disconnects', async () => {
    const { h, gw, alice } = await setup({ chunkChars: 1, delayMs: 5 });
    const server = await listen(h, { host: '127.0.0.1', port: 0 });
    try {
      const client = new AbortController();
      const res = await fetch(`${server.url}/v1/answer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ collection: 'kb', question: QUESTION, model: 'default', stream: true }),
        signal: client.signal,
      });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('event: token')) seen += new TextDecoder().decode((await reader.read()).value);
      client.abort();
      const signal = gw.calls[0]!.ctx.signal!;
      for (let i = 0; i < 200 && !signal.aborted; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(signal.aborted, true, 'the gateway call was aborted');
    } finally {
      await server.close();
    }
  });
});
