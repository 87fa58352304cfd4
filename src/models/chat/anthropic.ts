// Anthropic Messages API (POST /v1/messages, `x-api-key`, `anthropic-version: 2023-06-01`). System text is a
// top-level field, `max_tokens` is required, tool calls are `tool_use` content blocks and their results
// `tool_result` blocks in a user turn. Streams are SSE: message_start (input usage), content_block_start /
// content_block_delta (text_delta, input_json_delta) / content_block_stop, message_delta (stop_reason, output
// usage), message_stop (terminal), ping, and `error` events (e.g. overloaded_error) mid-stream.
import { StrataError } from '../../core/errors.js';
import { parseEventJson, readSse } from '../http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from '../types.js';
import { applyParams, mergeBody, type ParamTable } from './params.js';
import {
  baseUrlOf,
  clientFor,
  createToolCallAssembler,
  endOfStream,
  finishWith,
  inBandError,
  malformed,
  requireKey,
  streamCut,
  usageOf,
  watchIdle,
  withHeaders,
  type ChatAdapterDeps,
  type ChatProviderConfig,
} from './shared.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Sent when the caller sets no limit, since the API requires one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const params: ParamTable = {
  maxTokens: { to: 'max_tokens', min: 1, default: ANTHROPIC_DEFAULT_MAX_TOKENS },
  temperature: { to: 'temperature', min: 0, max: 1 },
  topP: { to: 'top_p', min: 0, max: 1 },
  stop: { to: 'stop_sequences' },
  unsupported: ['seed', 'responseFormat'],
};

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

interface WireUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}
type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown } | { type: string };

/**
 * Anthropic's input_tokens exclude cache reads and writes; Strata's inputTokens count every input token (as
 * OpenAI and Gemini do), with the cache reads also reported as cachedInputTokens.
 */
function anthropicUsage(u: WireUsage | undefined): Usage {
  const read = u?.cache_read_input_tokens ?? undefined;
  const input = (u?.input_tokens ?? 0) + (read ?? 0) + (u?.cache_creation_input_tokens ?? 0);
  return usageOf(input, u?.output_tokens, read);
}

function toolInput(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch (e) {
    throw new StrataError('provider:anthropic', 'invalid-input', `the arguments of tool call ${call.id} are not JSON`, { cause: e, hint: 'pass tool call arguments as the JSON text the model produced' });
  }
}

export function anthropicBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
  const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const messages: { role: 'user' | 'assistant'; content: unknown[] }[] = [];
  for (const m of req.messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks: unknown[] = [];
    if (m.role === 'tool') blocks.push({ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content });
    else if (m.content !== '') blocks.push({ type: 'text', text: m.content });
    for (const c of m.role === 'assistant' ? (m.toolCalls ?? []) : []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c) });
    // Consecutive turns of one role become one message: parallel tool results must travel together.
    const last = messages[messages.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  const body: Record<string, unknown> = { model: req.model, messages };
  if (system.length > 0) body.system = system.join('\n\n');
  if (req.tools?.length) body.tools = req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
  if (stream) body.stream = true;
  return mergeBody(body, applyParams('anthropic', params, req).body);
}

export default function createAnthropicChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'https://api.anthropic.com');
  const key = requireKey(config);
  const http = clientFor('anthropic', config, deps);
  const headers = withHeaders(config, { 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION });
  const url = `${base}/v1/messages`;
  const fail = (e: { type?: string; message?: string } | undefined) => inBandError('anthropic', { type: e?.type, message: e?.message }, [key]);

  return {
    provider: 'anthropic',

    async complete(req): Promise<ChatResult> {
      const res = await http.json<{ type?: string; error?: { type?: string; message?: string }; model?: string; content?: Block[]; stop_reason?: string; usage?: WireUsage }>({
        url,
        headers,
        body: anthropicBody(req, false),
        signal: req.signal,
      });
      if (res.type === 'error') throw fail(res.error);
      if (!Array.isArray(res.content)) throw malformed('anthropic', 'a content array');
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const b of res.content) {
        if (b.type === 'text' && 'text' in b) text += b.text;
        else if (b.type === 'tool_use' && 'id' in b) toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
      }
      const finish = finishWith(FINISH[res.stop_reason ?? ''] ?? 'stop', toolCalls);
      return { text, toolCalls, finishReason: finish, usage: anthropicUsage(res.usage), model: res.model ?? req.model };
    },

    async *stream(req): AsyncGenerator<ChatEvent> {
      const res = await http.stream({ url, headers, body: anthropicBody(req, true), signal: req.signal });
      const calls = createToolCallAssembler('anthropic');
      let usage: WireUsage = {};
      let stop: string | undefined;
      let model = req.model;
      for await (const ev of readSse(watchIdle(res.body, config.timeoutMs, 'anthropic', req.signal), 'anthropic')) {
        const data = parseEventJson<Record<string, any>>(ev.data, 'anthropic'); // eslint-disable-line @typescript-eslint/no-explicit-any
        switch (data.type ?? ev.event) {
          case 'message_start':
            model = data.message?.model ?? model;
            usage = { ...usage, ...data.message?.usage };
            break;
          case 'content_block_start':
            if (data.content_block?.type === 'tool_use') calls.add(data.index, { id: data.content_block.id, name: data.content_block.name });
            else if (data.content_block?.type === 'text' && data.content_block.text) yield { type: 'text', text: data.content_block.text };
            break;
          case 'content_block_delta':
            if (data.delta?.type === 'text_delta' && data.delta.text) yield { type: 'text', text: data.delta.text };
            else if (data.delta?.type === 'input_json_delta') calls.add(data.index, { args: data.delta.partial_json });
            break; // thinking and signature deltas are not part of the answer
          case 'message_delta':
            stop = data.delta?.stop_reason ?? stop;
            // message_delta usage is cumulative; it may restate the input counts too.
            usage = { ...usage, ...Object.fromEntries(Object.entries(data.usage ?? {}).filter(([, v]) => v !== null)) };
            break;
          case 'message_stop': {
            const toolCalls = calls.done();
            yield* endOfStream(toolCalls, anthropicUsage(usage), finishWith(FINISH[stop ?? ''] ?? 'stop', toolCalls), model);
            return;
          }
          case 'error':
            throw fail(data.error);
          default:
            break; // ping, content_block_stop, and event types added later
        }
      }
      throw streamCut('anthropic', 'message_stop');
    },
  };
}
