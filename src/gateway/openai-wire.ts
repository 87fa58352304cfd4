// The OpenAI Chat Completions and Embeddings wire formats, as OpenAI documents them, mapped to and from the
// gateway's types: request bodies in, `chat.completion` objects, `chat.completion.chunk` events and
// `{ error: { message, type, param, code } }` bodies out. Pure functions; the HTTP route drives them.
import { z } from 'zod';
import { isStrataError } from '../core/errors.js';
import type { ChatMessage, ChatRequest, FinishReason, ToolCall, ToolDefinition, Usage } from '../models/types.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const content = z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() }).loose()])), z.null()]);
const toolCall = z.object({ id: z.string(), type: z.literal('function').default('function'), function: z.object({ name: z.string(), arguments: z.string() }) });

export const ChatCompletionBody = z.object({
  model: z.string().min(1),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: content.optional(),
        name: z.string().optional(),
        tool_calls: z.array(toolCall).optional(),
        tool_call_id: z.string().optional(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1).nullish(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).loose().nullish(),
  tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }) })).nullish(),
  user: z.string().optional(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

export const EmbeddingsBody = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBody>;

const textOf = (c: z.infer<typeof content> | undefined): string =>
  typeof c === 'string' ? c : (c ?? []).map((p) => (p.type === 'text' ? (p as { text: string }).text : '')).join('');

/** The gateway request for an OpenAI body (without `model`: that is the alias). */
export function toChatRequest(body: ChatCompletionBody): Omit<ChatRequest, 'model'> {
  const messages: ChatMessage[] = body.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: textOf(m.content),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
    ...(m.tool_calls?.length ? { toolCalls: m.tool_calls.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })) } : {}),
  }));
  const tools: ToolDefinition[] | undefined = body.tools?.map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters ?? { type: 'object', properties: {} } }));
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    messages,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(stop ? { stop } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(body.response_format && body.response_format.type !== 'text' ? { responseFormat: 'json' as const } : {}),
    ...(tools?.length ? { tools } : {}),
  };
}

const FINISH: Record<FinishReason, string> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', content_filter: 'content_filter', error: 'stop' };
export const finishReason = (f: FinishReason) => FINISH[f];

export function usageJson(u: Usage) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
  };
}

const toolCallsJson = (calls: ToolCall[]) => calls.map((t) => ({ id: t.id, type: 'function' as const, function: { name: t.name, arguments: t.arguments } }));

export function completionJson(id: string, created: number, model: string, r: { text: string; toolCalls: ToolCall[]; finishReason: FinishReason; usage: Usage }) {
  return {
    id,
    object: 'chat.completion' as const,
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: r.text === '' && r.toolCalls.length ? null : r.text, refusal: null, ...(r.toolCalls.length ? { tool_calls: toolCallsJson(r.toolCalls) } : {}) },
        logprobs: null,
        finish_reason: finishReason(r.finishReason),
      },
    ],
    usage: usageJson(r.usage),
    system_fingerprint: null,
  };
}

/** One `chat.completion.chunk`; `usage` is null on every chunk but the last when the client asked for usage. */
export function chunkJson(id: string, created: number, model: string, delta: Record<string, unknown> | null, finish: string | null, usage?: Usage | null) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created,
    model,
    system_fingerprint: null,
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage !== undefined ? { usage: usage === null ? null : usageJson(usage) } : {}),
  };
}

export const toolCallDelta = (index: number, t: ToolCall) => ({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }] });

export interface OpenAiError {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  retryAfterSeconds?: number;
  /** Tells the official clients not to retry (a spent budget does not come back in a second). */
  noRetry?: boolean;
}

/**
 * An error as OpenAI shapes it. Provider failures get a fixed message naming only the kind: upstream text can
 * carry account details, so it stays in the server log.
 */
export function openAiError(err: unknown): OpenAiError {
  const mk = (status: number, message: string, type: string, code: string | null, param: string | null = null): OpenAiError => ({ status, body: { error: { message, type, param, code } } });
  if (!isStrataError(err)) return mk(500, 'internal error; report the request id to the operator', 'server_error', null);
  const kind = err.details.kind as string | undefined;
  const message = err.message.replace(/^\[strata\] \[[^\]]*\] /, '');
  const fromProvider = err.component.startsWith('provider:');
  const retryAfterSeconds = typeof err.details.retryAfterSeconds === 'number' ? err.details.retryAfterSeconds : undefined;
  if (kind === 'model-not-found') return mk(404, message, 'invalid_request_error', 'model_not_found', 'model');
  if (kind === 'context-length') return mk(400, fromProvider ? 'the prompt is longer than the model\'s context window' : message, 'invalid_request_error', 'context_length_exceeded', 'messages');
  if (kind === 'budget') return { ...mk(429, message, 'insufficient_quota', 'insufficient_quota'), retryAfterSeconds, noRetry: true };
  if (err.code === 'rate-limited') return { ...mk(429, fromProvider ? 'the model provider is rate limiting; retry shortly' : message, 'requests', 'rate_limit_exceeded'), retryAfterSeconds };
  if (err.code === 'forbidden') return mk(403, message, 'permission_error', kind === 'classification' ? 'classification_not_cleared' : 'forbidden');
  if (err.code === 'unauthorized') return mk(401, message, 'invalid_request_error', 'invalid_api_key');
  if (err.code === 'invalid-input' || err.code === 'config' || err.code === 'parse') return mk(400, fromProvider ? 'the model provider rejected the request' : message, 'invalid_request_error', kind === 'bad-request' || !kind ? null : kind);
  if (err.code === 'not-found') return mk(404, message, 'invalid_request_error', null);
  if (kind === 'timeout') return mk(504, 'the model provider did not answer in time', 'server_error', 'upstream_timeout');
  if (kind === 'malformed') return mk(502, 'the model provider sent an invalid response', 'server_error', 'upstream_malformed');
  if (err.code === 'unavailable') return mk(503, `the model is unavailable (${kind ?? 'unavailable'}); retry shortly`, 'server_error', 'upstream_unavailable');
  return mk(500, 'internal error; report the request id to the operator', 'server_error', null);
}

/** The headers an OpenAI-shaped error carries besides its body: when to retry, and whether the clients should. */
export function openAiErrorHeaders(e: OpenAiError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(e.retryAfterSeconds));
  if (e.noRetry) headers['x-should-retry'] = 'false';
  return headers;
}

/** Float32 vectors as OpenAI's base64 encoding (little-endian float32 bytes), which the official clients ask for by default. */
export function base64Vector(v: Float32Array): string {
  const le = new Float32Array(v); // copy: the buffer is exactly the vector's bytes, in this (little-endian) machine's order
  return Buffer.from(le.buffer, le.byteOffset, le.byteLength).toString('base64');
}
