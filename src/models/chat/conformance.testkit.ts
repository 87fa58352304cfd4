// The one suite every hosted chat adapter passes, each against a replay server scripted in its vendor's
// documented wire format (the script lives in the adapter's test file). It checks what callers rely on:
// answers, usage, finish reasons, assembled tool calls, the shape of streams, retries (429 + Retry-After, 5xx),
// timeouts, garbage, errors inside streams, cut streams, auth errors without key leaks, context-length errors,
// and the exact request each parameter turns into.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import type { ProviderErrorKind } from '../http.js';
import { startReplayServer, strataFailure, type RecordedRequest, type ReplayResponse, type ReplayServer } from '../replay.testkit.js';
import type { ChatEvent, ChatModel, ChatRequest, Usage } from '../types.js';
import { createChatModel, type ChatProviderConfig } from './index.js';

/** A key with no recognisable shape, so only the configured-secret redaction can hide it. */
export const TEST_KEY = 'Zq8Lm2Xw9Pv4Tn6RcY3u';

export const SIMPLE: ChatRequest = { model: 'test-model', messages: [{ role: 'user', content: 'Say hello' }] };

/** Every parameter and every kind of turn, for request-mapping assertions. */
export const FULL: ChatRequest = {
  model: 'test-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: '{"tempC":21}' },
    { role: 'user', content: 'Thanks. Summarise.' },
  ],
  maxTokens: 100,
  temperature: 0.5,
  topP: 0.9,
  stop: ['END'],
  seed: 7,
  responseFormat: 'json',
  tools: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
};

/** Text the text fixtures must stream, in these three pieces, and answer whole. */
export const TEXT_DELTAS = ['Hel', 'lo', ' world'];
/** The tool call the tool fixtures must produce (arguments split across fragments where the vendor streams them so). */
export const TOOL_CALL = { name: 'get_weather', args: { city: 'Paris' } };

export interface ChatVendorScript {
  provider: ChatProviderConfig['provider'];
  /** The adapter's config pointing at the replay server (with TEST_KEY when the provider takes a key). */
  config(baseUrl: string): Omit<ChatProviderConfig, 'timeoutMs' | 'maxRetries'>;
  /** Non-streaming answers: TEXT_DELTAS joined (finish: stop), and TOOL_CALL (finish: tool calls). */
  complete: { text: ReplayResponse; toolCall: ReplayResponse };
  /** Streamed bodies, each piece written separately. */
  stream: {
    text: string[];
    toolCall: string[];
    /** Some text, then the vendor's in-stream error. */
    errorMidway: string[];
    /** Some text, then the connection closes before the terminal event. */
    cut: string[];
    /** A line that is not JSON where an event should be. */
    garbage: string[];
    contentType?: string;
  };
  /** What the text fixtures' usage is in Strata terms (complete and stream report the same numbers). */
  usage: Usage;
  /** The kind the in-stream error of `stream.errorMidway` maps to. */
  midStreamErrorKind: ProviderErrorKind;
  /** Documented error answers; `auth` should echo TEST_KEY in its message, as some vendors do. */
  errors: { auth: ReplayResponse; contextLength: ReplayResponse; rateLimit: ReplayResponse; server: ReplayResponse };
  /** Asserts the recorded request for FULL (path, headers, body). */
  assertRequest(req: RecordedRequest, mode: 'complete' | 'stream'): void;
}

async function drain(events: AsyncIterable<ChatEvent>): Promise<{ events: ChatEvent[]; error?: StrataError }> {
  const out: ChatEvent[] = [];
  try {
    for await (const ev of events) out.push(ev);
    return { events: out };
  } catch (e) {
    assert.ok(e instanceof StrataError, `expected a StrataError, got ${String(e)}`);
    return { events: out, error: e };
  }
}

const rejects = strataFailure;

const kindOf = (e: StrataError) => e.details.kind;

function assertStreamShape(events: ChatEvent[]): void {
  const finishes = events.filter((e) => e.type === 'finish');
  assert.equal(finishes.length, 1, 'exactly one finish event');
  assert.equal(events[events.length - 1]?.type, 'finish', 'finish is the last event');
  assert.equal(events.filter((e) => e.type === 'usage').length, 1, 'exactly one usage event');
  assert.equal(events[events.length - 2]?.type, 'usage', 'usage comes right before finish');
}

export function runChatConformance(script: ChatVendorScript): void {
  describe(`chat conformance: ${script.provider}`, () => {
    let server: ReplayServer;
    const waits: number[] = [];
    const model = (over: Partial<ChatProviderConfig> = {}): ChatModel =>
      createChatModel({ timeoutMs: 2000, maxRetries: 2, ...script.config(server.url), ...over } as ChatProviderConfig, {
        sleep: async (ms) => void waits.push(ms),
      });
    const streamed = (chunks: string[], extra: { cut?: boolean; delayMs?: number } = {}): ReplayResponse => ({
      chunks,
      headers: { 'content-type': script.stream.contentType ?? 'text/event-stream' },
      ...extra,
    });

    before(async () => {
      server = await startReplayServer(() => ({ status: 500, text: 'no handler' }));
    });
    after(async () => {
      await server.close();
    });
    beforeEach(() => {
      server.requests.length = 0;
      waits.length = 0;
    });

    it('complete: text, usage and finish reason', async () => {
      server.handle(() => script.complete.text);
      const res = await model().complete(SIMPLE);
      assert.equal(res.text, TEXT_DELTAS.join(''));
      assert.equal(res.finishReason, 'stop');
      assert.deepEqual(res.usage, script.usage);
      assert.deepEqual(res.toolCalls, []);
      assert.ok(res.model.length > 0);
    });

    it('complete: a tool call', async () => {
      server.handle(() => script.complete.toolCall);
      const res = await model().complete(FULL);
      assert.equal(res.finishReason, 'tool_calls');
      assert.equal(res.toolCalls.length, 1);
      assert.equal(res.toolCalls[0]!.name, TOOL_CALL.name);
      assert.deepEqual(JSON.parse(res.toolCalls[0]!.arguments), TOOL_CALL.args);
      assert.ok(res.toolCalls[0]!.id, 'the call has an id to answer');
    });

    it('stream: ordered text deltas, one usage, one finish', async () => {
      server.handle(() => streamed(script.stream.text, { delayMs: 5 }));
      const { events, error } = await drain(model().stream(SIMPLE));
      assert.equal(error, undefined);
      assert.deepEqual(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text), TEXT_DELTAS);
      assertStreamShape(events);
      assert.deepEqual(events.find((e) => e.type === 'usage'), { type: 'usage', usage: script.usage });
      assert.equal((events[events.length - 1] as { finishReason: string }).finishReason, 'stop');
    });

    it('stream: a tool call assembled from its fragments', async () => {
      server.handle(() => streamed(script.stream.toolCall));
      const { events, error } = await drain(model().stream(FULL));
      assert.equal(error, undefined);
      assertStreamShape(events);
      const calls = events.filter((e) => e.type === 'tool-call');
      assert.equal(calls.length, 1);
      const call = (calls[0] as { call: { id: string; name: string; arguments: string } }).call;
      assert.equal(call.name, TOOL_CALL.name);
      assert.deepEqual(JSON.parse(call.arguments), TOOL_CALL.args);
      assert.ok(call.id);
      assert.equal((events[events.length - 1] as { finishReason: string }).finishReason, 'tool_calls');
    });

    it('request mapping: every parameter lands where the vendor documents it', async () => {
      server.handle(() => script.complete.toolCall);
      await model().complete(FULL);
      script.assertRequest(server.requests[0]!, 'complete');
      server.handle(() => streamed(script.stream.toolCall));
      await drain(model().stream(FULL));
      script.assertRequest(server.requests[1]!, 'stream');
    });

    it('a value out of the documented range is refused before anything is sent', async () => {
      const err = await rejects(model().complete({ ...SIMPLE, temperature: 7 }));
      assert.equal(err.code, 'invalid-input');
      assert.equal(server.requests.length, 0);
    });

    it('429 with Retry-After, then success: waits as told', async () => {
      server.handle((_, n) => (n === 1 ? { ...script.errors.rateLimit, headers: { 'retry-after': '2' } } : script.complete.text));
      const res = await model().complete(SIMPLE);
      assert.equal(res.text, TEXT_DELTAS.join(''));
      assert.equal(server.requests.length, 2);
      assert.deepEqual(waits, [2000]);
    });

    it('5xx is retried; a stream too, before it starts', async () => {
      server.handle((_, n) => (n === 1 ? script.errors.server : script.complete.text));
      assert.equal((await model().complete(SIMPLE)).text, TEXT_DELTAS.join(''));
      server.handle((_, n) => (n === 3 ? script.errors.server : streamed(script.stream.text)));
      const { error } = await drain(model().stream(SIMPLE));
      assert.equal(error, undefined);
      assert.equal(server.requests.length, 4);
    });

    it('retries give up: a clear unavailable error', async () => {
      server.handle(() => script.errors.server);
      const err = await rejects(model({ maxRetries: 1 }).complete(SIMPLE));
      assert.equal(kindOf(err), 'unavailable');
      assert.equal(server.requests.length, 2);
    });

    it('rate limit without retries left: kind rate-limit, code rate-limited', async () => {
      server.handle(() => script.errors.rateLimit);
      const err = await rejects(model({ maxRetries: 0 }).complete(SIMPLE));
      assert.equal(kindOf(err), 'rate-limit');
      assert.equal(err.code, 'rate-limited');
    });

    it('a provider that never answers: timeout', async () => {
      server.handle(() => ({ hang: true }));
      const err = await rejects(model({ timeoutMs: 150, maxRetries: 0 }).complete(SIMPLE));
      assert.equal(kindOf(err), 'timeout');
      const s = await drain(model({ timeoutMs: 150, maxRetries: 0 }).stream(SIMPLE));
      assert.equal(kindOf(s.error!), 'timeout');
    });

    it('a stream that goes silent mid-way: timeout, after the text so far', async () => {
      server.handle(() => streamed(script.stream.text, { delayMs: 400 }));
      const { events, error } = await drain(model({ timeoutMs: 150, maxRetries: 0 }).stream(SIMPLE));
      assert.equal(kindOf(error!), 'timeout');
      assert.equal(events.some((e) => e.type === 'finish'), false);
    });

    it('a body that is not JSON: malformed', async () => {
      server.handle(() => ({ text: '<html>502 proxy error</html>' }));
      const err = await rejects(model().complete(SIMPLE));
      assert.equal(kindOf(err), 'malformed');
      server.handle(() => ({ json: { unexpected: true } }));
      assert.equal(kindOf(await rejects(model().complete(SIMPLE))), 'malformed');
    });

    it('a garbage line in a stream: malformed', async () => {
      server.handle(() => streamed(script.stream.garbage));
      const { error } = await drain(model().stream(SIMPLE));
      assert.equal(kindOf(error!), 'malformed');
    });

    it('an error event mid-stream: thrown after the text so far, no finish', async () => {
      server.handle(() => streamed(script.stream.errorMidway));
      const { events, error } = await drain(model().stream(SIMPLE));
      assert.ok(error, 'the stream fails');
      assert.equal(kindOf(error), script.midStreamErrorKind);
      assert.ok(events.some((e) => e.type === 'text'));
      assert.equal(events.some((e) => e.type === 'finish'), false);
    });

    it('a stream cut before its terminal event: unavailable, never a partial success', async () => {
      server.handle(() => streamed(script.stream.cut, { cut: true, delayMs: 5 })); // paced, so the pieces reach the client before the cut
      const { events, error } = await drain(model().stream(SIMPLE));
      assert.ok(error, 'the stream fails');
      assert.equal(kindOf(error), 'unavailable');
      assert.match(error.message, /ended before|broke off/);
      assert.equal(events.some((e) => e.type === 'finish'), false);
      // The same pieces, but the server closes the response cleanly (a proxy timing out): still a failure.
      server.handle(() => streamed(script.stream.cut, { delayMs: 5 }));
      const clean = await drain(model().stream(SIMPLE));
      assert.equal(kindOf(clean.error!), 'unavailable');
      assert.match(clean.error!.message, /ended before/);
      assert.equal(clean.events.some((e) => e.type === 'finish'), false);
    });

    it('auth error: kind auth, and the key appears nowhere', async () => {
      server.handle(() => script.errors.auth);
      const err = await rejects(model().complete(SIMPLE));
      assert.equal(kindOf(err), 'auth');
      const everything = `${err.message} ${err.hint ?? ''} ${JSON.stringify(err.details)} ${String(err.stack)}`;
      assert.equal(everything.includes(TEST_KEY), false, 'the API key leaked into the error');
      const s = await drain(model().stream(SIMPLE));
      assert.equal(kindOf(s.error!), 'auth');
      assert.equal(s.error!.message.includes(TEST_KEY), false);
    });

    it('context too long: kind context-length, code invalid-input, not retried', async () => {
      server.handle(() => script.errors.contextLength);
      const err = await rejects(model().complete(SIMPLE));
      assert.equal(kindOf(err), 'context-length');
      assert.equal(err.code, 'invalid-input');
      assert.equal(server.requests.length, 1);
    });

    it('a stream cancelled mid-way: kind aborted, no finish', async () => {
      server.handle(() => streamed(script.stream.text, { delayMs: 200 }));
      const ac = new AbortController();
      const events: ChatEvent[] = [];
      let error: unknown;
      try {
        for await (const ev of model().stream({ ...SIMPLE, signal: ac.signal })) {
          events.push(ev);
          ac.abort();
        }
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
      assert.equal(kindOf(error), 'aborted');
      assert.equal(events.some((e) => e.type === 'finish'), false);
    });

    it('a cancelled request: kind aborted', async () => {
      server.handle(() => ({ hang: true }));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 30);
      const err = await rejects(model().complete({ ...SIMPLE, signal: ac.signal }));
      assert.equal(kindOf(err), 'aborted');
    });
  });
}
