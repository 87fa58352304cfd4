// Per-key budgets (USD per UTC day and month) and request rates. Spend is read from the usage records in the store
// on a key's first request (so a restart does not reset a budget) and again at most every `refreshMs` (default
// 1 s), so the spend of other server processes sharing the store (`strata serve --workers N`) counts too; between
// reads this process adds what it charges itself. A request is admitted while the key has budget left; a stream is
// stopped once its running cost would pass what was left (see gateway.ts). Requests admitted together, here or in
// another process within one refresh, may overshoot by their own cost: a budget is a ceiling checked per request,
// not a reservation. Request rates are counted per process (`strata serve --workers N` gives each worker 1/N).
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
  /** Spend in the store at the last read: today, and this month (today included). */
  storedDay: number;
  storedMonth: number;
  /** Charged by this process since that read (what the store may not hold yet). */
  localSpend: number;
  /** When spend was last read (0: never, or a new day began). */
  readAt: number;
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
  /** Writes this process's pending usage records, so a read of the store includes them. */
  flushUsage?: () => Promise<void>;
  /** How stale another process's spend may be, in ms (default 1000). */
  refreshMs?: number;
  now: () => number;
}): KeyLimits {
  const refreshMs = options.refreshMs ?? 1000;
  const states = new Map<string, KeyState>();
  const hasBudget = (l: BudgetConfig) => l.usdPerDay !== undefined || l.usdPerMonth !== undefined;
  const limitsOf = (keyId: string): BudgetConfig => ({ ...options.defaults, ...options.perKey[keyId] });
  const noLimits = !hasBudget(options.defaults) && options.defaults.requestsPerMinute === undefined && Object.keys(options.perKey).length === 0;

  function stateOf(keyId: string): KeyState {
    let s = states.get(keyId);
    const t = options.now();
    if (!s) {
      const limits = limitsOf(keyId);
      s = { limits, day: dayStart(t), month: monthStart(t), storedDay: 0, storedMonth: 0, localSpend: 0, readAt: 0, loading: null, tokens: burstOf(limits), refilledAt: t };
      states.set(keyId, s);
    } else if (dayStart(t) !== s.day) {
      // A new UTC day starts from zero (and a new month too) until its first read.
      s.day = dayStart(t);
      s.month = monthStart(t);
      s.storedDay = 0;
      s.storedMonth = 0;
      s.localSpend = 0;
      s.readAt = 0;
    }
    if (hasBudget(s.limits) && options.store && !s.loading && (s.readAt === 0 || t - s.readAt >= refreshMs)) s.loading = read(keyId, s);
    return s;
  }

  /**
   * Reads the key's spend for today and this month back from the store (the SQLite store answers both from its
   * per-day spend table). Charges made while the read is in flight stay counted locally: they may be counted twice
   * until the next read, never missed.
   */
  async function read(keyId: string, s: KeyState): Promise<void> {
    const store = options.store!;
    const day = s.day;
    const before = s.localSpend;
    try {
      await options.flushUsage?.();
      const today = await store.usageCostSince(keyId, new Date(day).toISOString());
      const month = await store.usageCostSince(keyId, new Date(s.month).toISOString());
      if (s.day !== day) return; // a new day began meanwhile; its own read follows
      s.storedDay = today;
      s.storedMonth = month;
      s.localSpend -= before;
      s.readAt = options.now();
    } finally {
      s.loading = null;
    }
  }

  const daySpend = (s: KeyState) => s.storedDay + s.localSpend;
  const monthSpend = (s: KeyState) => s.storedMonth + s.localSpend;

  const burstOf = (l: BudgetConfig) => (l.requestsPerMinute === undefined ? 0 : Math.max(1, l.requestsPerMinute / 60));

  function remainingOf(s: KeyState): number {
    const day = s.limits.usdPerDay === undefined ? Infinity : s.limits.usdPerDay - daySpend(s);
    const month = s.limits.usdPerMonth === undefined ? Infinity : s.limits.usdPerMonth - monthSpend(s);
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
      const dayOut = s.limits.usdPerDay !== undefined && daySpend(s) >= s.limits.usdPerDay;
      const period = dayOut ? 'day' : 'month';
      const limitUsd = dayOut ? s.limits.usdPerDay! : s.limits.usdPerMonth!;
      const retryAfterSeconds = Math.ceil(((dayOut ? s.day + DAY_MS : nextMonth(t)) - t) / 1000);
      throw new StrataError('gateway', 'rate-limited', `the ${period}ly budget of this API key (${limitUsd} USD) is spent`, {
        details: { kind: 'budget', period, limitUsd, spentUsd: dayOut ? daySpend(s) : monthSpend(s), retryAfterSeconds },
        hint: `the budget resets at the start of the next UTC ${period}; an operator can raise gateway.budgets`,
      });
    },
    remaining(keyId) {
      if (keyId === undefined || noLimits) return Infinity;
      return remainingOf(stateOf(keyId));
    },
    charge(keyId, costUsd) {
      if (keyId === undefined || noLimits || costUsd <= 0) return;
      stateOf(keyId).localSpend += costUsd;
    },
  };
}
