// The provider limiter: never more than `concurrency` calls in flight, never more starts than the
// requests-per-minute bucket allows, failures free their slot, and a cancelled caller leaves the queue.
// Time is simulated (mock timers plus an injected clock), so the rate checks are exact, not timed.
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { StrataError } from '../core/errors.js';
import { createLimiter } from './limits.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('createLimiter', () => {
  afterEach(() => mock.timers.reset());

  it('keeps at most `concurrency` calls in flight and runs every call', async () => {
    const lim = createLimiter({ concurrency: 2, requestsPerMinute: 0 });
    let inFlight = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, deferred);
    const runs = gates.map((g, i) =>
      lim.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await g.promise;
        inFlight--;
        return i;
      }),
    );
    await flush();
    assert.equal(inFlight, 2);
    for (const g of gates) {
      g.resolve();
      await flush();
    }
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
  });

  it('frees the slot of a call that throws', async () => {
    const lim = createLimiter({ concurrency: 1, requestsPerMinute: 0 });
    await assert.rejects(lim.run(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await lim.run(async () => 'next'), 'next');
  });

  it('starts no more calls than the per-minute budget allows (burst of one second, then spaced)', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    let clock = 0;
    const lim = createLimiter({ concurrency: 10, requestsPerMinute: 120, now: () => clock });
    const started: number[] = [];
    const runs = Array.from({ length: 5 }, (_, i) =>
      lim.run(async () => {
        started.push(i);
      }),
    );
    await flush();
    assert.deepEqual(started, [0, 1], 'burst = 2 (120/min = 2/s)');
    const advance = async (ms: number) => {
      clock += ms;
      mock.timers.tick(ms);
      await flush();
    };
    await advance(499);
    assert.equal(started.length, 2, 'nothing before the next token');
    await advance(1);
    assert.equal(started.length, 3);
    await advance(500);
    assert.equal(started.length, 4);
    await advance(500);
    await Promise.all(runs);
    assert.deepEqual(started, [0, 1, 2, 3, 4], 'in arrival order');
  });

  it('removes a cancelled caller from the queue without running it', async () => {
    const lim = createLimiter({ concurrency: 1, requestsPerMinute: 0 });
    const gate = deferred();
    const first = lim.run(() => gate.promise);
    const ctl = new AbortController();
    let ran = false;
    const second = lim.run(async () => {
      ran = true;
    }, ctl.signal);
    const third = lim.run(async () => 'third');
    ctl.abort(new Error('user cancelled'));
    await assert.rejects(second, /user cancelled/);
    gate.resolve();
    await first;
    assert.equal(await third, 'third');
    assert.equal(ran, false);
  });

  it('refuses an already aborted signal immediately', async () => {
    const lim = createLimiter({ concurrency: 1, requestsPerMinute: 0 });
    const ctl = new AbortController();
    ctl.abort(new Error('gone'));
    await assert.rejects(lim.run(async () => 1, ctl.signal), /gone/);
  });

  it('rejects settings that would block forever', () => {
    assert.throws(() => createLimiter({ concurrency: 0, requestsPerMinute: 0 }), (e) => e instanceof StrataError && e.code === 'config');
    assert.throws(() => createLimiter({ concurrency: 1, requestsPerMinute: -1 }), StrataError);
  });
});
