// Builds a request's Caller from an authenticated identity and the workspace directory. The directory is read
// on every request at most once per `ttlMs` per workspace (it is a full listing), and the directory routes
// drop the cached copy when they change it, so API edits apply to the next request.
import { callerFor, type Directory } from '../../core/access.js';
import { StrataError } from '../../core/errors.js';
import type { Caller, Role } from '../../core/types.js';
import { loadDirectory } from '../../search/directory.js';
import type { Store } from '../../store/types.js';

export interface CallerResolver {
  /**
   * `groups` are memberships asserted by the credential itself (an identity provider's groups claim); they are
   * granted even when the directory does not define them. `requireKnown` refuses subjects the directory does
   * not list (API keys: deleting a user from the directory locks out its keys).
   */
  resolve(input: { workspaceId: string; subject: string; role: Role; groups?: string[]; requireKnown: boolean }): Promise<Caller>;
  invalidate(workspaceId: string): void;
}

export function createCallerResolver(store: Store, options: { ttlMs?: number; now?: () => number } = {}): CallerResolver {
  const ttl = options.ttlMs ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; directory: Promise<Directory> }>();

  const directoryOf = (workspaceId: string): Promise<Directory> => {
    const hit = cache.get(workspaceId);
    if (hit && now() - hit.at < ttl) return hit.directory;
    const directory = loadDirectory(store, workspaceId);
    cache.set(workspaceId, { at: now(), directory });
    directory.catch(() => cache.delete(workspaceId));
    return directory;
  };

  return {
    async resolve({ workspaceId, subject, role, groups = [], requireKnown }) {
      const directory = await directoryOf(workspaceId);
      const known = Object.hasOwn(directory.users, subject);
      if (requireKnown && !known) {
        throw new StrataError('server:auth', 'unauthorized', `the user "${subject}" this credential acts for is not in the workspace directory`, {
          hint: 'an admin can add the user (PUT /v1/directory/users/{id}) or issue a key for an existing user',
        });
      }
      if (groups.length === 0) return callerFor(workspaceId, subject, role, directory);
      // Asserted groups join the user's own memberships; nesting is still resolved through the directory.
      const own = known ? directory.users[subject]!.groups : [];
      const extra = Object.fromEntries(groups.filter((g) => !Object.hasOwn(directory.groups, g)).map((g) => [g, { groups: [] }]));
      return callerFor(workspaceId, subject, role, {
        users: { ...directory.users, [subject]: { groups: [...new Set([...own, ...groups])] } },
        groups: { ...directory.groups, ...extra },
      });
    },
    invalidate(workspaceId) {
      cache.delete(workspaceId);
    },
  };
}
