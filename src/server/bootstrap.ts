// First run of the server: with no API key in the store nobody could call the API, so one admin key is made
// for the workspace (acting for the directory user `admin`, created if missing) and shown once.
import type { Store } from '../store/types.js';
import { generateApiKey } from './auth/api-keys.js';

export interface BootstrapKey {
  key: string;
  id: string;
  subject: string;
}

/** Creates an admin key when the store has none (or when `force`); returns it, or null when keys exist. */
export async function ensureAdminKey(store: Store, workspaceId: string, options: { force?: boolean; subject?: string } = {}): Promise<BootstrapKey | null> {
  if (!options.force && (await store.listApiKeys()).length > 0) return null;
  const subject = options.subject ?? 'admin';
  const known = (await store.listPrincipals(workspaceId)).some((p) => p.kind === 'user' && p.id === subject);
  if (!known) await store.upsertPrincipal({ workspaceId, kind: 'user', id: subject, groups: [], displayName: 'Administrator', source: 'api' });
  const m = generateApiKey();
  const k = await store.createApiKey({ workspaceId, name: options.force ? 'admin (strata serve --new-admin-key)' : 'bootstrap admin', role: 'admin', subject, prefix: m.prefix, hash: m.hash, createdBy: 'strata serve' });
  await store.appendAudit([
    { workspaceId, actor: 'system', action: 'key.create', resources: [`key:${k.id}`], decision: 'allow', traceId: `bootstrap-${k.id}`, details: { role: 'admin', subject, reason: options.force ? 'requested' : 'first run' } },
  ]);
  return { key: m.key, id: k.id, subject };
}
