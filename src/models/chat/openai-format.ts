// The OpenAI Chat Completions wire format, shared by composition: openai, azure-openai, mistral and
// openai-compatible are this plus a URL, headers, a parameter table and a few flags. Documented format:
// POST …/chat/completions; streaming as SSE `data:` chunks of `chat.completion.chunk`, tool calls streamed as
// fragments keyed by `index`, usage in a last chunk with empty `choices` (when `stream_options.include_usage`),
// then `data: [DONE]`. An `{"error": {...}}` object may arrive in place of a chunk.
import { parseEventJson, readSse } from '../http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, FinishReason, Usage } from '../types.js';
import { applyParams, mergeBody, type ParamTable } from './params.js';
import {
  clientFor,
  createToolCallAssembler,
  endOfStream,
  finishWith,
  inBandError,
  malformed,
  streamCut,
  usageOf,
  watchIdle,
  type ChatAdapterDeps,
  type ChatProviderConfig,
} from './shared.js';

export interface OpenAiFlavour {
  /** Adapter name, in errors and `ChatModel.provider`. */
  provider: string;
  url: (req: ChatRequest) => string;
  headers: Record<string, string>;
  params: ParamTable;
  /** Send `stream_options: { include_usage: true }` (OpenAI, Azure, vLLM…; Mistral refuses unknown fields). */
  streamUsageOption: boolean;
  /** Vendor finish reasons beyond OpenAI's (Mistral's `model_length`). */
  finishReasons?: Record<string, FinishReason>;
  /** Whether the model name goes in the body (Azure takes it from the deployment URL). */
  sendModel?: boolean;
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireError {
  error?: { message?: string; type?: string; code?: string | number | null } | string;
}

interface Completion extends WireError {
  model?: string;
  choices?: { message?: { content?: string | null; tool_calls?: WireToolCall[] }; finish_reason?: string | null }[];
  usage?: WireUsage | null;
}

interface Chunk extends WireError {
  model?: string;
  choices?: { delta?: { content?: string | null; tool_calls?: WireToolCall[] }; finish_reason?: string | null }[];
  usage?: WireUsage | null;
}

/** OpenAI's usage, with cached and reasoning tokens when reported (both are included in the totals). */
export function openAiUsage(u: WireUsage | null | undefined): Usage {
  return usageOf(u?.prompt_tokens, u?.completion_tokens, u?.prompt_tokens_details?.cached_tokens ?? undefined, u?.completion_tokens_details?.reasoning_tokens ?? undefined);
}

export function openAiMessages(req: ChatRequest): unknown[] {
  return req.messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

export function openAiBody(flavour: OpenAiFlavour, req: ChatRequest, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { messages: openAiMessages(req) };
  if (flavour.sendModel !== false) body.model = req.model;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (stream) {
    body.stream = true;
    if (flavour.streamUsageOption) body.stream_options = { include_usage: true };
  }
  return mergeBody(body, applyParams(flavour.provider, flavour.params, req).body);
}

function errorOf(flavour: OpenAiFlavour, e: WireError['error'], secrets: readonly string[]) {
  if (typeof e === 'string') return inBandError(flavour.provider, { message: e }, secrets);
  return inBandError(flavour.provider, { type: [e?.type, e?.code].filter(Boolean).join('/') || undefined, message: e?.message }, secrets);
}

export function createOpenAiFormatModel(flavour: OpenAiFlavour, config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const http = clientFor(flavour.provider, config, deps);
  const secrets = config.apiKey ? [config.apiKey] : [];
  const finishOf = (r: string | null | undefined): FinishReason => (r ? (flavour.finishReasons?.[r] ?? FINISH[r] ?? 'stop') : 'stop');
  // A vendor's "error" ending (Mistral) is the server failing mid-generation: thrown, with the usage so far.
  const checked = (reason: FinishReason, usage: Usage): FinishReason => {
    if (reason !== 'error') return reason;
    const err = inBandError(flavour.provider, { type: 'finish_reason=error', message: 'generation failed on the provider side' });
    err.details.usage = usage;
    throw err;
  };

  return {
    provider: flavour.provider,

    async complete(req): Promise<ChatResult> {
      const res = await http.json<Completion>({ url: flavour.url(req), headers: flavour.headers, body: openAiBody(flavour, req, false), signal: req.signal });
      if (res.error) throw errorOf(flavour, res.error, secrets);
      const choice = res.choices?.[0];
      if (!choice?.message) throw malformed(flavour.provider, 'choices[0].message');
      const toolCalls = (choice.message.tool_calls ?? []).map((c, i) => ({
        id: c.id ?? `call_${i}`,
        name: c.function?.name ?? '',
        arguments: c.function?.arguments ?? '{}',
      }));
      const usage = openAiUsage(res.usage);
      return {
        text: choice.message.content ?? '',
        toolCalls,
        finishReason: finishWith(checked(finishOf(choice.finish_reason), usage), toolCalls),
        usage,
        model: res.model ?? req.model,
      };
    },

    async *stream(req): AsyncGenerator<ChatEvent> {
      const res = await http.stream({ url: flavour.url(req), headers: flavour.headers, body: openAiBody(flavour, req, true), signal: req.signal });
      const calls = createToolCallAssembler(flavour.provider);
      let finish: FinishReason | undefined;
      let usage: Usage | undefined;
      let model = req.model;
      for await (const ev of readSse(watchIdle(res.body, config.timeoutMs, flavour.provider, req.signal), flavour.provider)) {
        if (ev.data.trim() === '[DONE]') {
          const toolCalls = calls.done();
          // Servers without include_usage (older LM Studio, some proxies) send none: zeros, not a failure.
          const used = usage ?? usageOf(0, 0);
          yield* endOfStream(toolCalls, used, finishWith(checked(finish ?? 'stop', used), toolCalls), model);
          return;
        }
        const chunk = parseEventJson<Chunk>(ev.data, flavour.provider);
        if (chunk.error) throw errorOf(flavour, chunk.error, secrets);
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = openAiUsage(chunk.usage);
        for (const choice of chunk.choices ?? []) {
          const delta = choice.delta;
          if (delta?.content) yield { type: 'text', text: delta.content };
          for (const [i, tc] of (delta?.tool_calls ?? []).entries()) {
            calls.add(tc.index ?? i, { id: tc.id, name: tc.function?.name, args: tc.function?.arguments });
          }
          if (choice.finish_reason) finish = finishOf(choice.finish_reason);
        }
      }
      throw streamCut(flavour.provider, 'data: [DONE]');
    },
  };
}
