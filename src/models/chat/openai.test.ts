// OpenAI adapter: the conformance suite against replayed Chat Completions responses, plus what is OpenAI-only.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TEST_KEY, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';
import { assertOpenAiMessages, bodyOf, openAiFixtures } from './openai-fixtures.testkit.js';

const usage = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

runChatConformance({
  provider: 'openai',
  config: (url) => ({ provider: 'openai', baseUrl: `${url}/v1`, apiKey: TEST_KEY, headers: { 'openai-organization': 'org-test', authorization: 'Bearer not-this-one' } }),
  ...openAiFixtures({ model: 'gpt-4o-mini-2024-07-18', usage }),
  usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 },
  assertRequest(req, mode) {
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    assert.equal(req.headers['openai-organization'], 'org-test');
    assert.match(String(req.headers['content-type']), /application\/json/);
    const body = bodyOf(req);
    assert.equal(body.model, 'test-model');
    assertOpenAiMessages(body);
    assert.equal(body.max_completion_tokens, 100);
    assert.equal(body.max_tokens, undefined);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.stop, ['END']);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    if (mode === 'stream') {
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
    } else assert.equal(body.stream, undefined);
  },
});

it('openai: more than 4 stop sequences are refused, not truncated', async () => {
  const m = createChatModel({ provider: 'openai', baseUrl: 'http://127.0.0.1:9', apiKey: TEST_KEY, timeoutMs: 1000, maxRetries: 0 });
  await assert.rejects(m.complete({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b', 'c', 'd', 'e'] }), /at most 4/);
});
