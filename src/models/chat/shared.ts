// What every chat adapter shares: the provider config it is built from, the HTTP client made from it, a
// watchdog for streams that go silent, the "stream ended before its terminal event" error, assembly of tool
// calls streamed in fragments, and the rule that a stream ends with tool calls, then one usage, then one finish.
import { StrataError } from '../../core/errors.js';
import { providerClient, providerError, redact, trimSlash, type HttpClient, type ProviderErrorKind } from '../http.js';
import type { ChatEvent, ChatResult, FinishReason, ToolCall, Usage } from '../types.js';

export type ChatProviderName =
  | 'openai'
  | 'azure-openai'
  | 'anthropic'
  | 'gemini'
  | 'mistral'
  | 'cohere'
  | 'ollama'
  | 'openai-compatible'
  | 'llama-cpp';

/**
 * One configured chat provider, as `createChatModel` takes it (the config schema in core/config-models.ts mirrors
 * this). Which fields matter depends on the provider:
 * - `baseUrl`: every hosted provider has a default (the vendor's public endpoint; Ollama `http://127.0.0.1:11434`)
 *   except `azure-openai` (`https://<resource>.openai.azure.com`) and `openai-compatible`, which require one
 *   (e.g. `http://127.0.0.1:8000/v1` for vLLM).
 * - `apiKey`: required by openai, azure-openai, anthropic, gemini, mistral, cohere; optional for
 *   openai-compatible and ollama (sent as a bearer token when set); unused by llama-cpp.
 * - `deployment` and `apiVersion`: azure-openai (deployment required; apiVersion defaults to 2024-10-21).
 * - `modelPath`: llama-cpp, the GGUF file; `contextSize` optionally caps its context (default: the model's).
 * - `timeoutMs`: per attempt, until the answer (or a stream's headers) arrives, and the longest silence allowed
 *   between two pieces of a stream. `maxRetries`: attempts after the first for 429, 5xx, timeouts and
 *   connection failures (never once a stream has started).
 * - `headers`: extra headers sent with every request (organisation ids, proxies); they never override auth.
 */
export interface ChatProviderConfig {
  provider: ChatProviderName;
  baseUrl?: string;
  apiKey?: string;
  deployment?: string;
  apiVersion?: string;
  modelPath?: string;
  contextSize?: number;
  timeoutMs: number;
  maxRetries: number;
  headers?: Record<string, string>;
}

/** Injected in tests (no real waiting for Retry-After), never set by configuration. */
export interface ChatAdapterDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function clientFor(provider: string, config: ChatProviderConfig, deps: ChatAdapterDeps = {}): HttpClient {
  return providerClient(provider, config, deps, { baseDelayMs: 250, maxDelayMs: 20_000 });
}

export function configError(provider: string, message: string, hint: string): StrataError {
  return new StrataError(`provider:${provider}`, 'config', message, { details: { provider }, hint });
}

/** Base URL without trailing slashes; the vendor default when none is configured. */
export function baseUrlOf(config: ChatProviderConfig, fallback?: string): string {
  const url = config.baseUrl ?? fallback;
  if (!url) throw configError(config.provider, `${config.provider} needs a baseUrl`, 'set baseUrl to the server\'s API root');
  try {
    new URL(url);
  } catch {
    throw configError(config.provider, `${config.provider} baseUrl is not a URL: ${url}`, 'use an absolute http(s) URL');
  }
  return trimSlash(url);
}

export function requireKey(config: ChatProviderConfig): string {
  if (!config.apiKey) {
    throw configError(config.provider, `${config.provider} needs an apiKey`, `set apiKey for the ${config.provider} provider (e.g. from an environment variable in the config file)`);
  }
  return config.apiKey;
}

/** Configured extra headers first, so they can never replace the adapter's auth headers. */
export const withHeaders = (config: ChatProviderConfig, own: Record<string, string>): Record<string, string> => ({ ...config.headers, ...own });

/**
 * Wraps a streaming body so a gap longer than `ms` between two pieces fails with kind `timeout` (the HTTP
 * client's timer covers only the wait for the headers, so a generation may run as long as it keeps talking),
 * and a cancelled `signal` fails with kind `aborted`.
 */
export function watchIdle(body: ReadableStream<Uint8Array> | null, ms: number, provider: string, signal?: AbortSignal): ReadableStream<Uint8Array> | null {
  if (!body) return body;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: NodeJS.Timeout | undefined;
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(providerError(provider, 'timeout', `${provider} went silent for ${ms} ms in the middle of a stream`)), ms);
      });
      try {
        const r = await Promise.race([reader.read(), silence]);
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        reader.cancel().catch(() => undefined);
        // The caller's signal also aborts the body: say so, rather than "the stream broke off".
        controller.error(signal?.aborted ? providerError(provider, 'aborted', `the stream from ${provider} was cancelled`, { cause: e }) : e);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** A stream that stopped before the vendor's terminal event: never a silent partial success. */
export const streamCut = (provider: string, terminal: string): StrataError =>
  providerError(provider, 'unavailable', `the stream from ${provider} ended before ${terminal}: the answer is incomplete`);

export const malformed = (provider: string, what: string): StrataError =>
  providerError(provider, 'malformed', `${provider} answered without ${what}`);

/**
 * An error reported inside a 200 response (a stream's error event, or an error object instead of a result),
 * classified like an HTTP error would be from the vendor's status, type or message.
 */
export function inBandError(provider: string, e: { status?: number; type?: string; message?: string }, secrets: readonly string[] = []): StrataError {
  const text = redact(`${e.message ?? 'no message'}`, secrets).slice(0, 300);
  const tag = `${e.type ?? ''} ${e.status ?? ''}`;
  let kind: ProviderErrorKind = 'unavailable';
  if (e.status === 429 || /rate.?limit|resource_exhausted|too_many_requests/i.test(tag)) kind = 'rate-limit';
  else if (/context|too long|too many tokens|maximum.*tokens|token limit/i.test(`${tag} ${text}`)) kind = 'context-length';
  else if (e.status === 401 || e.status === 403 || /auth|permission|api.?key/i.test(tag)) kind = 'auth';
  else if (e.status === 400 || /invalid_request|invalid_argument|bad.?request/i.test(tag)) kind = 'bad-request';
  return providerError(provider, kind, `${provider} reported an error${e.type ? ` (${e.type})` : ''}: ${text}`, { status: e.status });
}

/** Collects tool calls streamed as fragments (id and name first, arguments in pieces), keyed by position. */
export function createToolCallAssembler(provider: string) {
  const calls = new Map<number, { id?: string; name?: string; args: string }>();
  // Position -> slot: a new id at a position already holding another call opens a new slot (Mistral sends each
  // call whole, sometimes all at index 0).
  const slotOf = new Map<number | string, number>();
  return {
    add(key: number | string, part: { id?: string; name?: string; args?: string }) {
      let slot = slotOf.get(key);
      if (slot === undefined || (part.id && calls.get(slot)?.id && calls.get(slot)?.id !== part.id)) {
        slot = calls.size;
        slotOf.set(key, slot);
      }
      const cur = calls.get(slot) ?? { args: '' };
      calls.set(slot, cur);
      if (part.id) cur.id = part.id;
      if (part.name && !cur.name) cur.name = part.name; // sent once; some servers repeat it in every fragment
      if (part.args) cur.args += part.args;
    },
    /** Complete calls in order; a call without a name is the provider's fault. */
    done(): ToolCall[] {
      return [...calls.values()].map((c, i) => {
        if (!c.name) throw providerError(provider, 'malformed', `${provider} streamed a tool call without a function name`);
        return { id: c.id ?? `call_${i}`, name: c.name, arguments: c.args === '' ? '{}' : c.args };
      });
    },
    get size() {
      return calls.size;
    },
  };
}

/** The end of every stream: complete tool calls, one usage, one finish, in that order. */
export function* endOfStream(calls: ToolCall[], usage: Usage, finishReason: FinishReason, model: string): Generator<ChatEvent> {
  for (const call of calls) yield { type: 'tool-call', call };
  yield { type: 'usage', usage };
  yield { type: 'finish', finishReason, model };
}

/** Builds a Usage, leaving out optional counts the vendor did not report. */
export function usageOf(input: number | undefined, output: number | undefined, cached?: number, reasoning?: number): Usage {
  const u: Usage = { inputTokens: num(input), outputTokens: num(output) };
  if (typeof cached === 'number') u.cachedInputTokens = cached;
  if (typeof reasoning === 'number') u.reasoningTokens = reasoning;
  return u;
}

const num = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/** Tool calls win over the vendor's "stop": callers act on tool calls, whatever the vendor called the ending. */
export const finishWith = (reason: FinishReason, calls: readonly ToolCall[]): FinishReason => (calls.length > 0 && reason === 'stop' ? 'tool_calls' : reason);

/** Drains a stream into a result; used by adapters whose only transport is a stream (llama-cpp). */
export async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatResult> {
  let text = '';
  const toolCalls: ToolCall[] = [];
  let usage: Usage = usageOf(0, 0);
  for await (const ev of events) {
    if (ev.type === 'text') text += ev.text;
    else if (ev.type === 'tool-call') toolCalls.push(ev.call);
    else if (ev.type === 'usage') usage = ev.usage;
    else return { text, toolCalls, usage, finishReason: ev.finishReason, model: ev.model };
  }
  throw new StrataError('provider', 'internal', 'a chat stream ended without a finish event');
}
