// Verifies and exports a workspace's audit chain (see core/audit.ts for the format). Verification streams:
// it holds the last good entry and a few facts about the rest, so it runs in constant memory on any size.
//
// How damage is named, at the first entry that does not follow from the one before it:
//   seq skips numbers                                     → deleted   (entries removed, not renumbered)
//   seq repeats / goes back, or another workspace's entry → inserted / reordered
//   hash matches no seq nearby                            → edited    (content changed after writing)
//   hash matches a higher seq (entry renumbered down)     → deleted, or reordered if its predecessor comes later
//   hash matches a lower seq (entry renumbered up)        → inserted  (forged entries pushed it along)
//   hash fine, prevHash wrong: its predecessor comes later → reordered
//                              the next entry links to it → edited    (the entry before was rewritten and re-hashed)
//                              it is last / skipped       → inserted
// What no hash chain can show on its own: entries cut off the end, or a rewrite of an entry and every one
// after it. Record `lastHash` somewhere the store's owner cannot write, and compare.
import { GENESIS_HASH, hashEntry, hashEntryAtSeq, type AuditEntry } from '../core/audit.js';
import type { AuditStore } from '../store/audit.js';

export type AuditProblem = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'broken-link';

export type AuditVerification =
  | { ok: true; count: number; lastHash: string }
  | { ok: false; count: number; firstBadSeq: number; problem: AuditProblem; message: string };

/** How far from its current seq an entry's hash is searched for, to tell a renumbered entry from an edited one. */
const RENUMBER_WINDOW = 10_000;

/** Reads one workspace's entries page by page, in ascending seq. */
export async function* auditEntries(
  store: Pick<AuditStore, 'listAudit'>,
  workspaceId: string,
  pageSize = 1000,
): AsyncGenerator<AuditEntry> {
  for (let afterSeq = 0; ; ) {
    const page = await store.listAudit({ workspaceId, afterSeq, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}

/**
 * Writes one workspace's entries as JSON Lines: `write` gets one JSON object per call, without the newline,
 * and may return a promise to apply back-pressure. Returns the number of entries written.
 */
export async function exportAudit(
  store: Pick<AuditStore, 'listAudit'>,
  workspaceId: string,
  write: (line: string) => void | Promise<void>,
): Promise<number> {
  let count = 0;
  for await (const entry of auditEntries(store, workspaceId)) {
    await write(JSON.stringify(entry));
    count++;
  }
  return count;
}

/** What diagnosis needs to know about the entries after the first bad one. */
interface Later {
  next: AuditEntry | undefined;
  /** An entry after the bad one has the hash the bad one links to. */
  predecessorLater: boolean;
  /** An entry after the bad one has the seq that was expected in its place. */
  expectedSeqLater: boolean;
}

/**
 * Checks a chain in ascending seq order (one workspace, starting at entry 1): every hash recomputed,
 * every link and number checked. Reports the first damage found; `count` is the number of entries read.
 */
export async function verifyAuditChain(entries: Iterable<AuditEntry> | AsyncIterable<AuditEntry>): Promise<AuditVerification> {
  let prev: AuditEntry | null = null;
  let bad: AuditEntry | null = null;
  const later: Later = { next: undefined, predecessorLater: false, expectedSeqLater: false };
  let count = 0;
  for await (const e of entries) {
    count++;
    if (bad) {
      // Keep reading after the damage: whether the missing predecessor or number turns up later is what
      // tells a reordering from a deletion or an insertion.
      later.next ??= e;
      if (e.hash === bad.prevHash) later.predecessorLater = true;
      if (e.seq === (prev?.seq ?? 0) + 1) later.expectedSeqLater = true;
    } else if (follows(e, prev)) {
      prev = e;
    } else {
      bad = e;
    }
  }
  if (!bad) return { ok: true, count, lastHash: prev?.hash ?? GENESIS_HASH };
  const found = diagnose(bad, prev, later);
  const intact = found.firstBadSeq > 1 ? ` Entries before ${found.firstBadSeq} verify.` : '';
  return {
    ok: false,
    count,
    ...found,
    message: `${found.message}${intact} Restore the audit log from a backup taken before the change, and find out who could write to the store's data directory.`,
  };
}

function follows(e: AuditEntry, prev: AuditEntry | null): boolean {
  return (
    (prev === null || e.workspaceId === prev.workspaceId) &&
    e.seq === (prev?.seq ?? 0) + 1 &&
    e.prevHash === (prev?.hash ?? GENESIS_HASH) &&
    hashEntry(e.prevHash, e) === e.hash
  );
}

type Finding = { firstBadSeq: number; problem: AuditProblem; message: string };

function diagnose(e: AuditEntry, prev: AuditEntry | null, later: Later): Finding {
  const expected = (prev?.seq ?? 0) + 1;
  const found = (firstBadSeq: number, problem: AuditProblem, message: string): Finding => ({ firstBadSeq, problem, message });

  // 1. Numbering and membership, which listAudit's order makes visible before any hash is needed.
  if (prev && e.workspaceId !== prev.workspaceId) {
    return found(e.seq, 'inserted', `audit entry ${e.seq} belongs to workspace ${e.workspaceId}, not ${prev.workspaceId}: it was inserted from another log.`);
  }
  if (!Number.isSafeInteger(e.seq)) {
    return found(e.seq, 'inserted', `audit entry ${e.seq} was inserted after entry ${expected - 1}: Strata numbers entries 1, 2, 3… only.`);
  }
  if (e.seq > expected) {
    if (later.expectedSeqLater) {
      return found(e.seq, 'reordered', `audit entry ${e.seq} comes before entry ${expected}: the log was reordered.`);
    }
    const range = e.seq - expected === 1 ? `entry ${expected} is` : `entries ${expected}–${e.seq - 1} are`;
    const where = expected === 1 ? `the log starts at entry ${e.seq}` : `the log jumps from entry ${expected - 1} to ${e.seq}`;
    return found(expected, 'deleted', `audit ${range} missing: ${where}.`);
  }
  if (e.seq < expected) {
    return e.seq === prev?.seq
      ? found(e.seq, 'inserted', `audit entry ${e.seq} appears twice: one of the two was inserted.`)
      : found(e.seq, 'reordered', `audit entry ${e.seq} comes after entry ${expected - 1}: the log was reordered.`);
  }

  // 2. The number is right; the hash says which number (if any) the entry was written with.
  const written = seqWrittenAs(e);
  if (written === null) {
    return found(e.seq, 'edited', `audit entry ${e.seq} was changed after it was written: its content no longer matches its hash.`);
  }
  if (written > e.seq) {
    if (later.predecessorLater) {
      return found(e.seq, 'reordered', `audit entry ${e.seq} was written as entry ${written} and moved up the log: the log was reordered.`);
    }
    const n = written - e.seq;
    return found(e.seq, 'deleted', `${plural(n, 'audit entry', 'audit entries')} before entry ${e.seq} ${n === 1 ? 'was' : 'were'} deleted and the entries after renumbered to hide the gap (entry ${e.seq} was written as entry ${written}).`);
  }
  if (written < e.seq) {
    const n = e.seq - written;
    return found(written, 'inserted', `${plural(n, 'forged audit entry', 'forged audit entries')} ${n === 1 ? 'was' : 'were'} inserted at entry ${written}: the entry now numbered ${e.seq} was written as entry ${written}.`);
  }

  // 3. Number and hash are right, the link is not.
  if (later.predecessorLater) {
    return found(e.seq, 'reordered', `audit entry ${e.seq} links to an entry that comes after it: the log was reordered.`);
  }
  if (later.next && later.next.prevHash === e.hash) {
    // Entry e is genuine (its successor recorded its hash); what it links to is not what is stored before it.
    return prev
      ? found(prev.seq, 'edited', `audit entry ${prev.seq} was rewritten and its hash recomputed: entry ${e.seq} still links to the original.`)
      : found(e.seq, 'broken-link', `audit entry 1 does not start from the beginning of the chain: history before it was removed.`);
  }
  if (!later.next || later.next.prevHash === (prev?.hash ?? GENESIS_HASH)) {
    const how = later.next ? 'and the entry after it skips it' : 'and it is the last entry';
    return found(e.seq, 'inserted', `audit entry ${e.seq} does not link to entry ${e.seq - 1} ${how}: it was inserted by something other than Strata.`);
  }
  return found(e.seq, 'broken-link', `audit entry ${e.seq} does not link to entry ${e.seq - 1}, and several changes overlap there.`);
}

/** The seq the entry's hash was computed with: its own, or the nearest that matches, or null if none does. */
function seqWrittenAs(e: AuditEntry): number | null {
  const hashAt = hashEntryAtSeq(e.prevHash, e);
  if (hashAt(e.seq) === e.hash) return e.seq;
  for (let d = 1; d <= RENUMBER_WINDOW; d++) {
    for (const seq of [e.seq + d, e.seq - d]) {
      if (seq >= 1 && hashAt(seq) === e.hash) return seq;
    }
  }
  return null;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);
