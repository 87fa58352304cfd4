// HTTP plumbing shared by every hosted provider adapter (embeddings, rerankers, chat): timeouts, retries with
// exponential backoff that honour `Retry-After`, error normalisation into StrataError with a `kind`, and
// streaming readers for server-sent events and NDJSON. Written here rather than taken from a vendor SDK:
// one small client for ten vendors keeps every adapter's behaviour (and its tests) identical.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StrataError, type ErrorCode } from '../core/errors.js';

/** Why a provider call failed, normalised across vendors (`StrataError.details.kind`). */
export type ProviderErrorKind =
  | 'rate-limit'
  | 'context-length'
  | 'auth'
  | 'bad-request'
  | 'not-found'
  | 'unavailable'
  | 'timeout'
  | 'malformed'
  | 'aborted';

const CODE_OF: Record<ProviderErrorKind, ErrorCode> = {
  'rate-limit': 'rate-limited',
  'context-length': 'invalid-input',
  auth: 'unavailable',
  'bad-request': 'invalid-input',
  'not-found': 'not-found',
  unavailable: 'unavailable',
  timeout: 'unavailable',
  malformed: 'unavailable',
  aborted: 'unavailable',
};

const HINT_OF: Partial<Record<ProviderErrorKind, string>> = {
  'rate-limit': 'the provider is throttling: lower the request rate or concurrency in the config, or retry later',
  'context-length': 'the input is longer than the model accepts: shorten it or pick a model with a larger context window',
  auth: 'check the API key (and, for Azure, the deployment and api-version) configured for this provider',
  unavailable: 'the provider could not be reached or failed; check its base URL and status, or configure a fallback',
  timeout: 'the provider did not answer in time; raise timeoutMs or check the provider',
  malformed: 'the provider answered with something that is not its documented format; check the base URL points at the right API',
};

export function providerError(
  provider: string,
  kind: ProviderErrorKind,
  message: string,
  extra: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
): StrataError {
  return new StrataError(`provider:${provider}`, CODE_OF[kind], message, {
    cause: extra.cause,
    details: { kind, provider, status: extra.status, retryAfterSeconds: extra.retryAfterSeconds },
    hint: HINT_OF[kind],
  });
}

export const errorKind = (e: unknown): ProviderErrorKind | undefined =>
  e instanceof StrataError ? (e.details.kind as ProviderErrorKind | undefined) : undefined;

export interface RetryPolicy {
  /** Attempts after the first (0 disables retries). */
  maxRetries: number;
  /** First backoff; doubled per attempt, with ±25 % jitter. */
  baseDelayMs: number;
  /** Longest wait between attempts, including a server's Retry-After. */
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** Used in error messages and `details.provider`. */
  provider: string;
  /** Per attempt, until the response headers arrive (streams) or the body is read (JSON). */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Injected for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Strings never to echo in an error message (API keys). */
  secrets?: readonly string[];
}

export interface ProviderRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClient {
  /** POSTs (or GETs) and parses a JSON answer, retrying what is worth retrying. */
  json<T = unknown>(req: ProviderRequest): Promise<T>;
  /** Like `json` but returns the response once its status is OK, for streaming bodies (retries only before that). */
  stream(req: ProviderRequest): Promise<Response>;
}

export const defaultRetry: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 20_000 };

/** What tests inject into provider adapters (a replay transport, no real waiting for Retry-After); never configured. */
export interface TransportDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The client of one provider from its configured settings: its timeout and retry count, the adapter family's
 * backoff bounds, and its API key redacted from every error message.
 */
export function providerClient(
  provider: string,
  settings: { timeoutMs: number; maxRetries: number; apiKey?: string },
  deps: TransportDeps,
  backoff: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
): HttpClient {
  return createHttpClient({
    provider,
    timeoutMs: settings.timeoutMs,
    retry: { maxRetries: settings.maxRetries, ...backoff },
    fetch: deps.fetch,
    sleep: deps.sleep,
    secrets: settings.apiKey ? [settings.apiKey] : [],
  });
}

/** A base URL without its trailing slashes, ready for `${base}/path`. */
export const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  const { provider } = options;

  async function attempt(req: ProviderRequest, readBody: boolean): Promise<Attempt> {
    const method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    // Copied key by key rather than spread (`{ ...a, ...req.headers }`): see gateway.ts on spreads in the hot path.
    const headers: Record<string, string> = req.body === undefined ? {} : { 'content-type': 'application/json' };
    if (req.headers) for (const k in req.headers) headers[k] = req.headers[k]!;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const failed = (e: unknown, timedOut: boolean): StrataError => {
      if (req.signal?.aborted) return providerError(provider, 'aborted', `request to ${provider} was cancelled`, { cause: e });
      if (timedOut) return providerError(provider, 'timeout', `${provider} did not answer within ${options.timeoutMs} ms`, { cause: e });
      return providerError(provider, 'unavailable', `cannot reach ${provider} at ${originOf(req.url)}: ${redact(String((e as Error).cause ?? (e as Error).message), options.secrets)}`, { cause: e });
    };
    // Whole-body answers go through node:http with keep-alive agents (about a third of fetch's CPU per call),
    // cancelled and timed out by destroying the request — no AbortController, which Node builds at a cost on a
    // gateway's hot path. Streams keep fetch's web ReadableStream, which the SSE/NDJSON readers consume.
    if (readBody && !options.fetch) {
      try {
        return await nodeRequest(req.url, { method, headers, body, signal: req.signal, timeoutMs: options.timeoutMs });
      } catch (e) {
        throw failed(e, e instanceof TimeoutError);
      }
    }
    // A clearable timer rather than AbortSignal.timeout: for streams the limit covers the wait for the headers
    // only; once `attempt` returns, a long generation must not be cut at timeoutMs (readers watch idle gaps).
    // One controller per attempt, with the caller's signal forwarded by a listener (AbortSignal.any and
    // AbortSignal.timeout each build another transferable signal).
    const ctl = new AbortController();
    let timedOut = false;
    let streaming = false;
    const clock = setTimeout(() => {
      timedOut = true;
      ctl.abort(new DOMException('timed out', 'TimeoutError'));
    }, options.timeoutMs);
    const forward = () => ctl.abort(req.signal!.reason);
    if (req.signal?.aborted) forward();
    else req.signal?.addEventListener('abort', forward, { once: true });
    try {
      const res = await doFetch(req.url, { method, headers, body, signal: ctl.signal });
      if (!res.ok || readBody) return { ok: res.ok, status: res.status, headers: res.headers, res, text: await res.text() };
      streaming = true; // the caller's signal must still cut the body it is about to read
      return { ok: true, status: res.status, headers: res.headers, res };
    } catch (e) {
      throw failed(e, timedOut);
    } finally {
      clearTimeout(clock);
      if (!streaming) req.signal?.removeEventListener('abort', forward);
    }
  }

  async function withRetries(req: ProviderRequest, readBody: boolean): Promise<Attempt> {
    for (let n = 0; ; n++) {
      let err: StrataError;
      try {
        const out = await attempt(req, readBody);
        if (out.ok) return out;
        err = statusError(provider, out, out.text ?? '', options.secrets);
      } catch (e) {
        if (!(e instanceof StrataError)) throw e;
        err = e;
      }
      const kind = errorKind(err);
      const retryable = kind === 'rate-limit' || kind === 'unavailable' || kind === 'timeout';
      if (!retryable || n >= options.retry.maxRetries) throw err;
      const serverWait = err.details.retryAfterSeconds as number | undefined;
      if (serverWait !== undefined && serverWait * 1000 > options.retry.maxDelayMs) throw err; // waiting longer is the caller's call
      const backoff = Math.min(options.retry.maxDelayMs, options.retry.baseDelayMs * 2 ** n * (0.75 + Math.random() * 0.5));
      const wait = serverWait !== undefined ? serverWait * 1000 : backoff;
      try {
        await sleep(wait, req.signal);
      } catch (e) {
        // Cancelled while backing off: report it like a cancelled request, not as a bare AbortError.
        if (req.signal?.aborted) throw providerError(provider, 'aborted', `request to ${provider} was cancelled`, { cause: e });
        throw e;
      }
    }
  }

  return {
    async json<T>(req: ProviderRequest): Promise<T> {
      const { text } = await withRetries(req, true);
      try {
        return JSON.parse(text ?? '') as T;
      } catch (e) {
        throw providerError(provider, 'malformed', `${provider} answered with a body that is not JSON: ${snippet(text ?? '', options.secrets)}`, { cause: e });
      }
    },
    async stream(req) {
      return (await withRetries(req, false)).res!;
    },
  };
}

/** What one HTTP attempt gave: the status and headers, the body text when read, the Response for streams. */
interface Attempt {
  ok: boolean;
  status: number;
  /** Only failures read headers (Retry-After), so node:http answers expose a lookup rather than a built Headers. */
  headers: HeaderLookup;
  text?: string;
  res?: Response;
}

type HeaderLookup = Pick<Headers, 'get'>;

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * A provider URL taken apart for node:http, remembered: an adapter calls the same few URLs all the time, and
 * parsing one (`new URL` and node:http's conversion of it) cost ~4 µs of every gateway request's path (one
 * request at a time; docs/BENCHMARKS.md, session 8).
 */
interface Target {
  secure: boolean;
  host: string;
  port: number | undefined;
  path: string;
  /** `user:password` from the URL, as node:http sends it (Basic). */
  auth: string | undefined;
}
const targets = new Map<string, Target>();
const TARGETS_MAX = 1000;

function targetOf(url: string): Target {
  let t = targets.get(url);
  if (t) return t;
  const u = new URL(url);
  // The brackets of an IPv6 literal are URL syntax, not part of the host node:http connects to.
  t = {
    secure: u.protocol === 'https:',
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? undefined : Number(u.port),
    path: u.pathname + u.search,
    auth: u.username || u.password ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined,
  };
  if (targets.size >= TARGETS_MAX) targets.clear(); // URLs that vary per call (Gemini's model in the path) stay bounded
  targets.set(url, t);
  return t;
}

/** One request over node:http(s) with keep-alive, the body read whole; destroyed on timeout or when `signal` aborts. */
function nodeRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal | undefined; timeoutMs: number },
): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const { signal } = init;
    if (signal?.aborted) return reject(signal.reason);
    const { secure, host, port, path, auth } = targetOf(url);
    const send = secure ? httpsRequest : httpRequest;
    const { headers } = init; // the attempt's own object
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const settle = (fn: () => void) => {
      clearTimeout(clock);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    let timedOut = false;
    // Whichever error the destroyed request surfaces (mid-body: 'aborted'), a timeout is reported as one.
    const fail = (e: unknown) => settle(() => reject(timedOut ? new TimeoutError(`no answer within ${init.timeoutMs} ms`, { cause: e }) : e));
    const req = send({ host, port, path, auth, method: init.method, headers, agent: secure ? agents.https : agents.http }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('the connection closed before the answer was complete')));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const get = (name: string) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        settle(() => resolve({ ok: status >= 200 && status < 300, status, headers: { get }, text: Buffer.concat(parts).toString('utf8') }));
      });
    });
    const onAbort = () => req.destroy(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const clock = setTimeout(() => {
      timedOut = true;
      req.destroy(new TimeoutError(`no answer within ${init.timeoutMs} ms`));
    }, init.timeoutMs);
    req.on('error', fail);
    req.end(init.body);
  });
}

function statusError(provider: string, res: Pick<Attempt, 'status' | 'headers'>, body: string, secrets?: readonly string[]): StrataError {
  const status = res.status;
  const detail = upstreamMessage(body, secrets);
  const retryAfterSeconds = parseRetryAfter(res.headers);
  const msg = (what: string) => `${provider} ${what} (HTTP ${status})${detail ? `: ${detail}` : ''}`;
  if (status === 429) return providerError(provider, 'rate-limit', msg('rate-limited the request'), { status, retryAfterSeconds });
  if (status === 401 || status === 403) return providerError(provider, 'auth', msg('refused the credentials'), { status });
  if (status === 404) return providerError(provider, 'not-found', msg('does not know this model or endpoint'), { status });
  if (status === 408 || status === 504) return providerError(provider, 'timeout', msg('timed out'), { status, retryAfterSeconds });
  if (status >= 500) return providerError(provider, 'unavailable', msg('failed'), { status, retryAfterSeconds });
  if (/context|too long|too many tokens|maximum.*tokens|token limit|input length/i.test(detail)) {
    return providerError(provider, 'context-length', msg('refused an input over the model\'s limit'), { status });
  }
  return providerError(provider, 'bad-request', msg('rejected the request'), { status });
}

/** Seconds to wait from `retry-after-ms`, `Retry-After` (seconds or HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(headers: HeaderLookup, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const v = headers.get('retry-after');
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** The human part of a vendor error body (`{error:{message}}`, `{message}`, `{detail}`…), redacted and bounded. */
function upstreamMessage(body: string, secrets?: readonly string[]): string {
  let m: unknown = body;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j.error;
    m = (typeof e === 'object' && e !== null ? (e as Record<string, unknown>).message : e) ?? j.message ?? j.detail ?? body;
  } catch {
    // not JSON: keep the text
  }
  return snippet(typeof m === 'string' ? m : JSON.stringify(m), secrets);
}

function snippet(text: string, secrets?: readonly string[]): string {
  const t = redact(text.replace(/\s+/g, ' ').trim(), secrets);
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/** Removes configured secrets and anything that looks like a bearer token or API key. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/\b(sk|key|strata|AIza)[-_][A-Za-z0-9_-]{12,}/g, '[redacted]').replace(/Bearer\s+[A-Za-z0-9._~+/-]+=*/gi, 'Bearer [redacted]');
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
};

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Server-sent events from a response body: `{ event, data }` per event; comments and retry fields are skipped. */
export async function* readSse(body: ReadableStream<Uint8Array> | null, provider: string): AsyncGenerator<{ event: string | undefined; data: string }> {
  let event: string | undefined;
  let data: string[] = [];
  for await (const line of readLines(body, provider)) {
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      event = undefined;
      data = [];
    } else if (line.startsWith(':')) {
      continue;
    } else {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** One parsed JSON value per non-empty line (Ollama streams this way). */
export async function* readNdjson(body: ReadableStream<Uint8Array> | null, provider: string): AsyncGenerator<unknown> {
  for await (const line of readLines(body, provider)) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch (e) {
      throw providerError(provider, 'malformed', `${provider} streamed a line that is not JSON: ${snippet(line)}`, { cause: e });
    }
  }
}

async function* readLines(body: ReadableStream<Uint8Array> | null, provider: string): AsyncGenerator<string> {
  if (!body) throw providerError(provider, 'malformed', `${provider} answered a streaming request without a body`);
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const part of body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(part, { stream: true });
      let nl: number;
      while ((nl = buf.search(/\r\n|\n|\r/)) !== -1) {
        const sep = buf.startsWith('\r\n', nl) ? 2 : 1;
        yield buf.slice(0, nl);
        buf = buf.slice(nl + sep);
      }
    }
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw providerError(provider, 'unavailable', `the stream from ${provider} broke off: ${(e as Error).message}`, { cause: e });
  }
  buf += decoder.decode();
  if (buf !== '') yield buf;
}

/** Parses JSON from a stream event, with a normalised error when the provider sends garbage. */
export function parseEventJson<T>(data: string, provider: string): T {
  try {
    return JSON.parse(data) as T;
  } catch (e) {
    throw providerError(provider, 'malformed', `${provider} streamed an event that is not JSON: ${snippet(data)}`, { cause: e });
  }
}
