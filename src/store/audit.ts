// Storage contract for the audit log (append-only, hash-chained). Implemented per driver in
// drivers/<name>-audit.ts; behaviour pinned by conformance-audit.testkit.ts. The entry format and the hash
// live in core/audit.ts so every driver chains identically and src/audit/ can verify any of them.
import type { AuditEntry, AuditInput } from '../core/audit.js';

export type { AuditDecision, AuditEntry, AuditInput } from '../core/audit.js';

export interface AuditQuery {
  workspaceId: string;
  /** Entries with a larger seq (paging: pass the last seq of the previous page). Default 0. */
  afterSeq?: number;
  /** Page size, 1–10 000. Default 1 000. */
  limit?: number;
}

/**
 * There is deliberately no update or delete: entries are only ever appended. To record a change and its
 * entry atomically, put the entry in `WriteBatch.audit` (or the `audit` argument of other writes) instead
 * of calling appendAudit afterwards.
 */
export interface AuditStore {
  /**
   * Appends entries in one transaction (all or none), each chained to the last entry of its workspace,
   * and returns them as stored. For events that change nothing else, such as a search.
   */
  appendAudit(entries: AuditInput[]): Promise<AuditEntry[]>;
  /** One workspace's entries in ascending seq. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
