// Response headers every API answer carries, set before the handler runs (setting them on a finished Response,
// as hono/secure-headers does, rebuilds its header list: ~50 µs a request, measured under load).
// Answers hold tenant data, so nothing may be cached by browsers or proxies.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types.js';

/** Also sent by the gateway's endpoints on node:http (openai-direct.ts). */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cache-Control', 'no-store'],
];

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [k, v] of SECURITY_HEADERS) c.header(k, v);
    await next();
  };
}
