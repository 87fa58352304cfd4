// Test harness for the HTTP API: an in-memory store, the real searcher and app, and helpers to make keys and
// call routes with `app.request()` (no sockets).
import type { Role } from '../core/types.js';
import { validateConfig, type StrataConfig } from '../core/config.js';
import { createSearcher } from '../search/service.js';
import sqliteStore from '../store/drivers/sqlite.js';
import type { Store } from '../store/types.js';
import { createApp, type StrataApp } from './app.js';
import { generateApiKey } from './auth/api-keys.js';
import type { AppDeps, LogFn } from './types.js';

export interface Harness extends StrataApp {
  store: Store;
  config: StrataConfig;
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
  /** Creates a key for `subject` in `workspace` (and the user in the directory unless it exists). */
  key(workspace: string, role: Role, subject?: string, groups?: string[]): Promise<string>;
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export async function makeServer(rawConfig: Record<string, unknown> = {}, extra: Partial<AppDeps> = {}): Promise<Harness> {
  const config = validateConfig({ dataDir: ':memory:', ...rawConfig }, 'test');
  const store = await sqliteStore({ dataDir: ':memory:' });
  await store.ensureWorkspace(config.workspace);
  const logs: Harness['logs'] = [];
  const log: LogFn = (level, message, fields) => logs.push({ level, message, fields });
  const built = createApp({ config, store, searcher: createSearcher(store, config.search.bm25), log, ...extra });
  return {
    ...built,
    store,
    config,
    logs,
    async key(workspace, role, subject = `${role}-user`, groups = []) {
      const ws = await store.ensureWorkspace(workspace);
      const known = (await store.listPrincipals(ws.id)).some((p) => p.kind === 'user' && p.id === subject);
      for (const g of groups) await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: g, groups: [] });
      if (!known || groups.length) await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: subject, groups });
      built.deps.callers.invalidate(ws.id);
      const m = generateApiKey();
      await store.createApiKey({ workspaceId: ws.id, name: 'test', role, subject, prefix: m.prefix, hash: m.hash });
      return m.key;
    },
    async call(method, path, { key, body, headers = {} } = {}) {
      const h: Record<string, string> = { ...headers };
      if (key) h.authorization = `Bearer ${key}`;
      let payload: BodyInit | undefined;
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      return built.app.request(path, { method, headers: h, body: payload });
    },
  };
}
