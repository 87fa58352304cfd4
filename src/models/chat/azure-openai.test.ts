// Azure OpenAI adapter: the OpenAI format at a deployment URL with api-version and an `api-key` header.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sse } from '../replay.testkit.js';
import { AZURE_DEFAULT_API_VERSION } from './azure-openai.js';
import { TEST_KEY, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';
import { assertOpenAiMessages, bodyOf, openAiFixtures } from './openai-fixtures.testkit.js';

const base = openAiFixtures({ model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 0 } } });
// Azure's first chunk carries the prompt's content-filter results and no choices.
const filterChunk = sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }] });

runChatConformance({
  provider: 'azure-openai',
  config: (url) => ({ provider: 'azure-openai', baseUrl: url, apiKey: TEST_KEY, deployment: 'gpt4o-prod', apiVersion: '2024-10-21' }),
  ...base,
  stream: { ...base.stream, text: [filterChunk, ...base.stream.text], toolCall: [filterChunk, ...base.stream.toolCall] },
  errors: {
    ...base.errors,
    auth: { status: 401, json: { error: { code: '401', message: `Access denied due to invalid subscription key ${TEST_KEY} or wrong API endpoint.` } } },
    rateLimit: { status: 429, json: { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier.' } } },
  },
  usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 0 },
  assertRequest(req, mode) {
    assert.equal(req.path, '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(req.headers['api-key'], TEST_KEY);
    assert.equal(req.headers.authorization, undefined);
    const body = bodyOf(req);
    assert.equal(body.model, undefined, 'the deployment picks the model');
    assertOpenAiMessages(body);
    assert.equal(body.max_tokens, 100);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.stop, ['END']);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    if (mode === 'stream') assert.deepEqual(body.stream_options, { include_usage: true });
  },
});

it('azure-openai: a deployment is required, api-version has a default', () => {
  assert.throws(() => createChatModel({ provider: 'azure-openai', baseUrl: 'https://x.openai.azure.com', apiKey: TEST_KEY, timeoutMs: 1000, maxRetries: 0 }), /deployment/);
  assert.throws(() => createChatModel({ provider: 'azure-openai', apiKey: TEST_KEY, deployment: 'd', timeoutMs: 1000, maxRetries: 0 }), /baseUrl/);
  assert.equal(AZURE_DEFAULT_API_VERSION, '2024-10-21');
});
