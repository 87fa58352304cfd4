// withTimeout: the per-attempt signal, its timeout and the caller's cancellation, and the reuse of untouched signals.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { isStrataError } from '../core/errors.js';
import { withTimeout } from './engine.js';
import type { RegistryEntry } from './types.js';

const entry: RegistryEntry = {
  id: 'm',
  provider: 'p',
  model: 'm',
  contextWindow: 1000,
  maxOutputTokens: null,
  pricing: { input: 0, output: 0 },
  deployment: 'hosted',
  licence: null,
  capabilities: ['chat'],
  clearedFor: ['public'],
  stage: 'production',
};

/** Runs one attempt that resolves at once and returns the signal it was given. */
const signalOfQuickCall = () => {
  let seen: AbortSignal | undefined;
  return withTimeout(entry, 1000, undefined, async (s) => {
    seen = s;
    return 1;
  }).then(() => seen!);
};

describe('withTimeout', () => {
  it('aborts the attempt at its timeout and reports a timeout, even when the attempt ignores its signal', async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    const err = await withTimeout(entry, 20, caller.signal, (s) => {
      signal = s;
      return new Promise<never>(() => undefined);
    }).catch((e: unknown) => e);
    assert.ok(isStrataError(err) && err.details.kind === 'timeout', String(err));
    assert.equal(signal!.aborted, true);
    // The abandoned attempt leaves nothing on the caller's signal (a client connection's, which lives on).
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  });

  it("aborts the attempt when the caller's signal aborts, and leaves no listener on the caller's signal", async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    const pending = withTimeout(entry, 5000, caller.signal, (s) => {
      signal = s;
      return new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(new Error('cut')), { once: true }));
    });
    caller.abort();
    const err = await pending.catch((e: unknown) => e);
    assert.ok(isStrataError(err) && err.details.kind === 'aborted', String(err));
    assert.equal(signal!.aborted, true);

    const done = new AbortController();
    await withTimeout(entry, 5000, done.signal, async () => 1);
    assert.equal(getEventListeners(done.signal, 'abort').length, 0);
  });

  it('hands an untouched signal to a later attempt, never one that fired or still has a listener', async () => {
    const a = await signalOfQuickCall();
    const b = await signalOfQuickCall();
    assert.equal(b, a, 'an attempt that ended cleanly gives its signal back');
    assert.equal(b.aborted, false);

    // An attempt that leaves a listener behind keeps its signal to itself.
    let leaky: AbortSignal | undefined;
    await withTimeout(entry, 1000, undefined, async (s) => {
      leaky = s;
      s.addEventListener('abort', () => undefined);
      return 1;
    });
    const c = await signalOfQuickCall();
    assert.notEqual(c, leaky);

    // A timed-out attempt's signal is aborted for good and never handed out again.
    let fired: AbortSignal | undefined;
    await withTimeout(entry, 5, undefined, (s) => {
      fired = s;
      return new Promise<number>((resolve) => setTimeout(() => resolve(1), 30));
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 40));
    for (let i = 0; i < 5; i++) {
      const s = await signalOfQuickCall();
      assert.notEqual(s, fired);
      assert.equal(s.aborted, false);
    }
  });
});
