// Every request gets a trace id: the caller's `x-request-id` when it is a sane token, otherwise a new one.
// It is returned in the same header, stored in audit entries and logs, and joins them together.
import type { MiddlewareHandler } from 'hono';
import { newId } from '../../core/ids.js';
import type { AppEnv } from '../types.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Long enough for UUIDs and W3C trace ids; no spaces or control characters (they end up in logs). */
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

const generated = () => newId('req');

/** The request's trace id: the caller's when it is a sane token, otherwise a new one. */
export const requestIdFor = (given: string | undefined, generate: () => string = generated): string => (given && ACCEPTED.test(given) ? given : generate());

export function requestId(options: { generate?: () => string } = {}): MiddlewareHandler<AppEnv> {
  const generate = options.generate ?? generated;
  return async (c, next) => {
    const id = requestIdFor(c.req.header(REQUEST_ID_HEADER), generate);
    c.set('requestId', id);
    // Set before the handler: responses built later, error responses included, carry it.
    c.header(REQUEST_ID_HEADER, id);
    await next();
  };
}
