// Usage records are written off the request path: records gathered over 20 ms are appended in one transaction
// (a commit costs ~100 µs of the event loop; per request that was a tenth of the gateway's own time at 500/s).
// The timer keeps the process alive until the batch is written. A failed write is logged (with the records' totals) and
// does not fail the request whose answer was already delivered; `flush` lets shutdown and tests wait.
import type { UsageRecordInput, UsageStore } from '../store/usage.js';

export type GatewayLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface UsageRecorder {
  record(r: UsageRecordInput): void;
  flush(): Promise<void>;
}

const BATCH_MS = 20;

export function createUsageRecorder(store: Pick<UsageStore, 'recordUsage'> | undefined, log: GatewayLog): UsageRecorder {
  let pending: UsageRecordInput[] = [];
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  const write = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (!store || batch.length === 0) return writing;
    writing = writing
      .then(() => store.recordUsage(batch))
      .catch((e: unknown) =>
        log('error', 'could not store gateway usage records', { error: String(e), records: batch.length, costUsd: batch.reduce((n, r) => n + r.costUsd, 0) }),
      );
    return writing;
  };
  return {
    record(r) {
      pending.push(r);
      if (!scheduled) {
        scheduled = true;
        setTimeout(write, BATCH_MS);
      }
    },
    async flush() {
      await write();
    },
  };
}
