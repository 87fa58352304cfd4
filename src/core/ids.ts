// Ids and hashes. Hashes are content addresses (sha256); ids are random and sortable by time.
import * as crypto from 'node:crypto';

const { createHash, randomBytes } = crypto;
// crypto.hash (Node ≥ 20.12) is one call without a Hash object: ~2.5× faster on the short texts hashed per
// request (API keys, audit entries). Node 20.10–20.11 (allowed by engines) fall back to createHash.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
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
