// Ids and hashes. Hashes are content addresses (sha256); ids are random and sortable by time.
import { createHash, randomBytes } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Time-sortable random id: 12 hex chars of milliseconds + 10 random hex chars, with a readable prefix. */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${randomBytes(5).toString('hex')}`;
}

/** Deterministic id derived from parts, used for chunk ids so re-ingesting gives the same ids. */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${sha256(parts.join('\u0000')).slice(0, 24)}`;
}
