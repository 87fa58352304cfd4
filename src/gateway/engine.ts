// What complete, stream and embed share: preparing a call (plan, classification audit, key limits), the per-model
// checks (circuit, context window), error classification for retry/fallback decisions, timeouts, and usage
// records. gateway.ts and stream.ts drive calls with it.
import { getEventListeners } from 'node:events';
import type { AuditInput } from '../core/audit.js';
import { isStrataError, StrataError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { errorKind, providerError, type ProviderErrorKind } from '../models/http.js';
import type { ChatModel, ChatRequest, Embedder, Usage } from '../models/types.js';
import type { UsageRecordInput } from '../store/usage.js';
import type { CircuitBreakers } from './breaker.js';
import type { ResponseCache } from './cache.js';
import type { KeyLimits } from './budgets.js';
import type { GatewayLog, UsageRecorder } from './recorder.js';
import { costOf } from './registry.js';
import type { CallKind, Plan, Router } from './routing.js';
import { countPromptTokens, surelyFits } from './tokens.js';
import type { GatewayCallContext, RegistryEntry, RouteInfo } from './types.js';

export interface AuditSink {
  record(entries: AuditInput[]): Promise<unknown>;
}

export interface Engine {
  router: Router;
  breakers: CircuitBreakers;
  cache: ResponseCache;
  limits: KeyLimits;
  recorder: UsageRecorder;
  providers: Record<string, ChatModel>;
  /** By registry id; a promise while the embedder loads (local models, the static word vectors). */
  embedders: Record<string, Embedder | Promise<Embedder>>;
  audit?: AuditSink;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: GatewayLog;
}

/** Kinds worth another attempt at the same model. */
export const RETRYABLE = new Set<ProviderErrorKind>(['rate-limit', 'unavailable', 'timeout']);
/** Kinds that move on to the next model: the provider's trouble, or a window too small for this prompt. */
const FAILOVER = new Set<ProviderErrorKind>(['rate-limit', 'unavailable', 'timeout', 'malformed', 'auth', 'not-found', 'context-length']);
/** Kinds that count against a model's circuit. */
const BREAKS = new Set<ProviderErrorKind>(['rate-limit', 'unavailable', 'timeout', 'malformed', 'auth', 'not-found']);

export const shouldFailover = (e: StrataError) => FAILOVER.has(errorKind(e)!);
export const shouldRetry = (e: StrataError) => RETRYABLE.has(errorKind(e)!);
export const breaksCircuit = (e: StrataError) => BREAKS.has(errorKind(e)!);

/** Any failure of an adapter as a provider StrataError with a kind (a thrown TypeError is the provider's garbage). */
export function asProviderError(e: unknown, entry: RegistryEntry): StrataError {
  if (isStrataError(e) && errorKind(e)) return e;
  if (isStrataError(e)) return e.code === 'config' ? providerError(entry.provider, 'auth', e.message, { cause: e }) : e;
  return providerError(entry.provider, 'malformed', `${entry.provider} failed unexpectedly: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

export function abortedError(entry: RegistryEntry | undefined): StrataError {
  return providerError(entry?.provider ?? 'gateway', 'aborted', 'the request was cancelled by the caller');
}

export function timeoutError(entry: RegistryEntry, ms: number): StrataError {
  return providerError(entry.provider, 'timeout', `${entry.id} did not answer within ${ms} ms`);
}

/**
 * Controllers of attempts that ended with their signal untouched (not aborted, no listener left), handed to later
 * attempts: measured on Node 20, every AbortSignal an AbortController makes outlives young-generation collections,
 * so a fresh one per attempt (and whatever its listeners reached) became old-generation garbage at every request.
 * A signal with a listener an adapter left behind, or that fired, is never handed out again.
 */
const idleControllers: AbortController[] = [];
const IDLE_CONTROLLERS_MAX = 256;

function takeController(): AbortController {
  return idleControllers.pop() ?? new AbortController();
}

function giveBack(ctl: AbortController): void {
  if (ctl.signal.aborted || idleControllers.length >= IDLE_CONTROLLERS_MAX || getEventListeners(ctl.signal, 'abort').length > 0) return;
  idleControllers.push(ctl);
}

/** Runs `fn` with a signal aborted after `ms` or when `outer` aborts; rejects then even if `fn` ignores its signal. */
export function withTimeout<T>(entry: RegistryEntry, ms: number, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = takeController();
  return new Promise<T>((resolve, reject) => {
    // Cleaned up at the first of timeout, cancellation or the attempt's end, and before the caller resumes: the
    // caller's signal (one per client connection) never keeps a listener of a finished or abandoned attempt.
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    };
    const fail = (err: StrataError) => {
      done();
      ctl.abort(err);
      reject(err);
    };
    const timer = setTimeout(() => fail(timeoutError(entry, ms)), ms);
    const onAbort = () => fail(abortedError(entry));
    if (outer?.aborted) return onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    fn(ctl.signal).then(
      (value) => {
        done();
        giveBack(ctl);
        resolve(value);
      },
      (e: unknown) => {
        done();
        giveBack(ctl);
        reject(e);
      },
    );
  });
}

export function contextError(entry: RegistryEntry, tokens: number, maxTokens: number): StrataError {
  return new StrataError('gateway', 'invalid-input', `the prompt (${tokens} tokens${maxTokens ? ` + ${maxTokens} for the answer` : ''}) is over the context window of ${entry.id} (${entry.contextWindow} tokens)`, {
    details: { kind: 'context-length', model: entry.id, promptTokens: tokens, contextWindow: entry.contextWindow },
    hint: 'shorten the prompt or lower max_tokens, or use a model with a larger context window',
  });
}

export function createEngineHelpers(engine: Engine) {
  async function prepare(alias: string, ctx: GatewayCallContext, kind: CallKind): Promise<Plan> {
    let plan: Plan;
    try {
      plan = engine.router.plan(alias, ctx.classification, engine.random(), kind);
    } catch (e) {
      if (isStrataError(e) && e.details.kind === 'classification') {
        await audit(ctx, 'model.refuse', (e.details.refused as string[]).map((id) => `model:${id}`), 'deny', { alias, classification: e.details.classification, reason: e.message.replace(/^\[[^\]]*\] \[[^\]]*\] /, '') });
      }
      throw e;
    }
    if (plan.rerouted) {
      const r = plan.rerouted;
      await audit(ctx, 'model.reroute', [`model:${r.from}`, `model:${r.to}`], 'allow', { alias, classification: ctx.classification ?? 'public', from: r.from, to: r.to, reason: r.reason });
    }
    await engine.limits.admit(ctx.keyId);
    return plan;
  }

  /** Audit entries are stored before the call goes on: a decision that was not recorded is not acted on. */
  async function audit(ctx: GatewayCallContext, action: string, resources: string[], decision: 'allow' | 'deny', details: Record<string, unknown>) {
    if (!engine.audit) return;
    await engine.audit.record([
      {
        workspaceId: ctx.workspaceId,
        actor: ctx.actor ?? (ctx.keyId ? `key:${ctx.keyId}` : 'system'),
        action,
        resources,
        decision,
        traceId: ctx.traceId ?? newId('trace'),
        details: { ...details, ...(ctx.keyId ? { credential: ctx.keyId } : {}) },
      },
    ]);
  }

  /** A context-length error when the prompt cannot fit the model's window, else null. Counts only long prompts. */
  async function checkContext(entry: RegistryEntry, req: Omit<ChatRequest, 'model'>): Promise<StrataError | null> {
    const room = entry.contextWindow - (req.maxTokens ?? 0);
    if (surelyFits(req.messages, room)) return null;
    const tokens = await countPromptTokens(req.messages);
    return tokens > room ? contextError(entry, tokens, req.maxTokens ?? 0) : null;
  }

  function modelFor(entry: RegistryEntry): ChatModel {
    const m = engine.providers[entry.provider];
    if (!m) throw providerError(entry.provider, 'unavailable', `no chat adapter is configured for provider "${entry.provider}" (model ${entry.id})`);
    return m;
  }

  function record(input: {
    ctx: GatewayCallContext;
    kind: CallKind;
    alias: string;
    entry: RegistryEntry | null;
    usage: Usage;
    status: UsageRecordInput['status'];
    error?: string | null;
    estimated?: boolean;
    cacheHit?: boolean;
    started: number;
  }): number {
    const cost = input.entry && !input.cacheHit ? costOf(input.entry, input.usage) : 0;
    engine.limits.charge(input.ctx.keyId, cost);
    engine.recorder.record({
      workspaceId: input.ctx.workspaceId,
      keyId: input.ctx.keyId ?? null,
      traceId: input.ctx.traceId ?? null,
      kind: input.kind,
      alias: input.alias,
      modelId: input.entry?.id ?? null,
      status: input.status,
      error: input.error ?? null,
      inputTokens: input.usage.inputTokens,
      cachedInputTokens: input.usage.cachedInputTokens ?? 0,
      outputTokens: input.usage.outputTokens,
      reasoningTokens: input.usage.reasoningTokens ?? 0,
      costUsd: cost,
      estimated: input.estimated ?? false,
      cacheHit: input.cacheHit ?? false,
      latencyMs: engine.now() - input.started,
      at: new Date(input.started).toISOString(),
    });
    return cost;
  }

  return { prepare, checkContext, modelFor, record, audit };
}

export type EngineHelpers = ReturnType<typeof createEngineHelpers>;

export const errorLabel = (e: unknown): string => (isStrataError(e) ? ((e.details.kind as string | undefined) ?? e.code) : 'internal');

/** Where a call went, as GatewayResult and the stream's first event report it. */
export function routeInfo(plan: Plan, modelId: string, attempts: number, cacheHit: boolean): RouteInfo {
  return {
    alias: plan.route.name,
    modelId,
    ...(plan.rerouted ? { rerouted: { from: plan.rerouted.from, reason: plan.rerouted.reason } } : {}),
    attempts,
    cacheHit,
  };
}

