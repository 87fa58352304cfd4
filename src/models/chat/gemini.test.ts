// Gemini adapter: the conformance suite against replayed generateContent answers and streamGenerateContent?alt=sse
// streams (CRLF-separated events, each a whole GenerateContentResponse).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startReplayServer, type ReplayServer } from '../replay.testkit.js';
import { SIMPLE, TEST_KEY, TEXT_DELTAS, runChatConformance } from './conformance.testkit.js';
import { createChatModel } from './index.js';

const modelVersion = 'gemini-2.5-flash';
const data = (v: unknown) => `data: ${typeof v === 'string' ? v : JSON.stringify(v)}\r\n\r\n`;
const usageMetadata = { promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 17, cachedContentTokenCount: 4, thoughtsTokenCount: 2 };
const response = (parts: unknown[], finishReason?: string, usage: unknown = usageMetadata) => ({
  candidates: [{ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 }],
  usageMetadata: usage,
  modelVersion,
  responseId: 'resp-1',
});
const partial = { promptTokenCount: 12, totalTokenCount: 12 };
const textChunks = TEXT_DELTAS.map((t, i) => data(response([{ text: t }], i === TEXT_DELTAS.length - 1 ? 'STOP' : undefined, i === TEXT_DELTAS.length - 1 ? usageMetadata : partial)));
const error = (code: number, status: string, message: string) => ({ status: code, json: { error: { code, message, status } } });

runChatConformance({
  provider: 'gemini',
  config: (url) => ({ provider: 'gemini', baseUrl: url, apiKey: TEST_KEY }),
  complete: {
    text: { json: response([{ text: TEXT_DELTAS.join('') }], 'STOP') },
    toolCall: { json: response([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], 'STOP') },
  },
  stream: {
    text: textChunks,
    toolCall: [data(response([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], 'STOP'))],
    errorMidway: [textChunks[0]!, data({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } })],
    cut: [textChunks[0]!, textChunks[1]!],
    garbage: [textChunks[0]!, data('{"candidates": [{"content": {"parts": [{"text": "lo')],
  },
  midStreamErrorKind: 'unavailable',
  // promptTokenCount includes the 4 cached; candidates (3) exclude the 2 thought tokens, which Strata counts as output.
  usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 },
  errors: {
    // Gemini reports a bad key as 400 INVALID_ARGUMENT; the adapter maps it to auth.
    auth: error(400, 'INVALID_ARGUMENT', `API key not valid. Please pass a valid API key. (${TEST_KEY})`),
    contextLength: error(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'),
    rateLimit: error(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
    server: error(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  },
  assertRequest(req, mode) {
    assert.equal(req.path, mode === 'stream' ? '/v1beta/models/test-model:streamGenerateContent?alt=sse' : '/v1beta/models/test-model:generateContent');
    assert.equal(req.headers['x-goog-api-key'], TEST_KEY);
    assert.equal(req.path.includes(TEST_KEY), false, 'the key is never in the URL');
    const body = req.body as Record<string, unknown>;
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { tempC: 21 } } }, { text: 'Thanks. Summarise.' }] },
    ]);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(body.generationConfig, { maxOutputTokens: 100, temperature: 0.5, topP: 0.9, stopSequences: ['END'], seed: 7, responseMimeType: 'application/json' });
    assert.deepEqual(body.tools, [
      { functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] },
    ]);
    assert.equal(body.model, undefined, 'the model is in the path');
  },
});

let server: ReplayServer;
before(async () => {
  server = await startReplayServer(() => ({ status: 500, text: '' }));
});
after(() => server.close());
const gemini = () => createChatModel({ provider: 'gemini', baseUrl: server.url, apiKey: TEST_KEY, timeoutMs: 2000, maxRetries: 0 });

it('gemini: safety stops and blocked prompts finish as content_filter; thoughts are not answer text', async () => {
  server.handle(() => ({ json: response([{ text: 'thinking…', thought: true }, { text: 'Partial' }], 'SAFETY') }));
  const r = await gemini().complete(SIMPLE);
  assert.equal(r.text, 'Partial');
  assert.equal(r.finishReason, 'content_filter');
  server.handle(() => ({ json: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } } }));
  const blocked = await gemini().complete(SIMPLE);
  assert.equal(blocked.finishReason, 'content_filter');
  assert.equal(blocked.text, '');
  server.handle(() => ({ json: response([{ text: 'abc' }], 'MAX_TOKENS') }));
  assert.equal((await gemini().complete(SIMPLE)).finishReason, 'length');
});

it('gemini: a tool result must answer an earlier call (its function name is needed)', async () => {
  await assert.rejects(gemini().complete({ ...SIMPLE, messages: [{ role: 'tool', toolCallId: 'nope', content: '1' }] }), /answers no earlier tool call/);
});
