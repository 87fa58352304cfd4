// The directory of users and groups as the service layer sees it: kept in the store, seeded from the config
// file's `directory` section at start-up, and turned into a Caller's principals.
import { callerFor, type Directory } from '../core/access.js';
import type { StrataConfig } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import type { Caller, Role } from '../core/types.js';
import type { Principal, PrincipalKind } from '../store/policy.js';
import type { Store } from '../store/types.js';

export interface DirectorySyncReport {
  upserted: number;
  deleted: number;
}

/**
 * Makes the store's config-sourced users and groups match `config.directory`: entries are created or updated
 * (the config wins over an API edit of the same principal), config entries no longer in the file are removed,
 * and principals created through the API are left alone. Idempotent and write-free when nothing changed, so
 * every start-up can call it; a crash half-way is repaired by the next call.
 */
export async function syncDirectoryFromConfig(store: Store, workspaceId: string, config: Pick<StrataConfig, 'directory'>): Promise<DirectorySyncReport> {
  const existing = new Map((await store.listPrincipals(workspaceId)).map((p) => [`${p.kind}:${p.id}`, p]));
  const wanted = new Map<string, { kind: PrincipalKind; id: string; groups: string[] }>();
  for (const [id, u] of Object.entries(config.directory.users)) wanted.set(`user:${id}`, { kind: 'user', id, groups: [...new Set(u.groups)] });
  for (const [id, g] of Object.entries(config.directory.groups)) wanted.set(`group:${id}`, { kind: 'group', id, groups: [...new Set(g.groups ?? [])] });
  const report: DirectorySyncReport = { upserted: 0, deleted: 0 };
  for (const [key, w] of wanted) {
    const have = existing.get(key);
    if (have && have.source === 'config' && sameList(have.groups, w.groups)) continue;
    await store.upsertPrincipal({ workspaceId, ...w, displayName: have?.displayName ?? null, source: 'config' });
    report.upserted++;
  }
  for (const [key, p] of existing) {
    if (p.source !== 'config' || wanted.has(key)) continue;
    if (await store.deletePrincipal(workspaceId, p.kind, p.id)) report.deleted++;
  }
  return report;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The workspace's directory in the shape resolvePrincipals reads. */
export function directoryFrom(principals: readonly Principal[]): Directory {
  const users: Record<string, { groups: string[] }> = {};
  const groups: Record<string, { groups: string[] }> = {};
  for (const p of principals) (p.kind === 'user' ? users : groups)[p.id] = { groups: p.groups };
  return { users, groups };
}

export async function loadDirectory(store: Store, workspaceId: string): Promise<Directory> {
  return directoryFrom(await store.listPrincipals(workspaceId));
}

/**
 * The Caller for a user of the directory, with every group it holds (transitively). A subject the directory
 * does not know is refused rather than given `*` alone, so a typo in `--as` cannot pass for a real user.
 */
export async function resolveCaller(store: Store, workspaceId: string, subject: string, role: Role = 'reader'): Promise<Caller> {
  const directory = await loadDirectory(store, workspaceId);
  if (!Object.hasOwn(directory.users, subject)) {
    const known = Object.keys(directory.users);
    throw new StrataError('search', 'not-found', `user "${subject}" is not in the directory of this workspace`, {
      details: { subject },
      hint: known.length
        ? `known users: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`
        : 'add users under `directory.users` in strata.config.yaml',
    });
  }
  return callerFor(workspaceId, subject, role, directory);
}
