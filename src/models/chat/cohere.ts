// Cohere Chat API v2 (POST /v2/chat, bearer key). OpenAI-like messages and tools, but its own names (`p`,
// `stop_sequences`), upper-case finish reasons, content as typed parts, and its own SSE event types:
// message-start, content-start/-delta/-end, tool-plan-delta, tool-call-start/-delta/-end, citation-*, and
// message-end (terminal, with finish_reason and usage). A finish_reason of ERROR or TIMEOUT is the server
// failing mid-generation: it is thrown (with the usage so far in details.usage), never returned as an answer.
import { parseEventJson, providerError, readSse } from '../http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from '../types.js';
import { applyParams, mergeBody, type ParamTable } from './params.js';
import {
  baseUrlOf,
  clientFor,
  createToolCallAssembler,
  endOfStream,
  finishWith,
  malformed,
  requireKey,
  streamCut,
  usageOf,
  watchIdle,
  withHeaders,
  type ChatAdapterDeps,
  type ChatProviderConfig,
} from './shared.js';

const params: ParamTable = {
  maxTokens: { to: 'max_tokens', min: 1 },
  temperature: { to: 'temperature', min: 0, max: 1 },
  topP: { to: 'p', min: 0.01, max: 0.99 },
  stop: { to: 'stop_sequences' },
  seed: { to: 'seed' },
  responseFormat: { to: 'response_format', transform: (v: 'json') => (v === 'json' ? { type: 'json_object' } : undefined) },
};

const FINISH: Record<string, FinishReason> = { COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_calls' };

interface WireUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
}
interface WireToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Billed units are what Cohere charges for (tokens also count its prompt template); tokens when not billed. */
function cohereUsage(u: WireUsage | undefined): Usage {
  const src = u?.billed_units ?? u?.tokens;
  return usageOf(src?.input_tokens, src?.output_tokens, u?.cached_tokens);
}

function ending(reason: string | undefined, usage: Usage, calls: readonly ToolCall[]): FinishReason {
  if (reason === 'ERROR' || reason === 'TIMEOUT') {
    const err = providerError('cohere', reason === 'TIMEOUT' ? 'timeout' : 'unavailable', `cohere stopped generating with finish_reason ${reason}`);
    err.details.usage = usage;
    throw err;
  }
  return finishWith(FINISH[reason ?? ''] ?? 'stop', calls);
}

export function cohereBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
  const messages = req.messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return {
        role: 'assistant',
        ...(m.content ? { tool_plan: m.content } : {}),
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    }
    return { role: m.role, content: m.content };
  });
  const body: Record<string, unknown> = { model: req.model, messages, stream };
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  return mergeBody(body, applyParams('cohere', params, req).body);
}

export default function createCohereChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'https://api.cohere.com');
  const key = requireKey(config);
  const http = clientFor('cohere', config, deps);
  const headers = withHeaders(config, { authorization: `Bearer ${key}`, accept: 'application/json' });
  const url = `${base}/v2/chat`;

  return {
    provider: 'cohere',

    async complete(req): Promise<ChatResult> {
      const res = await http.json<{ finish_reason?: string; message?: { content?: { type?: string; text?: string }[]; tool_calls?: WireToolCall[] }; usage?: WireUsage }>({
        url,
        headers,
        body: cohereBody(req, false),
        signal: req.signal,
      });
      if (!res.message || !res.finish_reason) throw malformed('cohere', 'a message and finish_reason');
      const text = (res.message.content ?? []).filter((c) => c.type === 'text').map((c) => c.text ?? '').join('');
      const toolCalls = (res.message.tool_calls ?? []).map((c, i) => ({ id: c.id ?? `call_${i}`, name: c.function?.name ?? '', arguments: c.function?.arguments ?? '{}' }));
      const usage = cohereUsage(res.usage);
      return { text, toolCalls, finishReason: ending(res.finish_reason, usage, toolCalls), usage, model: req.model };
    },

    async *stream(req): AsyncGenerator<ChatEvent> {
      const res = await http.stream({ url, headers: { ...headers, accept: 'text/event-stream' }, body: cohereBody(req, true), signal: req.signal });
      const calls = createToolCallAssembler('cohere');
      for await (const ev of readSse(watchIdle(res.body, config.timeoutMs, 'cohere', req.signal), 'cohere')) {
        const data = parseEventJson<Record<string, any>>(ev.data, 'cohere'); // eslint-disable-line @typescript-eslint/no-explicit-any
        const message = data.delta?.message;
        switch (data.type ?? ev.event) {
          case 'content-delta':
            if (message?.content?.text) yield { type: 'text', text: message.content.text };
            break;
          case 'tool-call-start':
          case 'tool-call-delta': {
            const tc: WireToolCall | undefined = message?.tool_calls;
            calls.add(data.index ?? 0, { id: tc?.id, name: tc?.function?.name, args: tc?.function?.arguments });
            break;
          }
          case 'message-end': {
            const usage = cohereUsage(data.delta?.usage);
            const toolCalls = calls.done();
            yield* endOfStream(toolCalls, usage, ending(data.delta?.finish_reason, usage, toolCalls), req.model);
            return;
          }
          default:
            break; // message-start, content-start/-end, tool-plan-delta (the model's plan, not the answer), citations, debug
        }
      }
      throw streamCut('cohere', 'message-end');
    },
  };
}
