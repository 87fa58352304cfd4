// Authentication and roles. `authenticate` turns `Authorization: Bearer <API key | JWT>` into the request's
// Caller (workspace, user, role, principals); `requireRole` guards a route. The workspace always comes from
// the credential, never from the request path or body.
import type { MiddlewareHandler } from 'hono';
import { StrataError } from '../../core/errors.js';
import type { Caller, Role } from '../../core/types.js';
import type { Store } from '../../store/types.js';
import { hashApiKey, looksLikeApiKey } from '../auth/api-keys.js';
import type { JwtVerifier } from '../auth/jwt.js';
import type { CallerResolver } from '../auth/principals.js';
import type { AppEnv, Credential, LogFn } from '../types.js';

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

/** Who an authenticated request acts for. */
export interface Authenticated {
  caller: Caller;
  credential: Credential;
  /** Name of the caller's workspace (the caller carries its id). */
  workspaceName: string;
}

/**
 * Turns an Authorization header into the request's identity, or throws an `unauthorized` StrataError saying why.
 * One authenticator serves the Hono routes (`authenticate`) and the gateway's endpoints on node:http (openai-direct.ts).
 */
export type Authenticator = (authorization: string | undefined) => Promise<Authenticated>;

export function createAuthenticator(opts: AuthOptions): Authenticator {
  const now = opts.now ?? Date.now;
  const touchEvery = opts.touchIntervalMs ?? 60_000;
  return async (header) => {
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
      return { caller, credential: { kind: 'api-key', id: key.id }, workspaceName: key.workspace };
    }
    if (opts.jwt && token.split('.').length === 3) {
      const id = await opts.jwt.verify(token);
      const workspaceName = id.workspace ?? opts.defaultWorkspace;
      const ws = await opts.store.getWorkspace(workspaceName);
      if (!ws) throw unauthorized(`the token names workspace "${workspaceName}", which does not exist on this server`);
      const caller = await opts.callers.resolve({ workspaceId: ws.id, subject: id.subject, role: id.role, groups: id.groups, requireKnown: false });
      return { caller, credential: { kind: 'jwt', id: id.id }, workspaceName: ws.name };
    }
    throw unauthorized(opts.jwt ? 'the bearer credential is neither an API key nor a JWT' : 'invalid API key');
  };
}

/** The authenticator as middleware: sets `caller`, `credential` and `workspaceName` for the routes. */
export function authenticate(authenticator: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const who = await authenticator(c.req.header('authorization'));
    c.set('caller', who.caller);
    c.set('credential', who.credential);
    c.set('workspaceName', who.workspaceName);
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
