// The independent statement of the read rule the randomized leak tests check the searcher against: a
// fixed-point closure of group memberships and a literal reading of the rule — it never asks the code under test.
import type { StrataConfig } from '../core/config.js';
import type { AccessPolicy } from '../core/types.js';

export type Dir = StrataConfig['directory'];

/** Every principal `user` holds: itself, `*`, and each group it reaches through memberships (unknown groups ignored). */
export function referencePrincipals(user: string, dir: Dir): Set<string> {
  const groups = new Set((dir.users[user]?.groups ?? []).filter((g) => g in dir.groups));
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of [...groups]) {
      for (const parent of dir.groups[g]?.groups ?? []) {
        if (parent in dir.groups && !groups.has(parent)) {
          groups.add(parent);
          changed = true;
        }
      }
    }
  }
  return new Set([`user:${user}`, '*', ...[...groups].map((g) => `group:${g}`)]);
}

export const referenceCanRead = (policy: AccessPolicy | null, principals: Set<string>) =>
  policy === null || policy.readers.some((r) => principals.has(r));
