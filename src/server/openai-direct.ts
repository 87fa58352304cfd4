// The gateway's OpenAI-compatible POST endpoints — /v1/chat/completions (streaming included) and /v1/embeddings,
// also under the /v1/workspaces/{workspace}/ alias — served on node:http directly, in front of the Hono app
// (`DirectRoutes`, put in front by node.ts). They are the latency-critical path of the gateway: every model call of
// every client pays what the server adds, and here a call costs about 40 % less CPU than through Hono (no Web
// Request, Headers, Response or body stream is built, no middleware chain composed; docs/BENCHMARKS.md, session 7).
// They keep the API's rules by sharing its pieces, not copying them: the same authenticator and rate limiter
// instances (so a key has one limit), request ids, security headers, body limit, zod schemas and validation
// messages, and OpenAI-shaped errors (gateway/openai-wire.ts). Their OpenAPI description stays with the other
// gateway routes (routes/gateway.ts). Order: request id → declared body size → authentication → rate limit →
// workspace alias guard → media type → body read and validation → gateway. Every role may call them (reader and up).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { z, ZodType } from 'zod';
import { StrataError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { CLASSIFICATIONS, type Classification } from '../core/types.js';
import { base64Vector, ChatCompletionBody, chunkJson, completionJson, EmbeddingsBody, finishReason, openAiError, openAiErrorHeaders, toChatRequest, toolCallDelta } from '../gateway/openai-wire.js';
import type { GatewayCallContext, GatewayEvent } from '../gateway/types.js';
import type { Usage } from '../models/types.js';
import { clientSignal } from './client-signal.js';
import type { Authenticated, Authenticator } from './middleware/auth.js';
import { declaredOver, tooLargeMessage } from './middleware/body-limit.js';
import { validationHook } from './middleware/errors.js';
import type { RateLimiter } from './middleware/rate-limit.js';
import { REQUEST_ID_HEADER, requestIdFor } from './middleware/request-id.js';
import { SECURITY_HEADERS } from './middleware/security-headers.js';
import type { DirectRoutes, LogFn, RouteDeps } from './types.js';

export interface OpenAiDirectOptions {
  gateway: RouteDeps['gateway'];
  log: LogFn;
  authenticate: Authenticator;
  limiter: RateLimiter;
  /** Largest accepted body, in bytes (the API's limit for everything but uploads). */
  maxBodyBytes: number;
}

/** `/v1/chat/completions` or `/v1/embeddings`, optionally under `/v1/workspaces/{workspace}/`, with any query string. */
const PATH = /^\/v1\/(?:workspaces\/([^/?]+)\/)?(chat\/completions|embeddings)(?:\?.*)?$/;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** A refusal of the HTTP exchange itself (body too large, not JSON): its own status, OpenAI's error shape. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function openAiDirectRoutes(options: OpenAiDirectOptions): DirectRoutes {
  const { gateway, log, authenticate, limiter, maxBodyBytes } = options;

  /** Writes a whole answer with the headers every API response carries. */
  const send = (res: ServerResponse, status: number, requestId: string, body: unknown, extra?: OutgoingHttpHeaders) => {
    const text = JSON.stringify(body);
    const headers = responseHeaders(requestId, 'application/json');
    headers['content-length'] = Buffer.byteLength(text);
    if (extra) for (const k in extra) headers[k] = extra[k];
    res.writeHead(status, headers);
    res.end(text);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, requestId: string, err: unknown) => {
    if (res.headersSent) {
      // Only a stream can fail after its head was sent; it reports its own errors. Anything else: end the exchange.
      res.destroy();
      return;
    }
    if (err instanceof Refusal) {
      // The body the Hono routes give a refused exchange (routes/gateway.ts openAiErrorHandler), with its own status.
      send(res, err.status, requestId, openAiError(new StrataError('server', 'invalid-input', err.message)).body);
      return;
    }
    const e = openAiError(err);
    if (e.status >= 500) log('error', 'gateway request failed', { requestId, path: req.url, status: e.status, error: String(err) });
    send(res, e.status, requestId, e.body, openAiErrorHeaders(e));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, workspace: string | undefined, embeddings: boolean) => {
    const requestId = requestIdFor(header(req, REQUEST_ID_HEADER));
    try {
      if (declaredOver(req.headers['content-length'], req.headers['transfer-encoding'], maxBodyBytes)) throw new Refusal(413, tooLargeMessage(maxBodyBytes));
      const who = await authenticate(header(req, 'authorization'));
      limiter.take(who.credential.id);
      if (workspace !== undefined) {
        // A workspace other than the credential's gets the same 404 as one that does not exist.
        const named = decodedOrNull(workspace);
        if (named === null || (named !== who.workspaceName && named !== who.caller.workspaceId)) {
          throw new StrataError('server', 'not-found', `workspace "${named ?? workspace}" not found`);
        }
      }
      const type = header(req, 'content-type');
      if (type !== undefined && !JSON_TYPE.test(type)) throw new Refusal(415, `content type "${type}" is not accepted: send the body as JSON (content-type: application/json)`);
      const json = await readJson(req, maxBodyBytes);
      const ctx = callContext(req, who, requestId);
      if (embeddings) await embed(res, requestId, parse(EmbeddingsBody, json), ctx);
      else await chat(res, requestId, parse(ChatCompletionBody, json), ctx);
    } catch (err) {
      fail(req, res, requestId, err);
    }
  };

  const chat = async (res: ServerResponse, requestId: string, body: ChatCompletionBody, ctx: GatewayCallContext) => {
    const id = `chatcmpl-${newId('c').replace(/[^A-Za-z0-9]/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream) return streamCompletion(res, requestId, body, ctx, id, created);
    const r = await gateway.complete(body.model, toChatRequest(body), ctx);
    send(res, 200, requestId, completionJson(id, created, r.route.modelId, r), {
      'x-strata-model': r.route.modelId,
      'x-strata-cost-usd': String(r.costUsd),
      'x-strata-cache': r.route.cacheHit ? 'hit' : 'miss',
    });
  };

  const embed = async (res: ServerResponse, requestId: string, body: EmbeddingsBody, ctx: GatewayCallContext) => {
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    const r = await gateway.embed(body.model, input, ctx);
    const dims = r.vectors[0]?.length ?? 0;
    if (body.dimensions !== undefined && body.dimensions !== dims) {
      throw new StrataError('gateway', 'invalid-input', `${r.modelId} makes ${dims}-dimensional vectors; ${body.dimensions} were asked for`, { details: { kind: 'dimensions' } });
    }
    const data = r.vectors.map((v, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Vector(v) : Array.from(v) }));
    send(res, 200, requestId, { object: 'list', data, model: r.modelId, usage: { prompt_tokens: r.usage.inputTokens, total_tokens: r.usage.inputTokens } }, {
      'x-strata-model': r.modelId,
      'x-strata-cost-usd': String(r.costUsd),
    });
  };

  /**
   * The stream starts only once the gateway produced its first event, so refusals and upstream failures before any
   * text still get a proper HTTP status. After that, a failure is sent as an OpenAI error event. A client that
   * disconnects aborts the gateway call (and the upstream request), which records its usage.
   */
  const streamCompletion = async (res: ServerResponse, requestId: string, body: ChatCompletionBody, ctx: GatewayCallContext, id: string, created: number) => {
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abort.abort(new Error('the client closed the connection'));
    };
    res.once('close', onClose);
    const events = gateway.stream(body.model, toChatRequest(body), { ...ctx, signal: abort.signal })[Symbol.asyncIterator]();
    let next: IteratorResult<GatewayEvent>;
    try {
      next = await events.next();
    } catch (e) {
      res.off('close', onClose);
      throw e;
    }
    res.writeHead(200, responseHeaders(requestId, 'text/event-stream; charset=utf-8'));
    const frames = sseFrames(id, created, body.model, body.stream_options?.include_usage === true);
    try {
      for (; !next.done; next = await events.next()) {
        if (res.destroyed) break;
        const frame = frames(next.value);
        if (frame && !res.write(frame)) await drained(res);
      }
      if (!res.destroyed) res.end('data: [DONE]\n\n');
    } catch (err) {
      if (!res.destroyed) res.end(`data: ${JSON.stringify(openAiError(err).body)}\n\n`);
    } finally {
      res.off('close', onClose);
      if (abort.signal.aborted || res.destroyed) {
        abort.abort();
        await events.return?.(undefined);
      }
    }
  };

  return {
    handle(req, res) {
      if (req.method !== 'POST') return false;
      const m = PATH.exec(req.url ?? '');
      if (!m) return false;
      void serve(req, res, m[1], m[2] === 'embeddings');
      return true;
    },
  };
}

/** The `chat.completion.chunk` frames of a stream's events; null for events without a frame of their own (usage). */
function sseFrames(id: string, created: number, alias: string, includeUsage: boolean): (ev: GatewayEvent) => string | null {
  let model = alias;
  let toolIndex = 0;
  let reported: Usage | undefined;
  const usageField = includeUsage ? null : undefined;
  const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
  return (ev) => {
    switch (ev.type) {
      case 'route':
        model = ev.route.modelId;
        return frame(chunkJson(id, created, model, { role: 'assistant', content: '' }, null, usageField));
      case 'text':
        return frame(chunkJson(id, created, model, { content: ev.text }, null, usageField));
      case 'tool-call':
        return frame(chunkJson(id, created, model, toolCallDelta(toolIndex++, ev.call), null, usageField));
      case 'finish':
        return frame(chunkJson(id, created, model, {}, finishReason(ev.finishReason), usageField));
      case 'cost':
        // The usage the client sees: what the provider reported for the answer (the cost event sums every attempt).
        return includeUsage ? frame(chunkJson(id, created, model, null, null, reported ?? ev.usage)) : null;
      case 'usage':
        reported = ev.usage;
        return null;
    }
  };
}

function callContext(req: IncomingMessage, who: Authenticated, requestId: string): GatewayCallContext {
  const declared = header(req, 'x-strata-classification');
  if (declared !== undefined && !(CLASSIFICATIONS as readonly string[]).includes(declared)) {
    throw new StrataError('server', 'invalid-input', `x-strata-classification must be one of ${CLASSIFICATIONS.join(', ')}; got "${declared}"`);
  }
  const cache = header(req, 'x-strata-cache');
  return {
    workspaceId: who.caller.workspaceId,
    keyId: who.credential.id,
    traceId: requestId,
    actor: `user:${who.caller.subject}`,
    ...(declared ? { classification: declared as Classification } : {}),
    ...(cache === 'true' || cache === 'false' ? { cache: cache === 'true' } : {}),
    // The connection's signal (one per keep-alive connection, see client-signal.ts), not one per request.
    signal: clientSignal(req.socket),
  };
}

/**
 * A response's content type, request id and security headers, in a fresh object literal that callers add to.
 * Not `{ ...SHARED_CONSTANT, … }`: measured at 500 requests/s, header objects built by spreading a shared constant
 * first made V8 keep each answer's strings alive through young-generation collections (2.6× the bytes promoted,
 * 4.2 instead of 2.8 ms a collection; docs/BENCHMARKS.md, session 7).
 */
function responseHeaders(requestId: string, contentType: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'content-type': contentType };
  headers[REQUEST_ID_HEADER] = requestId;
  for (const [k, v] of SECURITY_HEADERS) headers[k] = v;
  return headers;
}

/** A path segment decoded, or null when its %-escapes are malformed. */
function decodedOrNull(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** The body checked against its schema, with the API's validation messages (middleware/errors.ts). */
function parse<S extends ZodType>(schema: S, json: unknown): z.infer<S> {
  const r = schema.safeParse(json);
  if (!r.success) validationHook({ success: false, error: r.error, target: 'json' });
  return r.data as z.infer<S>;
}

/**
 * Reads the whole body (at most `max` bytes, chunked bodies included) and parses it as JSON. Its listeners are
 * removed once it settles: a request object can stay reachable from its keep-alive connection until the next
 * request, and listeners left on it would keep the body and this closure alive as long.
 */
function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const settle = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) {
        parts.push(chunk);
        return;
      }
      settle();
      req.resume(); // the rest is drained, not kept
      reject(new Refusal(413, tooLargeMessage(max)));
    };
    const onEnd = () => {
      settle();
      const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new Refusal(400, text.trim() === '' ? 'the request body is empty: send a JSON object' : `the request body is not valid JSON (${(e as Error).message})`));
      }
    };
    // Without an 'error' listener, Node does not emit one on a request: removing it in `settle` is safe.
    const onError = (e: unknown) => {
      settle();
      reject(e);
    };
    const onClose = () => {
      settle();
      reject(new Refusal(400, 'the client closed the connection before the whole body was sent'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Resolves when a response's buffered data has been flushed, or its connection is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
