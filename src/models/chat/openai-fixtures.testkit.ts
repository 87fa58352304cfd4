// Replay fixtures in the OpenAI Chat Completions format (documented response, chunk and error shapes), shared
// by the tests of the adapters that speak it: openai, azure-openai, mistral, openai-compatible.
import assert from 'node:assert/strict';
import { sse, type RecordedRequest } from '../replay.testkit.js';
import { TEST_KEY, TEXT_DELTAS, type ChatVendorScript } from './conformance.testkit.js';

export interface OpenAiFixtureOptions {
  model: string;
  /** Usage object as the vendor reports it for the text fixtures. */
  usage: Record<string, unknown>;
  /** Whether chunks carry `usage: null` until the last (include_usage) or the finish chunk carries usage (Mistral). */
  usageInFinishChunk?: boolean;
}

const chunk = (model: string, delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_730_000_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });

export function openAiFixtures(o: OpenAiFixtureOptions): Pick<ChatVendorScript, 'complete' | 'stream' | 'errors' | 'midStreamErrorKind'> {
  const perChunk = o.usageInFinishChunk ? {} : { usage: null };
  const tail = (finish: string) =>
    o.usageInFinishChunk
      ? [chunk(o.model, {}, finish, { usage: o.usage }), 'data: [DONE]\n\n']
      : [chunk(o.model, {}, finish, perChunk), sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_730_000_000, model: o.model, choices: [], usage: o.usage }), 'data: [DONE]\n\n'];
  const role = chunk(o.model, { role: 'assistant', content: '' }, null, perChunk);
  const texts = TEXT_DELTAS.map((t) => chunk(o.model, { content: t }, null, perChunk));
  const toolStart = chunk(o.model, { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, null, perChunk);
  const toolArgs = ['{"ci', 'ty":"Par', 'is"}'].map((a) => chunk(o.model, { tool_calls: [{ index: 0, function: { arguments: a } }] }, null, perChunk));
  const completion = (message: unknown, finish: string) => ({
    json: { id: 'chatcmpl-1', object: 'chat.completion', created: 1_730_000_000, model: o.model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage: o.usage },
  });
  const error = (status: number, message: string, type: string, code: string | null) => ({ status, json: { error: { message, type, param: null, code } } });
  return {
    complete: {
      text: completion({ role: 'assistant', content: TEXT_DELTAS.join(''), refusal: null }, 'stop'),
      toolCall: completion({ role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, 'tool_calls'),
    },
    stream: {
      text: [role, ...texts, ...tail('stop')],
      toolCall: [toolStart, ...toolArgs, ...tail('tool_calls')],
      errorMidway: [role, texts[0]!, sse({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } })],
      cut: [role, texts[0]!],
      garbage: [role, 'data: {"choices": [{"delta": {"content": "Hel\n\n'],
    },
    midStreamErrorKind: 'unavailable',
    errors: {
      auth: error(401, `Incorrect API key provided: ${TEST_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'),
      contextLength: error(400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.", 'invalid_request_error', 'context_length_exceeded'),
      rateLimit: error(429, 'Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.', 'requests', 'rate_limit_exceeded'),
      server: error(503, 'The engine is currently overloaded, please try again later.', 'server_error', null),
    },
  };
}

/** The FULL request's messages and tools in the OpenAI format. */
export function assertOpenAiMessages(body: Record<string, unknown>): void {
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"tempC":21}' },
    { role: 'user', content: 'Thanks. Summarise.' },
  ]);
  assert.deepEqual(body.tools, [
    { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  ]);
}

export const bodyOf = (req: RecordedRequest): Record<string, unknown> => req.body as Record<string, unknown>;
