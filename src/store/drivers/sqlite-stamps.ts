// Change stamps: how the SQLite store caches hot rows (API keys, collections) in memory without serving stale
// ones when another process — a second server worker, a CLI ingest — changes them.
//
// A small file beside the database (`strata.db-stamps`) holds one 8-byte stamp per kind of row. A process that
// commits a change to rows of a kind writes a fresh random stamp for that kind *after* the commit; a cached row
// is used only while its kind's stamp still equals the one read *before* the row was read from the database.
// Whatever the interleaving, a reader that sees the new stamp reads the committed row, and a row read before
// the commit was cached under the old stamp, which no longer matches. Checking costs one 16-byte pread
// (2–8 µs on this kind of VM) where an SQLite read transaction cost 10–70 µs in a busy server — the reason this
// exists.
// Stamps are random rather than counters, so two processes bumping at once can never write the same value
// twice. A cached row also expires after MAX_AGE_MS, which bounds staleness after edits made to the database
// by hand or a process killed between its commit and its bump.
//
// For READ_REUSE_MS after a read, the stamps read are reused: a busy server reads the file once per few
// milliseconds instead of once per request (a pread costs ~13 µs of a loaded gateway's main thread here), and a
// change another process commits is seen by every request that starts READ_REUSE_MS after it or later. Bumps
// by this process drop the snapshot at once, for every store of this process on the same file, so a process
// always sees its own changes.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { resolve } from 'node:path';
import { StrataError } from '../../core/errors.js';

export const STAMP_KINDS = { keys: 0, collections: 1 } as const;
export type StampKind = keyof typeof STAMP_KINDS;
const SLOT_BYTES = 8;
const FILE_BYTES = SLOT_BYTES * Object.keys(STAMP_KINDS).length;
const MAX_AGE_MS = 2000;
const MAX_ENTRIES = 10_000;
/** How long stamps read from the file are reused: how late a change by another process may be seen. */
export const READ_REUSE_MS = 5;

/** The latest stamps read, by stamps file, with when they were read. */
const recentReads = new Map<string, { view: BigUint64Array; at: number }>();

export interface ChangeStamps {
  /** The current stamp of a kind (compare with `===`). */
  read(kind: StampKind): bigint;
  /** Marks rows of a kind changed; call after the change is committed. */
  bump(kind: StampKind): void;
  close(): void;
}

/** Stamps in a file shared by every process opening the same database; in memory for `:memory:` databases. */
export function openChangeStamps(dbFile: string): ChangeStamps {
  if (dbFile === ':memory:') {
    const stamps = new BigUint64Array(Object.keys(STAMP_KINDS).length);
    return {
      read: (kind) => stamps[STAMP_KINDS[kind]]!,
      bump: (kind) => void (stamps[STAMP_KINDS[kind]]! += 1n),
      close: () => undefined,
    };
  }
  // Opening with 'a' creates the file without truncating another process's stamps; positional writes need 'r+'.
  const file = resolve(`${dbFile}-stamps`);
  let fd: number;
  try {
    closeSync(openSync(file, 'a'));
    fd = openSync(file, 'r+');
  } catch (cause) {
    throw new StrataError('store:sqlite', 'unavailable', `cannot open ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      cause,
      hint: 'the store keeps this small file beside strata.db; make it readable and writable by the user running Strata',
    });
  }
  const fresh = Buffer.alloc(SLOT_BYTES);
  return {
    read(kind) {
      const now = performance.now();
      let snapshot = recentReads.get(file);
      if (snapshot === undefined || now - snapshot.at > READ_REUSE_MS) {
        const buf = Buffer.alloc(FILE_BYTES);
        // A short read (new, empty file) leaves zeros: stamp 0 until the first bump.
        readSync(fd, buf, 0, FILE_BYTES, 0);
        snapshot = { view: new BigUint64Array(buf.buffer, buf.byteOffset, FILE_BYTES / SLOT_BYTES), at: now };
        recentReads.set(file, snapshot);
      }
      return snapshot.view[STAMP_KINDS[kind]]!;
    },
    bump(kind) {
      randomFillSync(fresh);
      writeSync(fd, fresh, 0, SLOT_BYTES, STAMP_KINDS[kind] * SLOT_BYTES);
      recentReads.delete(file);
    },
    close: () => closeSync(fd),
  };
}

/**
 * A bounded map of rows validated by a change stamp. `get` returns a cached value only while the kind's stamp
 * is unchanged and the entry is younger than MAX_AGE_MS; otherwise it loads (stamp read first, see above).
 * Values are frozen: every caller shares them.
 */
export function stampedCache<V extends object>(stamps: ChangeStamps, kind: StampKind) {
  const entries = new Map<string, { value: V; stamp: bigint; at: number }>();
  return {
    get(key: string, load: () => V | null): V | null {
      const stamp = stamps.read(kind);
      const hit = entries.get(key);
      if (hit && hit.stamp === stamp && Date.now() - hit.at < MAX_AGE_MS) return hit.value;
      const value = load();
      if (value === null) {
        entries.delete(key);
        return null;
      }
      if (entries.size >= MAX_ENTRIES && !entries.has(key)) entries.delete(entries.keys().next().value!);
      const frozen = deepFreeze(value);
      entries.set(key, { value: frozen, stamp, at: Date.now() });
      return frozen;
    },
    /** Replaces cached values in place (a change this process made that other processes need not see at once). */
    updateWhere(match: (value: V) => boolean, change: (value: V) => V): void {
      for (const hit of entries.values()) if (match(hit.value)) hit.value = deepFreeze(change(hit.value));
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
