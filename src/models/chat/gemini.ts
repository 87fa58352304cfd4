// Google Gemini API (generativelanguage.googleapis.com, `x-goog-api-key` header, so the key never sits in a URL):
// POST /v1beta/models/{model}:generateContent, or :streamGenerateContent?alt=sse whose SSE events are each a
// whole GenerateContentResponse (the last one carries finishReason and the final usageMetadata). Turns are
// `contents` of `parts` with roles user/model; system text is `systemInstruction`; sampling lives in
// `generationConfig`; tool calls are `functionCall` parts answered by `functionResponse` parts.
import { StrataError } from '../../core/errors.js';
import { errorKind, parseEventJson, providerError, readSse } from '../http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from '../types.js';
import { applyParams, mergeBody, type ParamTable } from './params.js';
import {
  baseUrlOf,
  clientFor,
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

const params: ParamTable = {
  maxTokens: { to: ['generationConfig', 'maxOutputTokens'], min: 1 },
  temperature: { to: ['generationConfig', 'temperature'], min: 0, max: 2 },
  topP: { to: ['generationConfig', 'topP'], min: 0, max: 1 },
  stop: { to: ['generationConfig', 'stopSequences'], maxItems: 5 },
  seed: { to: ['generationConfig', 'seed'] },
  responseFormat: { to: ['generationConfig', 'responseMimeType'], transform: (v: 'json') => (v === 'json' ? 'application/json' : undefined) },
};

const FINISH: Record<string, FinishReason> = {
  STOP: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  OTHER: 'error',
};

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: unknown };
}
interface WireUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}
interface Response {
  candidates?: { content?: { parts?: Part[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: WireUsage;
  modelVersion?: string;
  error?: { code?: number; message?: string; status?: string };
}

/**
 * promptTokenCount already includes cached content; candidatesTokenCount excludes thoughts, which Strata counts
 * in outputTokens (and reports again as reasoningTokens), as OpenAI does.
 */
function geminiUsage(u: WireUsage | undefined): Usage {
  const thoughts = u?.thoughtsTokenCount;
  return usageOf((u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0), (u?.candidatesTokenCount ?? 0) + (thoughts ?? 0), u?.cachedContentTokenCount, thoughts);
}

export function geminiBody(req: ChatRequest): Record<string, unknown> {
  const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const names = new Map<string, string>(); // tool call id -> function name, for functionResponse parts
  const contents: { role: 'user' | 'model'; parts: unknown[] }[] = [];
  for (const m of req.messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts: unknown[] = [];
    if (m.role === 'tool') {
      const name = names.get(m.toolCallId ?? '');
      if (!name) {
        throw new StrataError('provider:gemini', 'invalid-input', `tool result ${m.toolCallId ?? '(no id)'} answers no earlier tool call`, { hint: 'send the assistant turn holding the tool call before its result' });
      }
      parts.push({ functionResponse: { name, response: responseObject(m.content) } });
    } else if (m.content !== '') parts.push({ text: m.content });
    for (const c of m.role === 'assistant' ? (m.toolCalls ?? []) : []) {
      names.set(c.id, c.name);
      parts.push({ functionCall: { name: c.name, args: parseArgs(c) } });
    }
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (req.tools?.length) {
    body.tools = [{ functionDeclarations: req.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })) }];
  }
  return mergeBody(body, applyParams('gemini', params, req).body);
}

/** functionResponse.response must be an object: a JSON object result as is, anything else wrapped. */
function responseObject(content: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(content);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    return { result: v };
  } catch {
    return { result: content };
  }
}

function parseArgs(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch (e) {
    throw new StrataError('provider:gemini', 'invalid-input', `the arguments of tool call ${call.id} are not JSON`, { cause: e });
  }
}

/** Gemini answers a bad key with 400 INVALID_ARGUMENT ("API key not valid"): that is an auth failure. */
function remapAuth(e: unknown): unknown {
  if (errorKind(e) === 'bad-request' && /API key not valid|API_KEY_INVALID|API key expired/i.test((e as Error).message)) {
    return providerError('gemini', 'auth', (e as Error).message.replace(/^\[strata\] \[[^\]]+\] /, ''), { status: 400, cause: e });
  }
  return e;
}

function partsOf(res: Response): { text: string; calls: ToolCall[] } {
  let text = '';
  const calls: ToolCall[] = [];
  for (const p of res.candidates?.[0]?.content?.parts ?? []) {
    if (typeof p.text === 'string' && !p.thought) text += p.text;
    if (p.functionCall?.name) calls.push({ id: p.functionCall.id ?? '', name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) });
  }
  return { text, calls };
}

export default function createGeminiChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'https://generativelanguage.googleapis.com');
  const key = requireKey(config);
  const http = clientFor('gemini', config, deps);
  const headers = withHeaders(config, { 'x-goog-api-key': key });
  const url = (req: ChatRequest, method: string) => `${base}/v1beta/models/${encodeURIComponent(req.model)}:${method}`;
  const fail = (e: NonNullable<Response['error']>) => inBandError('gemini', { status: e.code, type: e.status, message: e.message }, [key]);
  const finishOf = (res: Response): FinishReason | undefined => {
    const r = res.candidates?.[0]?.finishReason;
    if (r) return FINISH[r] ?? 'error';
    return res.promptFeedback?.blockReason ? 'content_filter' : undefined;
  };
  let n = 0;
  const withIds = (calls: ToolCall[]) => calls.map((c) => (c.id ? c : { ...c, id: `call_${++n}` }));

  return {
    provider: 'gemini',

    async complete(req): Promise<ChatResult> {
      const res = await http.json<Response>({ url: url(req, 'generateContent'), headers, body: geminiBody(req), signal: req.signal }).catch((e: unknown) => {
        throw remapAuth(e);
      });
      if (res.error) throw fail(res.error);
      const finish = finishOf(res);
      if (!finish && !res.candidates?.length) throw malformed('gemini', 'candidates');
      const { text, calls } = partsOf(res);
      const toolCalls = withIds(calls);
      return { text, toolCalls, finishReason: finishWith(finish ?? 'stop', toolCalls), usage: geminiUsage(res.usageMetadata), model: res.modelVersion ?? req.model };
    },

    async *stream(req): AsyncGenerator<ChatEvent> {
      const res = await http.stream({ url: `${url(req, 'streamGenerateContent')}?alt=sse`, headers, body: geminiBody(req), signal: req.signal }).catch((e: unknown) => {
        throw remapAuth(e);
      });
      const toolCalls: ToolCall[] = [];
      let usage: WireUsage | undefined;
      let finish: FinishReason | undefined;
      let model = req.model;
      for await (const ev of readSse(watchIdle(res.body, config.timeoutMs, 'gemini', req.signal), 'gemini')) {
        const chunk = parseEventJson<Response>(ev.data, 'gemini');
        if (chunk.error) throw fail(chunk.error);
        if (chunk.modelVersion) model = chunk.modelVersion;
        if (chunk.usageMetadata) usage = chunk.usageMetadata; // cumulative: the last one counts
        const { text, calls } = partsOf(chunk);
        if (text) yield { type: 'text', text };
        toolCalls.push(...withIds(calls)); // Gemini sends each call whole
        finish = finishOf(chunk) ?? finish;
      }
      // Gemini has no end-of-stream marker: the chunk with a finishReason is the last one.
      if (!finish) throw streamCut('gemini', 'a chunk with finishReason');
      yield* endOfStream(toolCalls, geminiUsage(usage), finishWith(finish, toolCalls), model);
    },
  };
}
