// Mistral adapter: OpenAI-like, with random_seed, usage in the finish chunk, whole tool calls per chunk, and
// finish_reason "error" for failures mid-generation.
import assert from 'node:assert/strict';
import { sse } from '../replay.testkit.js';
import { TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';
import { assertOpenAiMessages, bodyOf, openAiFixtures } from './openai-fixtures.testkit.js';

const model = 'mistral-small-latest';
const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
const base = openAiFixtures({ model, usage, usageInFinishChunk: true });
const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
  sse({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1_730_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });

runChatConformance({
  provider: 'mistral',
  config: (url) => ({ provider: 'mistral', baseUrl: `${url}/v1`, apiKey: TEST_KEY }),
  ...base,
  stream: {
    ...base.stream,
    // Mistral sends each tool call whole, in one chunk.
    toolCall: [
      chunk({ role: 'assistant', content: '' }, null),
      chunk({ tool_calls: [{ id: 'D681PevKs', function: { name: 'get_weather', arguments: '{"city": "Paris"}' }, index: 0 }] }, 'tool_calls', { usage }),
      'data: [DONE]\n\n',
    ],
    errorMidway: [chunk({ role: 'assistant', content: '' }, null), chunk({ content: TEXT_DELTAS[0] }, null), chunk({ content: '' }, 'error', { usage }), 'data: [DONE]\n\n'],
  },
  midStreamErrorKind: 'unavailable',
  errors: {
    ...base.errors,
    auth: { status: 401, json: { message: `Unauthorized: ${TEST_KEY}`, request_id: 'r1' } },
    contextLength: {
      status: 400,
      json: { object: 'error', message: 'Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length', type: 'invalid_request_error', param: null, code: null },
    },
    rateLimit: { status: 429, json: { message: 'Requests rate limit exceeded' } },
  },
  usage: { inputTokens: 12, outputTokens: 5 },
  assertRequest(req, mode) {
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    const body = bodyOf(req);
    assert.equal(body.model, 'test-model');
    assertOpenAiMessages(body);
    assert.equal(body.max_tokens, 100);
    assert.equal(body.random_seed, 7);
    assert.equal(body.seed, undefined);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.stop, ['END']);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.equal(body.stream_options, undefined, 'Mistral refuses unknown fields');
    assert.equal(body.stream, mode === 'stream' ? true : undefined);
  },
});
