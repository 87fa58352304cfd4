// Streaming through the gateway. Until the first event of a model arrives, failures are retried and fall back
// like non-streaming calls; after that the caller has seen text, so a failure ends the stream with the error.
// Every way a stream ends — finished, failed, cut by the provider, stopped because the key's budget ran out,
// or abandoned by the caller (return() or ctx.signal) — aborts the upstream call and records what was consumed:
// the provider's usage when it sent one, else local token counts marked as estimated.
import { StrataError } from '../core/errors.js';
import type { ChatEvent, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from '../models/types.js';
import { abortedError, asProviderError, breaksCircuit, errorLabel, routeInfo, shouldFailover, shouldRetry, timeoutError, type Engine, type EngineHelpers } from './engine.js';
import { addUsage, costOf, ZERO_USAGE } from './registry.js';
import type { Plan } from './routing.js';
import { countPromptTokens, countTokens, tokenCounter } from './tokens.js';
import type { GatewayCallContext, GatewayEvent, RegistryEntry } from './types.js';

export async function* streamCall(
  engine: Engine,
  h: EngineHelpers,
  alias: string,
  req: Omit<ChatRequest, 'model'>,
  ctx: GatewayCallContext,
  keyOf: (plan: Plan) => string | undefined,
): AsyncGenerator<GatewayEvent> {
  const started = engine.now();
  const plan = await h.prepare(alias, ctx, 'chat');
  const key = keyOf(plan);
  const hit = key === undefined ? undefined : engine.cache.get(key);
  if (hit) {
    h.record({ ctx, kind: 'chat', alias, entry: null, usage: ZERO_USAGE, status: 'ok', cacheHit: true, started });
    yield { type: 'route', route: routeInfo(plan, hit.modelId, 0, true) };
    if (hit.result.text) yield { type: 'text', text: hit.result.text };
    for (const call of hit.result.toolCalls) yield { type: 'tool-call', call };
    yield { type: 'usage', usage: hit.result.usage };
    yield { type: 'finish', finishReason: hit.result.finishReason, model: hit.result.model };
    yield { type: 'cost', usage: ZERO_USAGE, costUsd: 0 };
    return;
  }

  // With a budget, the stream's running cost is counted piece by piece (the same counts a cut stream is billed
  // with), so the stream stops as soon as it would spend more than the key has left.
  const budget = engine.limits.remaining(ctx.keyId);
  const count = Number.isFinite(budget) ? await tokenCounter() : undefined;
  const promptTokens = count ? await countPromptTokens(req.messages) : 0;
  // What the stream consumed so far, across attempts (a failed attempt may have reported usage).
  let consumed: Usage = ZERO_USAGE;
  let consumedCost = 0;
  let estimated = false;
  // The attempt in flight: its model, text and usage, for what to record if it ends early.
  let current: { entry: RegistryEntry; text: string; counted: number; usage?: Usage; ctl: AbortController } | undefined;
  let last: RegistryEntry | null = null;
  let emitted = false;
  let outcome: { status: 'ok' | 'error' | 'aborted'; error?: string } | undefined;
  let attempts = 0;
  let lastError: StrataError | undefined;

  const settleAttempt = async () => {
    const a = current;
    current = undefined;
    if (!a) return;
    a.ctl.abort(abortedError(a.entry));
    let usage = a.usage;
    if (!usage && (a.text || emitted)) {
      // Cut before the provider's totals: count locally what was sent and received (piece by piece when the
      // budget check already did, so the stop and the bill agree).
      usage = { inputTokens: await countPromptTokens(req.messages), outputTokens: count ? a.counted : await countTokens(a.text) };
      estimated = true;
    }
    if (usage) {
      consumed = addUsage(consumed, usage);
      consumedCost += costOf(a.entry, usage);
    }
  };

  try {
    for (const entry of plan.candidates) {
      for (let n = 0; n <= plan.route.retries; n++) {
        if (!engine.breakers.tryAcquire(entry.id)) break;
        attempts++;
        last = entry;
        const ctl = new AbortController();
        const onOuterAbort = () => ctl.abort(abortedError(entry));
        if (ctx.signal?.aborted) onOuterAbort();
        ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
        current = { entry, text: '', counted: 0, ctl };
        const text: string[] = [];
        const toolCalls: ToolCall[] = [];
        let finish: { finishReason: FinishReason; model: string } | undefined;
        try {
          const tooLong = await h.checkContext(entry, req);
          if (tooLong) throw tooLong;
          const iterator = h.modelFor(entry).stream({ ...req, model: entry.model, signal: ctl.signal })[Symbol.asyncIterator]();
          try {
            for (;;) {
              const r = await nextWithin(iterator, plan.route.timeoutMs, ctl, entry);
              if (r.done) break;
              const ev: ChatEvent = r.value;
              if (!emitted) {
                emitted = true;
                yield { type: 'route', route: routeInfo(plan, entry.id, attempts, false) };
              }
              if (ev.type === 'text') {
                current.text += ev.text;
                text.push(ev.text);
                if (count && costOf(entry, { inputTokens: promptTokens, outputTokens: (current.counted += count(ev.text)) }) + consumedCost > budget) {
                  throw new StrataError('gateway', 'rate-limited', 'the budget of this API key ran out during the answer; the stream was stopped', {
                    details: { kind: 'budget', stoppedMidStream: true },
                    hint: 'an operator can raise gateway.budgets; the budget also resets at the start of the next UTC day or month',
                  });
                }
              } else if (ev.type === 'usage') current.usage = ev.usage;
              else if (ev.type === 'tool-call') toolCalls.push(ev.call);
              else if (ev.type === 'finish') finish = { finishReason: ev.finishReason, model: ev.model };
              yield ev;
            }
          } finally {
            await iterator.return?.().catch(() => undefined);
          }
          if (!finish) throw asProviderError(new Error('the stream ended without a finish event'), entry);
          engine.breakers.success(entry.id);
          const attemptUsage = current.usage;
          await settleAttempt();
          outcome = { status: 'ok' };
          if (key !== undefined && finish.finishReason !== 'error' && attemptUsage) {
            const result: ChatResult = { text: text.join(''), toolCalls, finishReason: finish.finishReason, usage: attemptUsage, model: finish.model };
            engine.cache.set(key, { result, modelId: entry.id });
          }
          return;
        } catch (e) {
          const err = e instanceof StrataError && e.component === 'gateway' ? e : asProviderError(e, entry);
          await settleAttempt();
          if (ctx.signal?.aborted) {
            engine.breakers.release(entry.id);
            outcome = { status: 'aborted', error: 'aborted' };
            throw abortedError(entry);
          }
          if (breaksCircuit(err)) engine.breakers.failure(entry.id);
          else engine.breakers.release(entry.id);
          lastError = err;
          if (emitted || !shouldFailover(err)) {
            outcome = { status: err.details.stoppedMidStream ? 'aborted' : 'error', error: errorLabel(err) };
            throw err;
          }
          if (!shouldRetry(err) || n === plan.route.retries) break;
          await engine.sleep(plan.route.retryBackoffMs * 2 ** n, ctx.signal);
        } finally {
          ctx.signal?.removeEventListener('abort', onOuterAbort);
        }
      }
    }
    outcome = { status: 'error', error: lastError ? errorLabel(lastError) : 'unavailable' };
    if (lastError) throw lastError;
    throw new StrataError('gateway', 'unavailable', `every model of "${plan.route.name}" is failing or has its circuit open`, {
      details: { kind: 'unavailable' },
      hint: 'retry after gateway.circuitBreaker.cooldownMs, or add a fallback model',
    });
  } finally {
    // Reached on every exit, including a caller's return() while suspended at a yield.
    if (current) {
      engine.breakers.release(current.entry.id);
      await settleAttempt();
    }
    const status = outcome?.status ?? 'aborted';
    const costUsd = h.record({ ctx, kind: 'chat', alias, entry: last, usage: consumed, status, error: outcome?.error ?? (status === 'aborted' ? 'aborted' : null), estimated, started });
    if (status === 'ok') yield { type: 'cost', usage: consumed, costUsd };
  }
}

/** The next event, or a timeout/abort error: whichever comes first (adapters that ignore their signal included). */
function nextWithin<T>(it: AsyncIterator<T>, ms: number, ctl: AbortController, entry: RegistryEntry): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = timeoutError(entry, ms);
      ctl.abort(err);
      reject(err);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(ctl.signal.reason instanceof StrataError ? ctl.signal.reason : abortedError(entry));
    };
    if (ctl.signal.aborted) return onAbort();
    ctl.signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (v) => {
        clearTimeout(timer);
        ctl.signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        ctl.signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
