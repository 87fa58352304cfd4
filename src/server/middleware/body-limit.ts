// Request body limits, shared by the Hono app (`bodyLimits`) and the gateway's endpoints on node:http
// (openai-direct.ts): the sizes, the check of a declared Content-Length, and the refusal's message.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../types.js';

/** Bodies of routes other than uploads (search requests, directory edits, model calls…). */
export const SMALL_BODY = 1024 * 1024;

/** The message of every 413. */
export const tooLargeMessage = (max: number): string => `the request body is larger than ${max} bytes`;

/**
 * Whether a request's declared body is over `max` (or its Content-Length is not a number). Only meaningful without
 * Transfer-Encoding: then Node's parser never delivers more bytes than the header says.
 */
export function declaredOver(contentLength: string | undefined, transferEncoding: string | undefined, max: number): boolean {
  return contentLength !== undefined && transferEncoding === undefined && (!/^\d+$/.test(contentLength) || Number(contentLength) > max);
}

/**
 * Uploads may be as large as server.maxUploadBytes (twice that for escaped JSON text); everything else 1 MiB.
 * A declared Content-Length is checked from the header: Hono's bodyLimit reads `c.req.raw.body`, which makes the
 * Node adapter build a full Request and web stream for every POST — a third of a search's cost. Chunked bodies,
 * which have no length, are counted by bodyLimit.
 */
export function bodyLimits(maxUploadBytes: number): MiddlewareHandler<AppEnv> {
  const refuse = (max: number) => () => {
    throw new HTTPException(413, { message: tooLargeMessage(max) });
  };
  const uploadMax = maxUploadBytes * 2 + 64 * 1024;
  const upload = bodyLimit({ maxSize: uploadMax, onError: refuse(uploadMax) });
  const small = bodyLimit({ maxSize: SMALL_BODY, onError: refuse(SMALL_BODY) });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const isUpload = c.req.method === 'POST' && /\/collections\/[^/]+\/documents$/.test(c.req.path);
    const length = c.req.header('content-length');
    const encoding = c.req.header('transfer-encoding');
    if (length !== undefined && encoding === undefined) {
      const max = isUpload ? uploadMax : SMALL_BODY;
      if (declaredOver(length, encoding, max)) refuse(max)();
      return next();
    }
    return (isUpload ? upload : small)(c, next);
  };
}
