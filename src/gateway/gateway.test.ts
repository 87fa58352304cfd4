import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import type { AuditInput } from '../core/audit.js';
import sqliteStore from '../store/drivers/sqlite.js';
import { fakeModel, modelEntry, type FakeModel } from './fakes.testkit.js';
import { createGateway, type GatewayOptions } from './gateway.js';
import type { GatewayEvent } from './types.js';

const msg = (content: string) => [{ role: 'user' as const, content }];
const ctx = { workspaceId: 'ws1', keyId: 'key1', traceId: 't1' };

function setup(gateway: Record<string, unknown>, models: Record<string, unknown>, fakes: Record<string, FakeModel>, extra: Partial<GatewayOptions> = {}) {
  const providers = Object.fromEntries(Object.keys(fakes).map((p) => [p, { kind: 'ollama' }]));
  const config = validateConfig({ providers, models, gateway }, 'test');
  const audits: AuditInput[] = [];
  let t = Date.UTC(2025, 0, 15, 12);
  const slept: number[] = [];
  const gw = createGateway({
    config,
    providers: fakes,
    audit: { record: async (e) => void audits.push(...e) },
    now: () => t,
    random: () => 0,
    sleep: async (ms) => void slept.push(ms),
    ...extra,
  });
  return { gw, audits, slept, advance: (ms: number) => (t += ms) };
}

async function collect(it: AsyncIterable<GatewayEvent>): Promise<GatewayEvent[]> {
  const out: GatewayEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const rejectsWith = async (p: Promise<unknown>, code: string, kind?: string) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StrataError, String(e));
    assert.equal(e.code, code, e.message);
    if (kind) assert.equal(e.details.kind, kind, e.message);
    return true;
  });
};

describe('gateway routing', () => {
  it('picks weighted targets with the injected random, and reports the exact cost', async () => {
    const a = fakeModel('pa', [{ answer: 'from a', usage: { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 500_000, reasoningTokens: 200_000 } }]);
    const b = fakeModel('pb', [{ answer: 'from b' }]);
    const models = { ma: modelEntry('pa', { pricing: { input: 2, cachedInput: 0.5, output: 8 } }), mb: modelEntry('pb') };
    const gw1 = setup({ aliases: { chat: { targets: [{ model: 'ma', weight: 90 }, { model: 'mb', weight: 10 }] } } }, models, { pa: a, pb: b }, { random: () => 0.89 }).gw;
    const r = await gw1.complete('chat', { messages: msg('hi') }, ctx);
    assert.equal(r.route.modelId, 'ma');
    assert.equal(r.text, 'from a');
    // 600k uncached × $2 + 400k cached × $0.5 + 500k output (reasoning included) × $8 = 1.2 + 0.2 + 4
    assert.equal(r.costUsd, 5.4);
    const gw2 = setup({ aliases: { chat: { targets: [{ model: 'ma', weight: 90 }, { model: 'mb', weight: 10 }] } } }, models, { pa: a, pb: b }, { random: () => 0.91 }).gw;
    assert.equal((await gw2.complete('chat', { messages: msg('hi') }, ctx)).route.modelId, 'mb');
    assert.equal(b.received[0]!.model, 'mb', 'the provider gets the registry entry\'s model name');
  });

  it('retries retryable errors, then falls back; a bad request is not retried', async () => {
    const a = fakeModel('pa', [{ fail: 'unavailable' }, { fail: 'rate-limit' }, { fail: 'bad-request' }]);
    const b = fakeModel('pb', [{ answer: 'fallback' }]);
    const { gw, slept } = setup({ aliases: { chat: { targets: [{ model: 'ma' }], fallback: ['mb'], retries: 1, retryBackoffMs: 50 } } }, { ma: modelEntry('pa'), mb: modelEntry('pb') }, { pa: a, pb: b });
    const r = await gw.complete('chat', { messages: msg('hi') }, ctx);
    assert.equal(r.text, 'fallback');
    assert.equal(r.route.attempts, 3);
    assert.equal(a.received.length, 2);
    assert.deepEqual(slept, [50]);
    await rejectsWith(gw.complete('chat', { messages: msg('hi') }, ctx), 'invalid-input', 'bad-request');
    assert.equal(b.received.length, 1, 'a bad request does not go to the fallback');
  });

  it('times out a hanging model per attempt and falls back', async () => {
    const a = fakeModel('pa', [{ hang: true }]);
    const b = fakeModel('pb', [{ answer: 'ok' }]);
    const { gw } = setup({ aliases: { chat: { targets: [{ model: 'ma' }], fallback: ['mb'], retries: 0, timeoutMs: 100 } } }, { ma: modelEntry('pa'), mb: modelEntry('pb') }, { pa: a, pb: b });
    const r = await gw.complete('chat', { messages: msg('hi') }, ctx);
    assert.equal(r.route.modelId, 'mb');
    assert.equal(a.aborted, 1, 'the hanging call was aborted');
  });

  it('opens a circuit after consecutive failures and probes it after the cool-down', async () => {
    let healthy = false;
    const a = fakeModel('pa', () => (healthy ? { answer: 'back' } : { fail: 'unavailable' }));
    const b = fakeModel('pb', [{ answer: 'fallback' }]);
    const { gw, advance } = setup(
      { aliases: { chat: { targets: [{ model: 'ma' }], fallback: ['mb'], retries: 0 } }, circuitBreaker: { failureThreshold: 2, cooldownMs: 1000 } },
      { ma: modelEntry('pa'), mb: modelEntry('pb') },
      { pa: a, pb: b },
    );
    for (let i = 0; i < 4; i++) assert.equal((await gw.complete('chat', { messages: msg(`q${i}`) }, ctx)).route.modelId, 'mb');
    assert.equal(a.received.length, 2, 'after two failures the open circuit skips the model');
    advance(1001);
    healthy = true;
    assert.equal((await gw.complete('chat', { messages: msg('probe') }, ctx)).route.modelId, 'ma', 'half-open probe succeeds and closes');
    assert.equal((await gw.complete('chat', { messages: msg('again') }, ctx)).route.modelId, 'ma');
  });

  it('refuses a prompt over every model\'s context window without sending it', async () => {
    const a = fakeModel('pa', [{ answer: 'x' }]);
    const { gw } = setup({}, { ma: modelEntry('pa', { contextWindow: 300 }) }, { pa: a });
    await rejectsWith(gw.complete('ma', { messages: msg('word '.repeat(400)) }, ctx), 'invalid-input', 'context-length');
    await rejectsWith(collect(gw.stream('ma', { messages: msg('word '.repeat(400)) }, ctx)), 'invalid-input', 'context-length');
    assert.equal(a.received.length, 0);
    assert.equal((await gw.complete('ma', { messages: msg('short') }, ctx)).text, 'x');
  });

  it('names an unknown alias', async () => {
    const { gw } = setup({}, { ma: modelEntry('pa') }, { pa: fakeModel('pa', []) });
    await rejectsWith(gw.complete('nope', { messages: msg('hi') }, ctx), 'not-found', 'model-not-found');
  });
});

describe('gateway classification routing', () => {
  const models = { hosted: modelEntry('ph', { clearedFor: ['public'] }), local: modelEntry('pl', { clearedFor: ['public', 'internal', 'confidential'], deployment: 'self-hosted' }) };

  it('re-routes confidential text to a cleared fallback, never sending it to the uncleared model, and audits it', async () => {
    const hosted = fakeModel('ph', [{ answer: 'hosted' }]);
    const local = fakeModel('pl', [{ answer: 'local' }]);
    const { gw, audits } = setup({ aliases: { chat: { targets: [{ model: 'hosted' }], fallback: ['local'] } } }, models, { ph: hosted, pl: local });
    const r = await gw.complete('chat', { messages: msg('SECRET merger plan') }, { ...ctx, classification: 'confidential' });
    assert.equal(r.route.modelId, 'local');
    assert.deepEqual(r.route.rerouted, { from: 'hosted', reason: 'hosted is not cleared for confidential data' });
    const events = await collect(gw.stream('chat', { messages: msg('SECRET again') }, { ...ctx, classification: 'confidential' }));
    const first = events[0]!;
    assert.ok(first.type === 'route');
    assert.equal(first.route.modelId, 'local');
    assert.equal(hosted.received.length, 0, 'the uncleared model received nothing');
    assert.equal(audits.length, 2);
    assert.equal(audits[0]!.action, 'model.reroute');
    assert.equal(audits[0]!.decision, 'allow');
    assert.deepEqual(audits[0]!.resources, ['model:hosted', 'model:local']);
    assert.equal(audits[0]!.traceId, 't1');
    assert.equal(audits[0]!.details!.classification, 'confidential');
    // Public text goes to the first choice, with no audit entry.
    assert.equal((await gw.complete('chat', { messages: msg('hello') }, { ...ctx, classification: 'public' })).route.modelId, 'hosted');
    assert.equal(audits.length, 2);
  });

  it('refuses when no model of the alias is cleared, sends nothing, and audits the refusal', async () => {
    const hosted = fakeModel('ph', [{ answer: 'hosted' }]);
    const local = fakeModel('pl', [{ answer: 'local' }]);
    const { gw, audits } = setup({ aliases: { chat: { targets: [{ model: 'hosted' }], fallback: ['local'] } } }, models, { ph: hosted, pl: local });
    await rejectsWith(gw.complete('chat', { messages: msg('TOP SECRET') }, { ...ctx, classification: 'restricted' }), 'forbidden', 'classification');
    await rejectsWith(collect(gw.stream('chat', { messages: msg('TOP SECRET') }, { ...ctx, classification: 'restricted' })), 'forbidden', 'classification');
    assert.equal(hosted.received.length + local.received.length, 0);
    assert.equal(audits.length, 2);
    assert.equal(audits[0]!.action, 'model.refuse');
    assert.equal(audits[0]!.decision, 'deny');
    assert.deepEqual(audits[0]!.resources, ['model:hosted', 'model:local']);
    assert.throws(() => gw.resolve('chat', 'restricted'), (e: StrataError) => e.code === 'forbidden');
    assert.equal(gw.resolve('chat', 'internal').id, 'local');
    assert.equal(gw.resolve('chat').id, 'hosted');
  });

  it('failover after an error never reaches an uncleared model either', async () => {
    const hosted = fakeModel('ph', [{ answer: 'hosted' }]);
    const local = fakeModel('pl', [{ fail: 'unavailable' }]);
    const { gw } = setup({ aliases: { chat: { targets: [{ model: 'local' }], fallback: ['hosted'], retries: 0 } } }, models, { ph: hosted, pl: local });
    await rejectsWith(gw.complete('chat', { messages: msg('internal memo') }, { ...ctx, classification: 'internal' }), 'unavailable', 'unavailable');
    assert.equal(hosted.received.length, 0);
  });
});

describe('gateway cache', () => {
  it('serves temperature-0 repeats from cache per workspace, honours the TTL, and skips other temperatures', async () => {
    const a = fakeModel('pa', (n) => ({ answer: `answer ${n}` }));
    const { gw, advance } = setup({ cache: { ttlSeconds: 60 } }, { ma: modelEntry('pa') }, { pa: a });
    const req = { messages: msg('same'), temperature: 0 };
    const first = await gw.complete('ma', req, ctx);
    const second = await gw.complete('ma', req, ctx);
    assert.equal(second.text, first.text);
    assert.equal(second.route.cacheHit, true);
    assert.equal(second.costUsd, 0);
    const streamed = await collect(gw.stream('ma', req, ctx));
    assert.equal(streamed.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join(''), first.text);
    assert.equal(a.received.length, 1);
    assert.equal((await gw.complete('ma', req, { ...ctx, workspaceId: 'ws2' })).text, 'answer 1', 'never shared across workspaces');
    await gw.complete('ma', { ...req, temperature: 0.7 }, ctx);
    await gw.complete('ma', { ...req, temperature: 0.7 }, ctx);
    assert.equal(a.received.length, 4);
    advance(61_000);
    assert.equal((await gw.complete('ma', req, ctx)).route.cacheHit, false);
    assert.equal((await gw.complete('ma', { messages: msg('forced'), temperature: 1 }, { ...ctx, cache: true })).route.cacheHit, false);
    assert.equal((await gw.complete('ma', { messages: msg('forced'), temperature: 1 }, { ...ctx, cache: true })).route.cacheHit, true);
  });
});

describe('gateway budgets, rate limits and usage', () => {
  it('refuses a key whose daily budget is spent, seeded from stored usage, and records usage to the store', async () => {
    const store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('ws1');
    const a = fakeModel('pa', [{ answer: 'x', usage: { inputTokens: 500_000, outputTokens: 250_000 } }]);
    const c = { workspaceId: ws.id, keyId: 'k1' };
    const make = () => setup({ budgets: { keys: { k1: { usdPerDay: 1.5 } } } }, { ma: modelEntry('pa') }, { pa: a }, { store }).gw;
    const gw = make();
    assert.equal((await gw.complete('ma', { messages: msg('a') }, c)).costUsd, 1); // 0.5 + 0.5
    await gw.complete('ma', { messages: msg('b') }, c); // admitted with 0.5 left; total 2
    await rejectsWith(gw.complete('ma', { messages: msg('c') }, c), 'rate-limited', 'budget');
    await gw.flush();
    const rows = await store.listUsage({ workspaceId: ws.id });
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.costUsd, 1);
    assert.equal(rows[0]!.modelId, 'ma');
    // A new gateway (a restart) reads today's spend back from the store.
    await rejectsWith(make().complete('ma', { messages: msg('d') }, c), 'rate-limited', 'budget');
    assert.equal(a.received.length, 2);
    await store.close();
  });

  it('counts what other server processes spent: a budget holds across workers sharing the store', async () => {
    const store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('ws1');
    const answer = () => fakeModel('pa', [{ answer: 'x', usage: { inputTokens: 500_000, outputTokens: 250_000 } }]); // $1 a call
    const c = { workspaceId: ws.id, keyId: 'k1' };
    const budgets = { budgets: { keys: { k1: { usdPerDay: 2.5, usdPerMonth: 100 } } } };
    const one = setup(budgets, { ma: modelEntry('pa') }, { pa: answer() }, { store });
    const two = setup(budgets, { ma: modelEntry('pa') }, { pa: answer() }, { store });
    await one.gw.complete('ma', { messages: msg('a') }, c); // worker one: $1
    await two.gw.complete('ma', { messages: msg('b') }, c); // worker two read $1 spent (first request), now $2
    await one.gw.complete('ma', { messages: msg('c') }, c); // one still believes $1 spent: admitted, total $3
    await two.gw.flush(); // worker two's usage batch is written (every 20 ms in a running server)
    one.advance(1000);
    // A second later worker one has read the store again: $3 spent of $2.50.
    await rejectsWith(one.gw.complete('ma', { messages: msg('d') }, c), 'rate-limited', 'budget');
    two.advance(1000);
    await rejectsWith(two.gw.complete('ma', { messages: msg('e') }, c), 'rate-limited', 'budget');
    // Nothing is counted twice: the refusal names the real spend.
    await assert.rejects(two.gw.complete('ma', { messages: msg('f') }, c), (e: unknown) => (e as StrataError).details.spentUsd === 3);
    await store.close();
  });

  it('stops a stream that exhausts the budget mid-way and records what it consumed', async () => {
    const records: unknown[] = [];
    const a = fakeModel('pa', [{ answer: 'The quarterly report shows steady growth in every region. '.repeat(100) }]);
    const { gw } = setup({ budgets: { default: { usdPerDay: 0.0002 } } }, { ma: modelEntry('pa', { pricing: { input: 1, output: 1 } }) }, { pa: a }, {
      store: { recordUsage: async (r) => void records.push(...r), usageCostSince: async () => 0 },
    });
    const seen: GatewayEvent[] = [];
    await rejectsWith(
      (async () => {
        for await (const e of gw.stream('ma', { messages: msg('write a lot') }, ctx)) seen.push(e);
      })(),
      'rate-limited',
      'budget',
    );
    const text = seen.filter((e) => e.type === 'text').length;
    assert.ok(text > 0 && text < 1000, `stopped mid-way after ${text} pieces`);
    assert.equal(a.aborted, 1, 'the upstream call was aborted');
    await gw.flush();
    const r = records[0] as { status: string; outputTokens: number; estimated: boolean; costUsd: number };
    assert.equal(r.status, 'aborted');
    assert.equal(r.estimated, true);
    assert.ok(r.outputTokens > 0 && r.costUsd > 0);
    await rejectsWith(gw.complete('ma', { messages: msg('more') }, ctx), 'rate-limited', 'budget');
  });

  it('limits requests per minute per key', async () => {
    const { gw, advance } = setup({ budgets: { default: { requestsPerMinute: 60 } } }, { ma: modelEntry('pa') }, { pa: fakeModel('pa', [{ answer: 'x' }]) });
    await gw.complete('ma', { messages: msg('1') }, ctx);
    await rejectsWith(gw.complete('ma', { messages: msg('2') }, ctx), 'rate-limited', 'rate');
    await gw.complete('ma', { messages: msg('3') }, { ...ctx, keyId: 'other' });
    advance(1000);
    await gw.complete('ma', { messages: msg('4') }, ctx);
  });

  it('records cut and abandoned streams with estimated usage, and aborts the upstream call', async () => {
    const records: { status: string; outputTokens: number; inputTokens: number; estimated: boolean; error: string | null }[] = [];
    const a = fakeModel('pa', [{ cut: ['Hello ', 'wor'] }, { answer: 'a long answer '.repeat(50) }], { chunkDelayMs: 1 });
    const { gw } = setup({ aliases: { chat: { targets: [{ model: 'ma' }], retries: 0 } } }, { ma: modelEntry('pa') }, { pa: a }, {
      store: { recordUsage: async (r) => void records.push(...(r as never[])), usageCostSince: async () => 0 },
    });
    const seen: GatewayEvent[] = [];
    await rejectsWith(
      (async () => {
        for await (const e of gw.stream('chat', { messages: msg('hi there') }, ctx)) seen.push(e);
      })(),
      'unavailable',
    );
    assert.deepEqual(seen.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text), ['Hello ', 'wor']);
    // The caller stops reading after two pieces (a client disconnect).
    let n = 0;
    for await (const e of gw.stream('chat', { messages: msg('hi there') }, ctx)) if (e.type === 'text' && ++n === 2) break;
    assert.equal(a.aborted >= 1, true);
    await gw.flush();
    assert.equal(records.length, 2);
    assert.equal(records[0]!.status, 'error');
    assert.equal(records[0]!.estimated, true);
    assert.equal(records[0]!.outputTokens, 2, '"Hello wor" is two o200k tokens');
    assert.ok(records[0]!.inputTokens > 0);
    assert.equal(records[1]!.status, 'aborted');
    assert.ok(records[1]!.outputTokens > 0);
  });

  it('aborts the upstream stream when the caller\'s signal aborts', async () => {
    const a = fakeModel('pa', [{ answer: 'slow answer '.repeat(20) }], { chunkDelayMs: 5 });
    const { gw } = setup({}, { ma: modelEntry('pa') }, { pa: a });
    const ac = new AbortController();
    const seen: GatewayEvent[] = [];
    await assert.rejects(async () => {
      for await (const e of gw.stream('ma', { messages: msg('x') }, { ...ctx, signal: ac.signal })) {
        seen.push(e);
        if (seen.length === 3) ac.abort();
      }
    });
    assert.equal(a.aborted, 1);
    assert.ok(seen.length < 10);
  });

  it('ends a successful stream with route first and cost last', async () => {
    const { gw } = setup({}, { ma: modelEntry('pa') }, { pa: fakeModel('pa', [{ answer: 'abcdefgh', usage: { inputTokens: 10, outputTokens: 4 } }]) });
    const ev = await collect(gw.stream('ma', { messages: msg('x') }, ctx));
    assert.equal(ev[0]!.type, 'route');
    assert.deepEqual(ev.at(-1), { type: 'cost', usage: { inputTokens: 10, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0 }, costUsd: 0.000018 });
    assert.deepEqual(ev.map((e) => e.type), ['route', 'text', 'text', 'usage', 'finish', 'cost']);
  });
});
