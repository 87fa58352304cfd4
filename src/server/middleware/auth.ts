// Authentication and roles. `authenticate` turns `Authorization: Bearer <API key | JWT>` into the request's
// Caller (workspace, user, role, principals); `requireRole` guards a route. The workspace always comes from
// the credential, never from the request path or body.
import type { MiddlewareHandler } from 'hono';
import { StrataError } from '../../core/errors.js';
import type { Role } from '../../core/types.js';
import type { Store } from '../../store/types.js';
import { hashApiKey, looksLikeApiKey } from '../auth/api-keys.js';
import type { JwtVerifier } from '../auth/jwt.js';
import type { CallerResolver } from '../auth/principals.js';
import type { AppEnv, LogFn } from '../types.js';

export interface AuthOptions {
  store: Store;
  callers: CallerResolver;
  /** null when OIDC is not configured: only API keys are accepted. */
  jwt: JwtVerifier | null;
  /** Workspace of tokens that do not name one. */
  defaultWorkspace: string;
  now?: () => number;
  /** A key's last-used time is written at most this often (it is a write on the hot path). */
  touchIntervalMs?: number;
  log?: LogFn;
}

const unauthorized = (message: string, hint?: string) => new StrataError('server:auth', 'unauthorized', message, { hint });

export function authenticate(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  const now = opts.now ?? Date.now;
  const touchEvery = opts.touchIntervalMs ?? 60_000;
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw unauthorized('missing credential', 'send `Authorization: Bearer <API key>`');
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be `Bearer <API key or token>`');
    const token = m[1]!;

    if (looksLikeApiKey(token)) {
      const key = await opts.store.findApiKeyByHash(hashApiKey(token));
      if (!key) throw unauthorized('invalid API key');
      if (key.revokedAt) throw unauthorized('this API key has been revoked', 'ask an admin of the workspace for a new key');
      const caller = await opts.callers.resolve({ workspaceId: key.workspaceId, subject: key.subject, role: key.role, requireKnown: true });
      const t = now();
      if (!key.lastUsedAt || t - Date.parse(key.lastUsedAt) >= touchEvery) {
        opts.store.touchApiKey(key.id, new Date(t).toISOString()).catch((e: unknown) => opts.log?.('warn', 'could not record API key use', { keyId: key.id, error: String(e) }));
      }
      c.set('caller', caller);
      c.set('credential', { kind: 'api-key', id: key.id });
      c.set('workspaceName', key.workspace);
    } else if (opts.jwt && token.split('.').length === 3) {
      const id = await opts.jwt.verify(token);
      const workspaceName = id.workspace ?? opts.defaultWorkspace;
      const ws = await opts.store.getWorkspace(workspaceName);
      if (!ws) throw unauthorized(`the token names workspace "${workspaceName}", which does not exist on this server`);
      const caller = await opts.callers.resolve({ workspaceId: ws.id, subject: id.subject, role: id.role, groups: id.groups, requireKnown: false });
      c.set('caller', caller);
      c.set('credential', { kind: 'jwt', id: id.id });
      c.set('workspaceName', ws.name);
    } else {
      throw unauthorized(opts.jwt ? 'the bearer credential is neither an API key nor a JWT' : 'invalid API key');
    }
    await next();
  };
}

const RANK: Record<Role, number> = { reader: 0, editor: 1, admin: 2 };

/** Lets the request through when the caller's role is `min` or above; 403 otherwise. */
export function requireRole(min: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const role = c.get('caller').role;
    if (RANK[role] < RANK[min]) {
      throw new StrataError('server:auth', 'forbidden', `this operation needs the ${min} role; the credential has ${role}`, {
        details: { requiredRole: min, role },
      });
    }
    await next();
  };
}
