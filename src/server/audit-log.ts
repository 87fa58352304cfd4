// What the server writes to the audit log, and how. Changes put their entries in the same write as the change
// (WriteBatch.audit, setAccessPolicy's `audit`); events that change nothing (a search, a read, a denial) go
// through `AuditRecorder`, which appends the entries of concurrent requests in one transaction. A request
// still waits for its own entry to be stored before it answers: nothing is returned that was not recorded.
import type { Context, MiddlewareHandler } from 'hono';
import { isStrataError } from '../core/errors.js';
import type { AuditDecision, AuditInput, AuditStore } from '../store/audit.js';
import type { AppEnv, AuditRecorder } from './types.js';

/** An entry for the current request: actor, workspace and trace id come from the request. */
export function auditEntry(
  c: Context<AppEnv>,
  action: string,
  resources: string[],
  details: Record<string, unknown> = {},
  decision: AuditDecision = 'allow',
): AuditInput {
  const caller = c.get('caller');
  const credential = c.get('credential');
  return {
    workspaceId: caller.workspaceId,
    actor: `user:${caller.subject}`,
    action,
    resources,
    decision,
    traceId: c.get('requestId'),
    details: { via: credential.kind, credential: credential.id, role: caller.role, ...details },
  };
}

export function createAuditRecorder(store: Pick<AuditStore, 'appendAudit'>): AuditRecorder {
  let pending: { entries: AuditInput[]; done: (e?: unknown) => void }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      await store.appendAudit(batch.flatMap((p) => p.entries));
      for (const p of batch) p.done();
    } catch (e) {
      // One transaction for all or none: on failure every request of the batch fails closed.
      for (const p of batch) p.done(e);
    }
  };
  return {
    record(entries) {
      if (entries.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ entries, done: (e) => (e === undefined ? resolve() : reject(e)) });
      });
    },
  };
}

/** Records requests refused for lack of a role (`forbidden`) as `deny` entries. Runs after authentication. */
export function auditDenials(recorder: AuditRecorder): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const err = c.error;
    if (!isStrataError(err) || err.code !== 'forbidden' || !c.get('caller')) return;
    await recorder.record([auditEntry(c, 'access.denied', [`route:${c.req.method} ${c.req.routePath}`], { ...err.details }, 'deny')]);
  };
}
