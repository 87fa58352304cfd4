// Ollama (POST /api/chat, default http://127.0.0.1:11434, no key unless a proxy wants one). Sampling options live
// under `options` (num_predict, temperature, top_p, stop, seed), JSON mode is `format: "json"`, tool calls carry
// arguments as objects. Streaming is the default and is NDJSON: one message object per line, the last with
// `done: true`, done_reason and the counts (prompt_eval_count, eval_count). `{"error": …}` may come as a line.
import { StrataError } from '../../core/errors.js';
import { readNdjson } from '../http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from '../types.js';
import { applyParams, mergeBody, type ParamTable } from './params.js';
import {
  baseUrlOf,
  clientFor,
  endOfStream,
  finishWith,
  inBandError,
  malformed,
  streamCut,
  usageOf,
  watchIdle,
  withHeaders,
  type ChatAdapterDeps,
  type ChatProviderConfig,
} from './shared.js';

const params: ParamTable = {
  maxTokens: { to: ['options', 'num_predict'], min: 1 },
  temperature: { to: ['options', 'temperature'], min: 0, max: 2 },
  topP: { to: ['options', 'top_p'], min: 0, max: 1 },
  stop: { to: ['options', 'stop'] },
  seed: { to: ['options', 'seed'] },
  responseFormat: { to: 'format', transform: (v: 'json') => (v === 'json' ? 'json' : undefined) },
};

const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length' };

interface Line {
  model?: string;
  message?: { content?: string; tool_calls?: { id?: string; function?: { name?: string; arguments?: unknown } }[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

const usageOfLine = (l: Line): Usage => usageOf(l.prompt_eval_count, l.eval_count);

export function ollamaBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
  const names = new Map<string, string>();
  const messages = req.messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, ...(names.has(m.toolCallId ?? '') ? { tool_name: names.get(m.toolCallId ?? '') } : {}) };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      for (const c of m.toolCalls) names.set(c.id, c.name);
      return { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: parseArgs(c) } })) };
    }
    return { role: m.role, content: m.content };
  });
  const body: Record<string, unknown> = { model: req.model, messages, stream };
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  return mergeBody(body, applyParams('ollama', params, req).body);
}

function parseArgs(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch (e) {
    throw new StrataError('provider:ollama', 'invalid-input', `the arguments of tool call ${call.id} are not JSON`, { cause: e });
  }
}

export default function createOllamaChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'http://127.0.0.1:11434');
  const http = clientFor('ollama', config, deps);
  const headers = withHeaders(config, config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {});
  const url = `${base}/api/chat`;
  const secrets = config.apiKey ? [config.apiKey] : [];
  let n = 0;
  const callsOf = (l: Line): ToolCall[] =>
    (l.message?.tool_calls ?? []).map((c) => {
      if (!c.function?.name) throw malformed('ollama', 'a function name in a tool call');
      const args = c.function.arguments;
      return { id: c.id ?? `call_${++n}`, name: c.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) };
    });

  return {
    provider: 'ollama',

    async complete(req): Promise<ChatResult> {
      const res = await http.json<Line>({ url, headers, body: ollamaBody(req, false), signal: req.signal });
      if (res.error) throw inBandError('ollama', { message: res.error }, secrets);
      if (!res.message || res.done !== true) throw malformed('ollama', 'a finished message');
      const toolCalls = callsOf(res);
      return {
        text: res.message.content ?? '',
        toolCalls,
        finishReason: finishWith(FINISH[res.done_reason ?? 'stop'] ?? 'stop', toolCalls),
        usage: usageOfLine(res),
        model: res.model ?? req.model,
      };
    },

    async *stream(req): AsyncGenerator<ChatEvent> {
      const res = await http.stream({ url, headers, body: ollamaBody(req, true), signal: req.signal });
      const toolCalls: ToolCall[] = [];
      for await (const raw of readNdjson(watchIdle(res.body, config.timeoutMs, 'ollama', req.signal), 'ollama')) {
        const line = raw as Line;
        if (typeof line !== 'object' || line === null) throw malformed('ollama', 'a JSON object per line');
        if (line.error) throw inBandError('ollama', { message: line.error }, secrets);
        if (line.message?.content) yield { type: 'text', text: line.message.content };
        toolCalls.push(...callsOf(line));
        if (line.done) {
          yield* endOfStream(toolCalls, usageOfLine(line), finishWith(FINISH[line.done_reason ?? 'stop'] ?? 'stop', toolCalls), line.model ?? req.model);
          return;
        }
      }
      throw streamCut('ollama', 'a line with "done": true');
    },
  };
}
