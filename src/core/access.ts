// Who may read what: the pure rules behind permission-aware retrieval. Every guarded path (search in every
// mode, document fetch, listings, counts) asks `canRead`; callers get their principals from `resolvePrincipals`.
import { StrataError } from './errors.js';
import type { AccessPolicy, Caller, Role } from './types.js';

/** The directory of users and groups, as the config section and the store both describe it. */
export interface Directory {
  /** User id → the groups the user is a direct member of. */
  users: Readonly<Record<string, { readonly groups: readonly string[] }>>;
  /** Group id → the groups this group is itself a member of (nesting). */
  groups: Readonly<Record<string, { readonly groups?: readonly string[] }>>;
}

/** Principal everyone in the workspace holds. */
export const EVERYONE = '*';

/** Ids of users and groups: no spaces, no `:` (it separates kind and id) and no `*`. */
export const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/;
/** What a policy's `readers` may list. */
const READER = /^(\*|(user|group):[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127})$/;

/**
 * A document without a policy is readable by every member of its workspace; otherwise by a caller holding any
 * principal in `readers`. An empty `readers` list means nobody. Roles play no part: an admin manages, it
 * does not read past policies.
 */
export function canRead(policy: AccessPolicy | null, principals: ReadonlySet<string>): boolean {
  if (policy === null) return true;
  for (const r of policy.readers) if (principals.has(r)) return true;
  return false;
}

/**
 * Every principal `subject` holds: `user:<subject>`, `group:<g>` for each group reached through memberships
 * (groups of groups included; cycles are harmless) and `*`. Only groups defined in the directory are granted,
 * so deleting a group revokes it even where a stale membership still names it.
 */
export function resolvePrincipals(subject: string, directory: Directory): string[] {
  const out = [`user:${subject}`];
  const seen = new Set<string>();
  const queue = [...(Object.hasOwn(directory.users, subject) ? directory.users[subject]!.groups : [])];
  while (queue.length > 0) {
    const g = queue.shift()!;
    if (seen.has(g) || !Object.hasOwn(directory.groups, g)) continue;
    seen.add(g);
    out.push(`group:${g}`);
    queue.push(...(directory.groups[g]!.groups ?? []));
  }
  out.push(EVERYONE);
  return out;
}

/** Builds the caller for a directory user. */
export function callerFor(workspaceId: string, subject: string, role: Role, directory: Directory): Caller {
  return { workspaceId, subject, role, principals: resolvePrincipals(subject, directory) };
}

/**
 * A trusted local operator (the CLI without `--as`, the benchmark runner): reads everything in its workspace.
 * Only in-process entry points may build one; the HTTP server never does (see Caller.bypassAcl).
 */
export function operatorCaller(workspaceId: string, subject: string): Caller {
  return { workspaceId, subject, role: 'admin', principals: [`user:${subject}`, EVERYONE], bypassAcl: true };
}

/** A stable key for a set of principals (order and duplicates do not matter), for caches keyed by it. */
export function principalsKey(principals: readonly string[]): string {
  return [...new Set(principals)].sort().join('\n');
}

/** Checks a policy before it is stored, so a typo such as `group finance` fails loudly instead of locking readers out. */
export function validateAccessPolicy(policy: AccessPolicy | null, component: string): void {
  if (policy === null) return;
  const readers: unknown = (policy as { readers?: unknown }).readers;
  if (!Array.isArray(readers)) {
    throw new StrataError(component, 'invalid-input', 'an access policy needs a `readers` list', {
      hint: 'use null for "everyone in the workspace", or { readers: ["user:alice", "group:finance"] }',
    });
  }
  const bad = readers.filter((r) => typeof r !== 'string' || !READER.test(r));
  if (bad.length > 0) {
    throw new StrataError(component, 'invalid-input', `invalid readers in access policy: ${bad.map((r) => JSON.stringify(r)).join(', ')}`, {
      details: { invalid: bad },
      hint: 'each reader is "*", "user:<id>" or "group:<id>" (ids: letters, digits, _ . @ + -)',
    });
  }
}
