// Per-credential rate limit: a token bucket in memory (`burst` requests at once, refilled at `perSecond`).
// Per process: behind several API processes each enforces its own share. Idle buckets are dropped when the
// map grows, so memory stays bounded by the number of recently active credentials. One limiter serves both the
// Hono routes (`rateLimit`) and the gateway's endpoints on node:http (openai-direct.ts), so a key has one budget.
import type { Context, MiddlewareHandler } from 'hono';
import { StrataError } from '../../core/errors.js';
import type { AppEnv } from '../types.js';

export interface RateLimiterOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
  /** Buckets kept before idle ones are swept. */
  maxBuckets?: number;
}

export interface RateLimiter {
  /** Spends one request of `key`'s bucket; throws a `rate-limited` StrataError (with retryAfterSeconds) when it is empty. */
  take(key: string): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { perSecond, burst } = options;
  const now = options.now ?? Date.now;
  const maxBuckets = options.maxBuckets ?? 10_000;
  const buckets = new Map<string, Bucket>();

  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
  };
  const sweep = (t: number) => {
    for (const [k, b] of buckets) {
      refill(b, t);
      if (b.tokens >= burst) buckets.delete(k);
    }
  };

  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxBuckets) sweep(t);
        b = { tokens: burst, at: t };
        buckets.set(key, b);
      } else {
        refill(b, t);
      }
      if (b.tokens < 1) {
        const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
        throw new StrataError('server', 'rate-limited', `too many requests for this credential (limit ${perSecond}/s, burst ${burst})`, {
          details: { retryAfterSeconds },
          hint: `retry after ${retryAfterSeconds} s, or ask an operator to raise server.rateLimit`,
        });
      }
      b.tokens -= 1;
    },
  };
}

/** The limiter as middleware. Requests without a key are not limited; the default key is the authenticated credential. */
export function rateLimit(limiter: RateLimiter | RateLimiterOptions, key: (c: Context<AppEnv>) => string | undefined = (c) => c.get('credential')?.id): MiddlewareHandler<AppEnv> {
  const l = 'take' in limiter ? limiter : createRateLimiter(limiter);
  return async (c, next) => {
    const k = key(c);
    if (k !== undefined) l.take(k);
    await next();
  };
}
