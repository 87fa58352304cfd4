// Per-key budgets (USD per UTC day and month) and request rates. Spend is kept in memory, seeded on a key's first
// request from the usage records in the store (so a restart does not reset a budget), and charged by the gateway
// after every request. A request is admitted while the key has budget left; a stream is stopped once its running
// cost would pass what was left (see gateway.ts). Concurrent requests admitted together may overshoot by their
// own cost: a budget is a ceiling checked per request, not a reservation.
import type { BudgetConfig } from '../core/config-models.js';
import { StrataError } from '../core/errors.js';
import type { UsageStore } from '../store/usage.js';

export interface KeyLimits {
  /** Refuses (`rate-limited`) a request over the key's rate or budget; resolves otherwise. */
  admit(keyId: string | undefined): Promise<void>;
  /** USD the key may still spend now (Infinity without a budget). Valid after `admit`. */
  remaining(keyId: string | undefined): number;
  charge(keyId: string | undefined, costUsd: number): void;
}

interface KeyState {
  limits: BudgetConfig;
  day: number;
  month: number;
  daySpend: number;
  monthSpend: number;
  loading: Promise<void> | null;
  tokens: number;
  refilledAt: number;
}

const DAY_MS = 86_400_000;
const dayStart = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
const monthStart = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextMonth = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

export function createKeyLimits(options: {
  defaults: BudgetConfig;
  perKey: Record<string, BudgetConfig>;
  store?: Pick<UsageStore, 'usageCostSince'>;
  now: () => number;
}): KeyLimits {
  const states = new Map<string, KeyState>();
  const hasBudget = (l: BudgetConfig) => l.usdPerDay !== undefined || l.usdPerMonth !== undefined;
  const limitsOf = (keyId: string): BudgetConfig => ({ ...options.defaults, ...options.perKey[keyId] });
  const noLimits = !hasBudget(options.defaults) && options.defaults.requestsPerMinute === undefined && Object.keys(options.perKey).length === 0;

  function stateOf(keyId: string): KeyState {
    let s = states.get(keyId);
    const t = options.now();
    if (!s) {
      const limits = limitsOf(keyId);
      s = { limits, day: dayStart(t), month: monthStart(t), daySpend: 0, monthSpend: 0, loading: null, tokens: burstOf(limits), refilledAt: t };
      states.set(keyId, s);
      if (hasBudget(limits) && options.store) s.loading = load(keyId, s);
    } else {
      // A new UTC day or month starts from zero.
      if (dayStart(t) !== s.day) {
        s.day = dayStart(t);
        s.daySpend = 0;
      }
      if (monthStart(t) !== s.month) {
        s.month = monthStart(t);
        s.monthSpend = 0;
      }
    }
    return s;
  }

  async function load(keyId: string, s: KeyState): Promise<void> {
    const store = options.store!;
    const [d, m] = await Promise.all([store.usageCostSince(keyId, new Date(s.day).toISOString()), store.usageCostSince(keyId, new Date(s.month).toISOString())]);
    s.daySpend += d;
    s.monthSpend += m;
    s.loading = null;
  }

  const burstOf = (l: BudgetConfig) => (l.requestsPerMinute === undefined ? 0 : Math.max(1, l.requestsPerMinute / 60));

  function remainingOf(s: KeyState): number {
    const day = s.limits.usdPerDay === undefined ? Infinity : s.limits.usdPerDay - s.daySpend;
    const month = s.limits.usdPerMonth === undefined ? Infinity : s.limits.usdPerMonth - s.monthSpend;
    return Math.min(day, month);
  }

  return {
    async admit(keyId) {
      if (keyId === undefined || noLimits) return;
      const s = stateOf(keyId);
      const t = options.now();
      const rpm = s.limits.requestsPerMinute;
      if (rpm !== undefined) {
        s.tokens = Math.min(burstOf(s.limits), s.tokens + ((t - s.refilledAt) / 60_000) * rpm);
        s.refilledAt = t;
        if (s.tokens < 1) {
          const retryAfterSeconds = Math.max(1, Math.ceil(((1 - s.tokens) / rpm) * 60));
          throw new StrataError('gateway', 'rate-limited', `this API key is limited to ${rpm} model requests per minute`, {
            details: { kind: 'rate', requestsPerMinute: rpm, retryAfterSeconds },
            hint: `retry after ${retryAfterSeconds} s, or ask an operator to raise gateway.budgets for this key`,
          });
        }
        s.tokens -= 1;
      }
      if (s.loading) await s.loading;
      if (remainingOf(s) > 0) return;
      const dayOut = s.limits.usdPerDay !== undefined && s.daySpend >= s.limits.usdPerDay;
      const period = dayOut ? 'day' : 'month';
      const limitUsd = dayOut ? s.limits.usdPerDay! : s.limits.usdPerMonth!;
      const retryAfterSeconds = Math.ceil(((dayOut ? s.day + DAY_MS : nextMonth(t)) - t) / 1000);
      throw new StrataError('gateway', 'rate-limited', `the ${period}ly budget of this API key (${limitUsd} USD) is spent`, {
        details: { kind: 'budget', period, limitUsd, spentUsd: dayOut ? s.daySpend : s.monthSpend, retryAfterSeconds },
        hint: `the budget resets at the start of the next UTC ${period}; an operator can raise gateway.budgets`,
      });
    },
    remaining(keyId) {
      if (keyId === undefined || noLimits) return Infinity;
      return remainingOf(stateOf(keyId));
    },
    charge(keyId, costUsd) {
      if (keyId === undefined || noLimits || costUsd <= 0) return;
      const s = stateOf(keyId);
      s.daySpend += costUsd;
      s.monthSpend += costUsd;
    },
  };
}
