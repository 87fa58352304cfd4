// OpenAI-compatible servers (vLLM, llama.cpp server, LM Studio): the OpenAI format at a configured base URL,
// optional key, tolerant of missing usage.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sse, startReplayServer, type ReplayServer } from '../replay.testkit.js';
import { TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';
import { assertOpenAiMessages, bodyOf, openAiFixtures } from './openai-fixtures.testkit.js';

const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
const base = openAiFixtures({ model: 'meta-llama/Llama-3.1-8B-Instruct', usage });

runChatConformance({
  provider: 'openai-compatible',
  config: (url) => ({ provider: 'openai-compatible', baseUrl: `${url}/v1`, apiKey: TEST_KEY }),
  ...base,
  errors: {
    ...base.errors,
    // vLLM's error shape
    contextLength: {
      status: 400,
      json: { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).", type: 'BadRequestError', param: null, code: 400 },
    },
    auth: { status: 401, json: { error: `Unauthorized: ${TEST_KEY}` } },
  },
  usage: { inputTokens: 12, outputTokens: 5 },
  assertRequest(req, mode) {
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    const body = bodyOf(req);
    assertOpenAiMessages(body);
    assert.equal(body.max_tokens, 100);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    if (mode === 'stream') assert.deepEqual(body.stream_options, { include_usage: true });
  },
});

let server: ReplayServer;
before(async () => {
  server = await startReplayServer(() => ({ status: 500, text: '' }));
});
after(() => server.close());

it('openai-compatible: no key, no Authorization header; a stream without usage gives zeros, not a failure', async () => {
  // llama.cpp server / older LM Studio: no usage chunk, chunks without `model`.
  server.handle(() => ({ chunks: [...TEXT_DELTAS.map((t) => sse({ choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })), sse({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), 'data: [DONE]\n\n'] }));
  const m = createChatModel({ provider: 'openai-compatible', baseUrl: `${server.url}/v1/`, timeoutMs: 2000, maxRetries: 0 });
  const events = [];
  for await (const e of m.stream({ model: 'local', messages: [{ role: 'user', content: 'hi' }] })) events.push(e);
  assert.equal(server.requests[0]!.headers.authorization, undefined);
  assert.equal(server.requests[0]!.path, '/v1/chat/completions', 'a trailing slash in baseUrl is tolerated');
  assert.deepEqual(events.slice(-2), [
    { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } },
    { type: 'finish', finishReason: 'stop', model: 'local' },
  ]);
  assert.equal(bodyOf(server.requests[0]!).model, 'local');
});

it('openai-compatible: baseUrl is required', () => {
  assert.throws(() => createChatModel({ provider: 'openai-compatible', timeoutMs: 1000, maxRetries: 0 }), /needs a baseUrl/);
});
