// Usage records are written off the request path: records of concurrent requests are gathered and appended in
// one transaction on the next turn of the event loop. A failed write is logged (with the records' totals) and
// does not fail the request whose answer was already delivered; `flush` lets shutdown and tests wait.
import type { UsageRecordInput, UsageStore } from '../store/usage.js';

export type GatewayLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface UsageRecorder {
  record(r: UsageRecordInput): void;
  flush(): Promise<void>;
}

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
        setImmediate(write);
      }
    },
    async flush() {
      await write();
    },
  };
}
