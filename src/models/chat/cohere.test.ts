// Cohere adapter: the conformance suite against replayed v2 chat answers and its typed SSE events.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sse, startReplayServer, type ReplayServer } from '../replay.testkit.js';
import { SIMPLE, TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';

const usage = { billed_units: { input_tokens: 12, output_tokens: 5 }, tokens: { input_tokens: 70, output_tokens: 5 }, cached_tokens: 4 };
const ev = (type: string, data: Record<string, unknown> = {}) => sse({ type, ...data }, type);
const start = ev('message-start', { id: 'c14c80c3', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } });
const contentStart = ev('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
const deltas = TEXT_DELTAS.map((text) => ev('content-delta', { index: 0, delta: { message: { content: { text } } } }));
const end = (finish_reason: string) => ev('message-end', { delta: { finish_reason, usage } });
const error = (status: number, message: string) => ({ status, json: { message } });

runChatConformance({
  provider: 'cohere',
  config: (url) => ({ provider: 'cohere', baseUrl: url, apiKey: TEST_KEY }),
  complete: {
    text: { json: { id: 'c14c80c3', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: TEXT_DELTAS.join('') }] }, usage } },
    toolCall: {
      json: {
        id: 'c14c80c4',
        finish_reason: 'TOOL_CALL',
        message: { role: 'assistant', tool_plan: 'I will look up the weather.', tool_calls: [{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        usage,
      },
    },
  },
  stream: {
    text: [start, contentStart, ...deltas, ev('content-end', { index: 0 }), end('COMPLETE')],
    toolCall: [
      start,
      ev('tool-plan-delta', { delta: { message: { tool_plan: 'I will look up the weather.' } } }),
      ev('tool-call-start', { index: 0, delta: { message: { tool_calls: { id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '' } } } } }),
      ...['{"ci', 'ty":"Par', 'is"}'].map((a) => ev('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: a } } } } })),
      ev('tool-call-end', { index: 0 }),
      end('TOOL_CALL'),
    ],
    errorMidway: [start, contentStart, deltas[0]!, end('ERROR')],
    cut: [start, contentStart, deltas[0]!],
    garbage: [start, 'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":\n\n'],
  },
  midStreamErrorKind: 'unavailable',
  usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 },
  errors: {
    auth: error(401, `invalid api token ${TEST_KEY}`),
    contextLength: error(400, "too many tokens: size limit exceeded by 1123 tokens. Try using shorter or fewer inputs, or setting prompt_truncation='AUTO'."),
    rateLimit: error(429, 'You are using a Trial key, which is limited to 10 API calls / minute.'),
    server: error(500, 'internal server error, this has been reported to our developers'),
  },
  assertRequest(req, mode) {
    assert.equal(req.path, '/v2/chat');
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    const body = req.body as Record<string, unknown>;
    assert.equal(body.model, 'test-model');
    assert.equal(body.stream, mode === 'stream');
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"tempC":21}' },
      { role: 'user', content: 'Thanks. Summarise.' },
    ]);
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ]);
    assert.equal(body.max_tokens, 100);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.p, 0.9);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.response_format, { type: 'json_object' });
  },
});

let server: ReplayServer;
before(async () => {
  server = await startReplayServer(() => ({ status: 500, text: '' }));
});
after(() => server.close());

it('cohere: finish_reason ERROR in a complete answer is thrown, with the usage consumed', async () => {
  server.handle(() => ({ json: { id: 'x', finish_reason: 'ERROR', message: { role: 'assistant', content: [] }, usage } }));
  const m = createChatModel({ provider: 'cohere', baseUrl: server.url, apiKey: TEST_KEY, timeoutMs: 2000, maxRetries: 0 });
  await assert.rejects(m.complete(SIMPLE), (e: Error & { details?: Record<string, unknown> }) => {
    assert.equal(e.details?.kind, 'unavailable');
    assert.deepEqual(e.details?.usage, { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 });
    return true;
  });
});
