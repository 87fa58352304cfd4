// Bounded concurrency and a per-provider request rate, as one wrapper around provider calls.
import { StrataError } from '../core/errors.js';

export interface LimiterOptions {
  /** Calls in flight at once. */
  concurrency: number;
  /** Calls started per minute (token bucket, burst = one second's worth, at least 1); 0 = unlimited. */
  requestsPerMinute: number;
  now?: () => number;
}

export interface Limiter {
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createLimiter(options: LimiterOptions): Limiter {
  // A concurrency below 1 would queue every call forever; a negative rate would never refill.
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || !(options.requestsPerMinute >= 0)) {
    throw new StrataError('models', 'config', `invalid limiter settings: concurrency ${options.concurrency}, requestsPerMinute ${options.requestsPerMinute}`, {
      hint: 'concurrency must be an integer ≥ 1 and requestsPerMinute ≥ 0 (0 = unlimited)',
    });
  }
  const now = options.now ?? (() => performance.now());
  const perMs = options.requestsPerMinute / 60_000;
  const burst = Math.max(1, options.requestsPerMinute / 60);
  let tokens = burst;
  let last = now();
  let active = 0;
  const waiting: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  function refill() {
    const t = now();
    tokens = Math.min(burst, tokens + (t - last) * perMs);
    last = t;
  }

  function pump() {
    while (waiting.length > 0 && active < options.concurrency) {
      if (perMs > 0) {
        refill();
        if (tokens < 1) {
          if (!timer) {
            timer = setTimeout(() => {
              timer = undefined;
              pump();
            }, Math.ceil((1 - tokens) / perMs));
          }
          return;
        }
        tokens -= 1;
      }
      active++;
      waiting.shift()!();
    }
  }

  return {
    async run(fn, signal) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = waiting.indexOf(go);
          if (i !== -1) waiting.splice(i, 1);
          reject(signal!.reason as Error);
        };
        if (signal?.aborted) return reject(signal.reason as Error);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(go);
        pump();
      });
      try {
        return await fn();
      } finally {
        active--;
        pump();
      }
    },
  };
}
