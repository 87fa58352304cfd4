// Anthropic adapter: the conformance suite against replayed Messages API responses and SSE event streams.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sse } from '../replay.testkit.js';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, anthropicBody } from './anthropic.js';
import { SIMPLE, TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';

const model = 'claude-sonnet-4-5-20250929';
const ev = (type: string, data: Record<string, unknown> = {}) => sse({ type, ...data }, type);
const start = ev('message_start', {
  message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 4, output_tokens: 1 } },
});
const textBlock = ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
const textDeltas = TEXT_DELTAS.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
const end = (stop: string) => [ev('content_block_stop', { index: 0 }), ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } }), ev('message_stop')];
const error = (status: number, type: string, message: string) => ({ status, json: { type: 'error', error: { type, message } } });
const message = (content: unknown[], stop: string) => ({
  json: { id: 'msg_01', type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 4, output_tokens: 5 } },
});

runChatConformance({
  provider: 'anthropic',
  config: (url) => ({ provider: 'anthropic', baseUrl: url, apiKey: TEST_KEY }),
  complete: {
    text: message([{ type: 'text', text: TEXT_DELTAS.join('') }], 'end_turn'),
    toolCall: message([{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }], 'tool_use'),
  },
  stream: {
    text: [start, textBlock, ev('ping'), ...textDeltas, ...end('end_turn')],
    toolCall: [
      start,
      ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} } }),
      ...['', '{"ci', 'ty":"Par', 'is"}'].map((partial_json) => ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } })),
      ...end('tool_use'),
    ],
    errorMidway: [start, textBlock, textDeltas[0]!, ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })],
    cut: [start, textBlock, textDeltas[0]!],
    garbage: [start, 'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_de\n\n'],
  },
  midStreamErrorKind: 'unavailable',
  // input_tokens (8) excludes the 4 cache reads: Strata counts all 12 as input, 4 of them cached.
  usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 },
  errors: {
    auth: error(401, 'authentication_error', `invalid x-api-key: ${TEST_KEY}`),
    contextLength: error(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'),
    rateLimit: error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
    server: error(529, 'overloaded_error', 'Overloaded'),
  },
  assertRequest(req, mode) {
    assert.equal(req.path, '/v1/messages');
    assert.equal(req.headers['x-api-key'], TEST_KEY);
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
    const body = req.body as Record<string, unknown>;
    assert.equal(body.model, 'test-model');
    assert.equal(body.system, 'Be brief.');
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
      // the tool result and the next user text travel in one user turn, the result first
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"tempC":21}' }, { type: 'text', text: 'Thanks. Summarise.' }] },
    ]);
    assert.deepEqual(body.tools, [{ name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]);
    assert.equal(body.max_tokens, 100);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.seed, undefined, 'unsupported: dropped');
    assert.equal(body.response_format, undefined, 'unsupported: dropped');
    assert.equal(body.stream, mode === 'stream' ? true : undefined);
  },
});

it('anthropic: max_tokens is required by the API, so a default is sent', () => {
  assert.equal(anthropicBody(SIMPLE, false).max_tokens, ANTHROPIC_DEFAULT_MAX_TOKENS);
});

it('anthropic: temperature above 1 is refused (its range is 0–1), not clamped', () => {
  assert.throws(() => anthropicBody({ ...SIMPLE, temperature: 1.5 }, false), /at most 1/);
});

it('anthropic: tool arguments that are not JSON are refused', () => {
  assert.throws(
    () => anthropicBody({ ...SIMPLE, messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{oops' }] }, { role: 'user', content: 'x' }] }, false),
    /not JSON/,
  );
});
