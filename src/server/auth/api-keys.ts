// API key material: random, shown once, stored as a sha256 hash. Keys carry 256 bits of entropy, so a fast
// hash is enough (a slow password hash protects guessable secrets, which these are not).
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../core/ids.js';

/** Every key starts with this, so a leaked key is recognizable (secret scanners) and never mistaken for a JWT. */
export const API_KEY_PREFIX = 'strata_';
const KEY_SHAPE = /^strata_[A-Za-z0-9_-]{43}$/;

export interface NewKeyMaterial {
  /** The full key: give it to the user once, never store or log it. */
  key: string;
  hash: string;
  /** Enough of the key to tell keys apart in listings. */
  prefix: string;
}

export function generateApiKey(): NewKeyMaterial {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

export const hashApiKey = (key: string): string => sha256(key);

export const looksLikeApiKey = (token: string): boolean => KEY_SHAPE.test(token);
