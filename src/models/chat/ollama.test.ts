// Ollama adapter: the conformance suite against replayed /api/chat answers and NDJSON streams.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SIMPLE, TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';

const model = 'llama3.2';
const line = (v: unknown) => `${typeof v === 'string' ? v : JSON.stringify(v)}\n`;
const part = (content: string, extra: Record<string, unknown> = {}) => ({ model, created_at: '2025-01-01T00:00:00Z', message: { role: 'assistant', content, ...extra }, done: false });
const counts = { total_duration: 5_000_000, load_duration: 1_000_000, prompt_eval_count: 12, prompt_eval_duration: 100_000, eval_count: 5, eval_duration: 200_000 };
const last = (done_reason = 'stop') => ({ ...part(''), done_reason, done: true, ...counts });
const toolCalls = [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }];
const error = (status: number, message: string) => ({ status, json: { error: message } });

runChatConformance({
  provider: 'ollama',
  config: (url) => ({ provider: 'ollama', baseUrl: url, apiKey: TEST_KEY }),
  complete: {
    text: { json: { ...part(TEXT_DELTAS.join('')), done_reason: 'stop', done: true, ...counts } },
    toolCall: { json: { ...part('', { tool_calls: toolCalls }), done_reason: 'stop', done: true, ...counts } },
  },
  stream: {
    text: [...TEXT_DELTAS.map((t) => line(part(t))), line(last())],
    toolCall: [line(part('', { tool_calls: toolCalls })), line(last())],
    errorMidway: [line(part(TEXT_DELTAS[0]!)), line({ error: 'an error was encountered while running the model: unexpected EOF' })],
    cut: [line(part(TEXT_DELTAS[0]!)), line(part(TEXT_DELTAS[1]!))],
    garbage: [line(part(TEXT_DELTAS[0]!)), 'this is not json\n'],
    contentType: 'application/x-ndjson',
  },
  midStreamErrorKind: 'unavailable',
  usage: { inputTokens: 12, outputTokens: 5 },
  errors: {
    auth: error(401, `unauthorized: ${TEST_KEY}`),
    contextLength: error(400, 'the input length exceeds the context length'),
    rateLimit: error(429, 'too many requests'),
    server: error(500, 'llama runner process has terminated: signal: killed'),
  },
  assertRequest(req, mode) {
    assert.equal(req.path, '/api/chat');
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    const body = req.body as Record<string, unknown>;
    assert.equal(body.model, 'test-model');
    assert.equal(body.stream, mode === 'stream', 'Ollama streams unless told not to');
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"tempC":21}', tool_name: 'get_weather' },
      { role: 'user', content: 'Thanks. Summarise.' },
    ]);
    assert.deepEqual(body.options, { num_predict: 100, temperature: 0.5, top_p: 0.9, stop: ['END'], seed: 7 });
    assert.equal(body.format, 'json');
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ]);
  },
});

it('ollama: the default base URL is the local server, and without a key no Authorization header is sent', async () => {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, headers: init.headers as Record<string, string> });
    return new Response(JSON.stringify({ ...part('hi'), done_reason: 'stop', done: true, ...counts }), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  const m = createChatModel({ provider: 'ollama', timeoutMs: 1000, maxRetries: 0 }, { fetch });
  const r = await m.complete(SIMPLE);
  assert.equal(r.text, 'hi');
  assert.equal(seen[0]!.url, 'http://127.0.0.1:11434/api/chat');
  assert.equal(seen[0]!.headers.authorization, undefined);
});

it('ollama: done_reason length is a length finish', async () => {
  const fetch = (async () => new Response(JSON.stringify({ ...part('abc'), done_reason: 'length', done: true, ...counts }), { status: 200 })) as unknown as typeof globalThis.fetch;
  const r = await createChatModel({ provider: 'ollama', timeoutMs: 1000, maxRetries: 0 }, { fetch }).complete(SIMPLE);
  assert.equal(r.finishReason, 'length');
});
