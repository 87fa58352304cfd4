// The model gateway: aliases routed to provider adapters with retries, per-attempt timeouts, fallback chains,
// circuit breakers and weighted canaries; an exact-match response cache; per-key budgets and rate limits; the
// exact cost of every request; and data-classification routing (a model not cleared for the request's data never
// receives it). Streaming lives in stream.ts; both share engine.ts.
import type { ModelsConfig } from '../core/config-models.js';
import { StrataError } from '../core/errors.js';
import { abortableSleep } from '../models/http.js';
import type { ChatModel, Embedder, Usage } from '../models/types.js';
import type { UsageStore } from '../store/usage.js';
import { createCircuitBreakers } from './breaker.js';
import { createKeyLimits } from './budgets.js';
import { cacheKey, createResponseCache } from './cache.js';
import { asProviderError, breaksCircuit, createEngineHelpers, errorLabel, routeInfo, shouldFailover, shouldRetry, withTimeout, type AuditSink, type Engine, type EngineHelpers } from './engine.js';
import { createUsageRecorder, type GatewayLog } from './recorder.js';
import { buildRegistry, isCleared, ZERO_USAGE } from './registry.js';
import { createRouter, type Plan } from './routing.js';
import { streamCall } from './stream.js';
import { countTokens } from './tokens.js';
import type { Gateway, GatewayCallContext, RegistryEntry } from './types.js';
import type { Classification } from '../core/types.js';

export interface GatewayOptions {
  config: Pick<ModelsConfig, 'models' | 'gateway'>;
  /** Chat adapters by provider name (the keys of config `providers:`). */
  providers: Record<string, ChatModel>;
  /** Embedders by registry model id (models whose capabilities include `embeddings`). */
  embedders?: Record<string, Embedder | Promise<Embedder>>;
  /** Where usage records go and budgets are seeded from. */
  store?: Pick<UsageStore, 'recordUsage' | 'usageCostSince'>;
  /** Where classification re-routes and refusals are recorded (the server's audit recorder, or the store). */
  audit?: AuditSink;
  /** Clock in ms since the epoch (budgets, cache TTL, circuit cool-downs). */
  now?: () => number;
  /** In [0, 1); picks among weighted targets. Inject a seeded one in tests. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: GatewayLog;
}

export interface EmbeddingResult {
  vectors: Float32Array[];
  modelId: string;
  /** Counted locally: embedders report no usage. */
  usage: { inputTokens: number };
  costUsd: number;
}

/** The gateway plus what the HTTP layer and shutdown need. */
export interface StrataGateway extends Gateway {
  embed(alias: string, input: readonly string[], ctx: GatewayCallContext): Promise<EmbeddingResult>;
  /** Resolves once every usage record made so far is stored. */
  flush(): Promise<void>;
}

export function createGateway(options: GatewayOptions): StrataGateway {
  const { config } = options;
  const now = options.now ?? Date.now;
  const log: GatewayLog = options.log ?? (() => undefined);
  const registry = buildRegistry(config.models);
  const recorder = createUsageRecorder(options.store, log);
  const engine: Engine = {
    router: createRouter(config, registry),
    breakers: createCircuitBreakers({ ...config.gateway.circuitBreaker, now }),
    cache: createResponseCache({ maxEntries: config.gateway.cache.maxEntries, ttlMs: config.gateway.cache.ttlSeconds * 1000, now }),
    limits: createKeyLimits({ defaults: config.gateway.budgets.default, perKey: config.gateway.budgets.keys, store: options.store, flushUsage: () => recorder.flush(), now }),
    recorder,
    providers: options.providers,
    embedders: options.embedders ?? {},
    audit: options.audit,
    now,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? abortableSleep,
    log,
  };
  const h = createEngineHelpers(engine);

  return {
    async complete(alias, req, ctx) {
      const started = now();
      const plan = await h.prepare(alias, ctx, 'chat');
      const key = useCache(plan, req.temperature, ctx) ? cacheKey(ctx.workspaceId, plan.route.name, ctx.classification, req) : undefined;
      const hit = key === undefined ? undefined : engine.cache.get(key);
      if (hit) {
        h.record({ ctx, kind: 'chat', alias, entry: registry.get(hit.modelId) ?? null, usage: ZERO_USAGE, status: 'ok', cacheHit: true, started });
        return { ...hit.result, route: routeInfo(plan, hit.modelId, 0, true), costUsd: 0, latencyMs: now() - started };
      }
      let last: RegistryEntry | null = null;
      try {
        const { value, entry, attempts: n } = await runChain(engine, h, plan, ctx, async (entry) => {
          last = entry;
          const err = await h.checkContext(entry, req);
          if (err) throw err;
          const model = h.modelFor(entry);
          // Object.assign, not `{ ...req, … }`: measured at 500 requests/s, objects spread from the request and the
          // provider's result on this path were kept alive by V8 through young-generation collections (with the
          // server's header objects, 605 → 32 KB promoted per collection; docs/BENCHMARKS.md, session 7).
          return withTimeout(entry, plan.route.timeoutMs, ctx.signal, (signal) => model.complete(Object.assign({}, req, { model: entry.model, signal })));
        });
        const costUsd = h.record({ ctx, kind: 'chat', alias, entry, usage: value.usage, status: 'ok', started });
        if (key !== undefined && value.finishReason !== 'error') engine.cache.set(key, { result: value, modelId: entry.id });
        return Object.assign({}, value, { route: routeInfo(plan, entry.id, n, false), costUsd, latencyMs: now() - started });
      } catch (e) {
        h.record({ ctx, kind: 'chat', alias, entry: last, usage: ZERO_USAGE, status: ctx.signal?.aborted ? 'aborted' : 'error', error: errorLabel(e), started });
        throw e;
      }
    },

    stream(alias, req, ctx) {
      return streamCall(engine, h, alias, req, ctx, (plan) => (useCache(plan, req.temperature, ctx) ? cacheKey(ctx.workspaceId, plan.route.name, ctx.classification, req) : undefined));
    },

    async embed(alias, input, ctx) {
      const started = now();
      if (input.length === 0) throw new StrataError('gateway', 'invalid-input', 'nothing to embed: the input is empty', { details: { kind: 'bad-request' } });
      const plan = await h.prepare(alias, ctx, 'embeddings');
      const entry = plan.candidates[0]!;
      let usage: Usage = ZERO_USAGE;
      try {
        const embedder = await engine.embedders[entry.id];
        if (!embedder) throw new StrataError('gateway', 'unavailable', `no embedder is configured for model "${entry.id}"`, { details: { kind: 'unavailable', model: entry.id } });
        // Embedders report no usage: the input is counted here, before the call, so a failed call is still billed honestly as nothing.
        const inputTokens = (await Promise.all(input.map((t) => countTokens(t)))).reduce((a, b) => a + b, 0);
        const { value: vectors } = await runChain(engine, h, plan, ctx, (e) => withTimeout(e, plan.route.timeoutMs, ctx.signal, (signal) => embedder.embed(input, { purpose: 'document', signal })));
        usage = { inputTokens, outputTokens: 0 };
        const costUsd = h.record({ ctx, kind: 'embeddings', alias, entry, usage, status: 'ok', estimated: true, started });
        return { vectors, modelId: entry.id, usage: { inputTokens }, costUsd };
      } catch (e) {
        h.record({ ctx, kind: 'embeddings', alias, entry, usage, status: ctx.signal?.aborted ? 'aborted' : 'error', error: errorLabel(e), started });
        throw e;
      }
    },

    resolve(alias, classification?: Classification) {
      const route = engine.router.routeOf(alias);
      const byWeight = [...route.targets].sort((a, b) => b.weight - a.weight).map((t) => t.entry);
      const pick = [...byWeight, ...route.fallback].find((e) => isCleared(e, classification));
      if (pick) return pick;
      // Same refusal as a call would get (plan throws it), without auditing: nothing was about to be sent.
      return engine.router.plan(alias, classification, 0, 'chat').candidates[0]!;
    },
    registry: () => [...registry.values()],
    aliases: () => engine.router.aliasNames(),
    flush: () => engine.recorder.flush(),
  };

  function useCache(plan: Plan, temperature: number | undefined, ctx: GatewayCallContext): boolean {
    if (!plan.route.cache || ctx.cache === false) return false;
    return ctx.cache === true || temperature === 0;
  }
}

/**
 * Tries the plan's models in order: each up to 1 + retries times on retryable errors (with doubling backoff),
 * skipping models whose circuit is open, moving on after errors that another model may not have.
 */
export async function runChain<T>(engine: Engine, h: EngineHelpers, plan: Plan, ctx: GatewayCallContext, call: (entry: RegistryEntry) => Promise<T>): Promise<{ value: T; entry: RegistryEntry; attempts: number }> {
  let lastError: StrataError | undefined;
  let attempts = 0;
  const open: string[] = [];
  for (const entry of plan.candidates) {
    for (let n = 0; n <= plan.route.retries; n++) {
      if (!engine.breakers.tryAcquire(entry.id)) {
        open.push(entry.id);
        break;
      }
      attempts++;
      try {
        const value = await call(entry);
        engine.breakers.success(entry.id);
        return { value, entry, attempts };
      } catch (e) {
        const err = asProviderError(e, entry);
        if (ctx.signal?.aborted) {
          engine.breakers.release(entry.id);
          throw err;
        }
        if (breaksCircuit(err)) engine.breakers.failure(entry.id);
        else engine.breakers.release(entry.id);
        lastError = err;
        if (!shouldFailover(err)) throw err;
        if (!shouldRetry(err) || n === plan.route.retries) break;
        await engine.sleep(plan.route.retryBackoffMs * 2 ** n, ctx.signal);
      }
    }
  }
  if (lastError) throw lastError;
  throw new StrataError('gateway', 'unavailable', `every model of "${plan.route.name}" is failing: circuits open for ${open.join(', ')}`, {
    details: { kind: 'unavailable', circuitsOpen: open },
    hint: `retry after gateway.circuitBreaker.cooldownMs, or add a fallback model`,
  });
}
