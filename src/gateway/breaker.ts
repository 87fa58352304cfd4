// A circuit breaker per model: after `failureThreshold` consecutive failures the model is skipped for
// `cooldownMs`; then one probe call is let through (half-open). A success closes the circuit, a failure opens
// it for another cool-down. Failures are the provider's (unavailable, timeout, rate limit, garbage), never
// the caller's (bad request, context too long).

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now: () => number;
}

export interface CircuitBreakers {
  /** True when a call to this model may start now; in half-open state, only one probe at a time. */
  tryAcquire(modelId: string): boolean;
  success(modelId: string): void;
  failure(modelId: string): void;
  /** Releases a half-open probe that ended without a verdict (the caller aborted). */
  release(modelId: string): void;
  state(modelId: string): CircuitState;
}

interface Circuit {
  failures: number;
  openUntil: number;
  probing: boolean;
}

export function createCircuitBreakers(options: BreakerOptions): CircuitBreakers {
  const circuits = new Map<string, Circuit>();
  const get = (id: string): Circuit => {
    let c = circuits.get(id);
    if (!c) circuits.set(id, (c = { failures: 0, openUntil: 0, probing: false }));
    return c;
  };
  const stateOf = (c: Circuit): CircuitState => {
    if (c.failures < options.failureThreshold) return 'closed';
    return options.now() < c.openUntil ? 'open' : 'half-open';
  };
  return {
    tryAcquire(id) {
      const c = get(id);
      const s = stateOf(c);
      if (s === 'closed') return true;
      if (s === 'open' || c.probing) return false;
      c.probing = true;
      return true;
    },
    success(id) {
      const c = get(id);
      c.failures = 0;
      c.probing = false;
    },
    failure(id) {
      const c = get(id);
      c.failures++;
      c.probing = false;
      if (c.failures >= options.failureThreshold) c.openUntil = options.now() + options.cooldownMs;
    },
    release(id) {
      get(id).probing = false;
    },
    state: (id) => stateOf(get(id)),
  };
}
