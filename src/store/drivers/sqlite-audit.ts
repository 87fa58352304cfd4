// SQLite implementation of the audit part of the storage contract (see ../audit.ts): one hash chain per
// workspace in table audit_log, appended inside the writer's transaction.
import type BetterSqlite3 from 'better-sqlite3';
import { AUDIT_GENESIS, nextEntryWithJson, validateAuditInput, type AuditEntry, type AuditHead, type AuditInput } from '../../core/audit.js';
import { StrataError } from '../../core/errors.js';
import type { AuditQuery, AuditStore } from '../audit.js';

/**
 * Schema of the audit table (migration 2 of the SQLite store). No foreign key to workspaces: history must
 * outlive what it describes, and a cascading delete would be exactly the rewrite the triggers forbid.
 * The triggers make UPDATE and DELETE fail for any code using this database, ours included; someone with
 * the file can still drop them, which is what `strata audit verify` is for.
 */
export const AUDIT_DDL = `
  CREATE TABLE audit_log (
    workspace_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq >= 1),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    resources TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny', 'error')),
    trace_id TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
  ) WITHOUT ROWID;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, '[strata] [store:sqlite] audit_log is append-only: entries cannot be changed'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, '[strata] [store:sqlite] audit_log is append-only: entries cannot be deleted'); END;
`;

export interface SqliteAudit {
  methods: AuditStore;
  /** Appends entries inside the caller's open (IMMEDIATE) transaction and returns them as stored. */
  appendInTx(entries: AuditInput[]): AuditEntry[];
}

type Row = Record<string, unknown>;

/** How long an append keeps retrying while other processes hold the write lock (the connection's own timeout). */
const BUSY_DEADLINE_MS = 10_000;

const toEntry = (r: Row): AuditEntry => ({
  workspaceId: r.workspace_id as string,
  seq: r.seq as number,
  at: r.at as string,
  actor: r.actor as string,
  action: r.action as string,
  resources: JSON.parse(r.resources as string) as string[],
  decision: r.decision as AuditEntry['decision'],
  traceId: r.trace_id as string,
  details: JSON.parse(r.details as string) as Record<string, unknown>,
  prevHash: r.prev_hash as string,
  hash: r.hash as string,
});

export function sqliteAudit(db: BetterSqlite3.Database, now: () => string): SqliteAudit {
  const q = {
    head: db.prepare('SELECT seq, hash FROM audit_log WHERE workspace_id = ? ORDER BY seq DESC LIMIT 1'),
    workspace: db.prepare('SELECT 1 FROM workspaces WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO audit_log (workspace_id, seq, at, actor, action, resources, decision, trace_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    list: db.prepare('SELECT * FROM audit_log WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
  };

  const appendInTx = (inputs: AuditInput[]): AuditEntry[] => {
    // The head is read and extended in one transaction; a read outside it could let two writers chain
    // onto the same entry. Refusing here turns such a bug into an error instead of a forked chain.
    if (!db.inTransaction) {
      throw new StrataError('store:sqlite', 'internal', 'audit entries must be appended inside a write transaction');
    }
    const heads = new Map<string, AuditHead>();
    const ts = now();
    return inputs.map((input) => {
      validateAuditInput(input); // before the head is looked up by its workspace id
      const head = heads.get(input.workspaceId) ?? readHead(input);
      // Stored as their canonical JSON, which nextEntryWithJson already made for the hash.
      const { entry: e, detailsJson, resourcesJson } = nextEntryWithJson(head, input, ts);
      q.insert.run(e.workspaceId, e.seq, e.at, e.actor, e.action, resourcesJson, e.decision, e.traceId, detailsJson, e.prevHash, e.hash);
      heads.set(e.workspaceId, e);
      return e;
    });
  };
  const readHead = (input: AuditInput): AuditHead => {
    if (!q.workspace.get(input.workspaceId)) {
      throw new StrataError('store:sqlite', 'not-found', `audit entry for unknown workspace ${input.workspaceId} (action: ${input.action})`, {
        hint: 'record audit entries with the id of an existing workspace (Workspace.id, not its name)',
      });
    }
    return (q.head.get(input.workspaceId) as AuditHead | undefined) ?? AUDIT_GENESIS;
  };
  const appendTx = db.transaction(appendInTx);
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  // The appends below switch the wait off and back with db.pragma, not prepared statements: a prepared PRAGMA
  // busy_timeout does not reliably apply when run (seen with better-sqlite3 12); db.pragma costs ~4 µs a batch.

  return {
    appendInTx,
    methods: {
      async appendAudit(entries) {
        if (entries.length === 0) return [];
        // IMMEDIATE takes the write lock before the head is read, so another process appending to the
        // same file waits instead of reading a head that is about to become stale. The wait is asynchronous:
        // with the connection's busy timeout, SQLite would sleep inside the call and stall this process's
        // event loop (every request in flight) while another server worker holds the lock.
        const deadline = Date.now() + BUSY_DEADLINE_MS;
        for (let pause = 0.25; ; pause = Math.min(pause * 2, 16)) {
          db.pragma('busy_timeout = 0');
          try {
            return appendTx.immediate(entries);
          } catch (e) {
            if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
          } finally {
            db.pragma(`busy_timeout = ${busyTimeout}`);
          }
          await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
        }
      },
      async listAudit({ workspaceId, afterSeq = 0, limit = 1000 }: AuditQuery) {
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          throw new StrataError('store:sqlite', 'invalid-input', `audit page size must be a whole number from 1 to 10000, got ${limit}`);
        }
        return (q.list.all(workspaceId, afterSeq, limit) as Row[]).map(toEntry);
      },
    },
  };
}
