// Ids and hashes. Hashes are content addresses (sha256); ids are random and sortable by time.
import { createHash, randomBytes } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// Random bytes are drawn 4 KiB at a time: one randomBytes() call per id costs a syscall, which showed up
// in ingest profiles at thousands of documents per second.
let pool = Buffer.alloc(0);
let poolAt = 0;

/** Time-sortable random id: 12 hex chars of milliseconds + 10 random hex chars, with a readable prefix. */
export function newId(prefix: string, now: number = Date.now()): string {
  if (poolAt + 5 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const rand = pool.toString('hex', poolAt, poolAt + 5);
  poolAt += 5;
  return `${prefix}_${now.toString(16).padStart(12, '0')}${rand}`;
}

/** Deterministic id derived from parts, used for chunk ids so re-ingesting gives the same ids. */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${sha256(parts.join('\u0000')).slice(0, 24)}`;
}
