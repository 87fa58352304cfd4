// The one place the HTTP layer turns errors into responses: `{ error: { code, message, hint?, details?,
// requestId } }` with the status `httpStatusFor` (core/errors.ts) gives the code. 5xx responses carry a fixed
// message and the request id, never the error's text or stack (it may hold paths, SQL or another tenant's
// data); the full error goes to the server log under the same request id.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { httpStatusFor, isStrataError, StrataError, type ErrorCode } from '../../core/errors.js';
import type { AppEnv, LogFn } from '../types.js';

export interface ErrorBody {
  error: { code: ErrorCode | 'payload-too-large' | 'unsupported-media-type'; message: string; hint?: string; details?: Record<string, unknown>; requestId?: string };
}

const SERVER_MESSAGES: Partial<Record<number, string>> = {
  503: 'a dependency of the service is unavailable; retry shortly',
  500: 'internal error; report the request id to the operator',
};

/** Hono's own HTTPExceptions (body limit, media type gate) keep their status, with our body. */
const HTTP_EXCEPTION_CODES: Record<number, ErrorBody['error']['code']> = {
  400: 'invalid-input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
};

export function errorResponse(c: Context<AppEnv>, err: unknown, log?: LogFn): Response {
  const requestId = c.get('requestId');
  let status: number;
  let body: ErrorBody['error'];
  if (err instanceof HTTPException && HTTP_EXCEPTION_CODES[err.status]) {
    status = err.status;
    const message =
      err.status === 415
        ? `content type "${c.req.header('content-type') ?? '(none)'}" is not accepted by this route; /docs lists the media types of each route`
        : err.message || 'request refused';
    body = { code: HTTP_EXCEPTION_CODES[err.status]!, message };
  } else {
    status = httpStatusFor(err);
    const e = isStrataError(err) ? err : null;
    const code: ErrorCode = e && status < 500 ? e.code : status === 503 ? 'unavailable' : 'internal';
    body =
      status >= 500
        ? { code, message: SERVER_MESSAGES[status] ?? SERVER_MESSAGES[500]! }
        : { code, message: e!.message.replace(/^\[strata\] \[[^\]]*\] /, ''), ...(e!.hint ? { hint: e!.hint } : {}), ...(Object.keys(e!.details).length ? { details: e!.details } : {}) };
    if (e?.code === 'rate-limited' && typeof e.details.retryAfterSeconds === 'number') {
      c.header('Retry-After', String(e.details.retryAfterSeconds));
    }
  }
  if (status >= 500) {
    log?.('error', 'request failed', { requestId, method: c.req.method, path: c.req.path, status, error: describeForLog(err) });
  }
  return c.json({ error: { ...body, ...(requestId ? { requestId } : {}) } }, status as ContentfulStatusCode);
}

export function errorHandler(log?: LogFn): ErrorHandler<AppEnv> {
  return (err, c) => errorResponse(c, err, log);
}

export function notFoundHandler(): NotFoundHandler<AppEnv> {
  return (c) => errorResponse(c, new StrataError('server', 'not-found', `no route for ${c.req.method} ${c.req.path}`, { hint: 'the API reference is at /docs' }));
}

/**
 * The zod-openapi validation hook: a failed request schema becomes an `invalid-input` error naming each field,
 * thrown so that it reaches the error handler like every other error.
 */
export function validationHook(result: { success: true } | { success: false; error: ZodError; target?: string }): void {
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
  const where = result.target === 'json' || result.target === 'form' ? 'body' : (result.target ?? 'request');
  throw new StrataError('server', 'invalid-input', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: { issues },
  });
}

function describeForLog(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { value: String(err) };
  const cause = (err as { cause?: unknown }).cause;
  return { name: err.name, message: err.message, stack: err.stack, ...(cause instanceof Error ? { cause: cause.message } : {}) };
}
