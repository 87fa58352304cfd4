// The tamper-evident audit log's entry format and hash chain. Pure: drivers store entries, the audit
// service (src/audit/) verifies them, and both agree on the bytes hashed because both use this file.
import { createHash } from 'node:crypto';
import { StrataError } from './errors.js';
import { sha256 } from './ids.js';

export type AuditDecision = 'allow' | 'deny' | 'error';
export const AUDIT_DECISIONS: readonly AuditDecision[] = ['allow', 'deny', 'error'];

/** What a caller records: who did what to which resources in which workspace, and the outcome. */
export interface AuditInput {
  workspaceId: string;
  /** Who acted: `user:alice`, `key:<id>`, `cli`, `system`. */
  actor: string;
  /** What was attempted, `<noun>.<verb>`: `document.delete`, `search.query`, `policy.set`. */
  action: string;
  /** What it touched, as `<kind>:<id>` (e.g. `document:<id>` for every document a search returned). */
  resources: string[];
  decision: AuditDecision;
  /** The request's trace id, so an entry can be joined with logs and traces. */
  traceId: string;
  details?: Record<string, unknown>;
  /** ISO time; the store's clock when absent. */
  at?: string;
}

/** An entry as stored: numbered within its workspace and chained to the entry before it. */
export interface AuditEntry {
  workspaceId: string;
  /** 1, 2, 3… within the workspace, without gaps. */
  seq: number;
  at: string;
  actor: string;
  action: string;
  resources: string[];
  decision: AuditDecision;
  traceId: string;
  details: Record<string, unknown>;
  /** `hash` of the previous entry of the workspace; GENESIS_HASH for entry 1. */
  prevHash: string;
  /** sha256 (hex) of prevHash and every other field: see hashEntry. */
  hash: string;
}

/** The head of a workspace's chain: what the next entry links to. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_GENESIS: AuditHead = { seq: 0, hash: GENESIS_HASH };

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth, so one entry always serializes —
 * and hashes — the same whatever order its keys were built in. Values follow JSON.stringify (toJSON is
 * called, undefined object members dropped, non-finite numbers become null).
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (isSkipped(v) ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members = Object.keys(obj)
      .filter((k) => !isSkipped(obj[k]))
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${members.join(',')}}`;
  }
  if (isSkipped(value)) return 'null';
  return JSON.stringify(value);
}

const isSkipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * The entry's hash: sha256 hex of the canonical JSON of every field but `hash`, with `prevHash` set to the
 * given value. Fields are picked by name so extra properties on the object (or a future optional field
 * left unset) never change the hash of entries already written.
 */
export function hashEntry(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return sha256(hashedText(prevHash, entry));
}

const SEQ_MARK = '\u0000strata-seq\u0000';

/**
 * hashEntry of one entry at many candidate seqs, which verification tries to tell a renumbered entry from an
 * edited one. Canonical keys are sorted, so everything before "seq" (details, resources) is hashed once.
 */
export function hashEntryAtSeq(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): (seq: number) => string {
  const parts = hashedText(prevHash, { ...entry, seq: SEQ_MARK as unknown as number }).split(JSON.stringify(SEQ_MARK));
  if (parts.length !== 2) return (seq) => hashEntry(prevHash, { ...entry, seq });
  const head = createHash('sha256').update(parts[0]!);
  return (seq) => head.copy().update(`${JSON.stringify(seq)}${parts[1]!}`).digest('hex');
}

function hashedText(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return canonicalJson({
    workspaceId: entry.workspaceId,
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    resources: entry.resources,
    decision: entry.decision,
    traceId: entry.traceId,
    details: entry.details,
    prevHash,
  });
}

/**
 * Builds the entry that follows `head`. `details` is normalized through canonical JSON here, so the entry
 * returned to the caller equals the one read back from any store (a Date becomes its ISO string, undefined
 * members vanish) and both hash the same.
 */
export function nextEntry(head: AuditHead, input: AuditInput, now: string): AuditEntry {
  return nextEntryWithJson(head, input, now).entry;
}

/**
 * nextEntry with the canonical JSON of `details` and `resources`, which stores keep as the stored text. Every
 * search appends an entry, so the hashed text is assembled here from those two strings instead of serialising
 * the entry again (the same bytes as hashEntry's: a test compares them on random entries).
 */
export function nextEntryWithJson(head: AuditHead, input: AuditInput, now: string): { entry: AuditEntry; detailsJson: string; resourcesJson: string } {
  validateAuditInput(input);
  const detailsJson = canonicalJson(input.details ?? {});
  const resourcesJson = JSON.stringify(input.resources); // validated: an array of strings, whose canonical JSON this is
  const body = {
    workspaceId: input.workspaceId,
    seq: head.seq + 1,
    at: input.at ?? now,
    actor: input.actor,
    action: input.action,
    resources: [...input.resources],
    decision: input.decision,
    traceId: input.traceId,
    details: JSON.parse(detailsJson) as Record<string, unknown>,
  };
  const j = JSON.stringify;
  // canonicalJson of hashedText's object: its keys in sorted order, every member defined.
  const text = `{"action":${j(body.action)},"actor":${j(body.actor)},"at":${j(body.at)},"decision":${j(body.decision)},"details":${detailsJson},"prevHash":${j(head.hash)},"resources":${resourcesJson},"seq":${j(body.seq)},"traceId":${j(body.traceId)},"workspaceId":${j(body.workspaceId)}}`;
  return { entry: { ...body, prevHash: head.hash, hash: sha256(text) }, detailsJson, resourcesJson };
}

/** Rejects entries a reader could not interpret, before anything is written. */
export function validateAuditInput(input: AuditInput): void {
  const bad = (field: string, expected: string) =>
    new StrataError('audit', 'invalid-input', `audit entry ${field} must be ${expected} (action: ${String(input?.action)})`, {
      details: { field },
      hint: 'this is a bug in the caller that records the entry; the change it describes was not applied',
    });
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!text(input?.workspaceId)) throw bad('workspaceId', 'a non-empty string');
  if (!text(input.actor)) throw bad('actor', 'a non-empty string');
  if (!text(input.action)) throw bad('action', 'a non-empty string');
  if (!text(input.traceId)) throw bad('traceId', 'a non-empty string');
  if (!Array.isArray(input.resources) || !input.resources.every(text)) throw bad('resources', 'an array of non-empty strings');
  if (!AUDIT_DECISIONS.includes(input.decision)) throw bad('decision', `one of ${AUDIT_DECISIONS.join(', ')}`);
  if (input.at !== undefined && (typeof input.at !== 'string' || Number.isNaN(Date.parse(input.at)))) {
    throw bad('at', 'an ISO date-time string');
  }
  if (input.details !== undefined && (input.details === null || typeof input.details !== 'object' || Array.isArray(input.details))) {
    throw bad('details', 'an object');
  }
}
