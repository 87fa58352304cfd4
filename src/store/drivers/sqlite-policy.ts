// SQLite implementation of the policy/directory part of the storage contract (see ../policy.ts).
// A policy change touches one row and a counter: chunks, terms and the content generation stay as they are.
import type BetterSqlite3 from 'better-sqlite3';
import { PRINCIPAL_ID, validateAccessPolicy } from '../../core/access.js';
import { StrataError } from '../../core/errors.js';
import type { AccessPolicy } from '../../core/types.js';
import type { AuditInput } from '../audit.js';
import type { Principal, PrincipalInput, PolicyStore } from '../policy.js';

/** Schema of the directory/policy tables (migration 3 of the SQLite store). */
export const POLICY_DDL = `
  ALTER TABLE collections ADD COLUMN policy_generation INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE principals (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    id TEXT NOT NULL,
    groups TEXT NOT NULL DEFAULT '[]',
    display_name TEXT,
    source TEXT NOT NULL CHECK (source IN ('config', 'api')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, kind, id)
  ) WITHOUT ROWID;
`;

const C = 'store:sqlite';
type Row = Record<string, unknown>;

const toPrincipal = (r: Row): Principal => ({
  workspaceId: r.workspace_id as string,
  kind: r.kind as Principal['kind'],
  id: r.id as string,
  groups: JSON.parse(r.groups as string) as string[],
  displayName: (r.display_name as string | null) ?? null,
  source: r.source as Principal['source'],
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

function checkPrincipal(p: PrincipalInput): void {
  if (p.kind !== 'user' && p.kind !== 'group') {
    throw new StrataError(C, 'invalid-input', `unknown principal kind ${JSON.stringify(p.kind)}`, { hint: 'use "user" or "group"' });
  }
  const bad = [p.id, ...p.groups].filter((id) => typeof id !== 'string' || !PRINCIPAL_ID.test(id));
  if (bad.length > 0) {
    throw new StrataError(C, 'invalid-input', `invalid ${p.kind} or group id: ${bad.map((b) => JSON.stringify(b)).join(', ')}`, {
      details: { invalid: bad },
      hint: 'ids are 1–128 letters, digits, _ . @ + - (no spaces, ":" or "*")',
    });
  }
}

/** `appendAudit` writes audit entries inside the caller's open transaction (the audit part of the driver). */
export function sqlitePolicy(
  db: BetterSqlite3.Database,
  now: () => string,
  appendAudit: (entries: AuditInput[]) => void,
  /** Called after a commit that changed a collection row (its policy generation). */
  collectionsChanged: () => void,
): PolicyStore {
  const q = {
    upsert: db.prepare(
      `INSERT INTO principals (workspace_id, kind, id, groups, display_name, source, created_at, updated_at)
       VALUES (@workspace_id, @kind, @id, @groups, @display_name, @source, @now, @now)
       ON CONFLICT (workspace_id, kind, id) DO UPDATE SET groups = excluded.groups, display_name = excluded.display_name,
       source = excluded.source, updated_at = excluded.updated_at`,
    ),
    get: db.prepare('SELECT * FROM principals WHERE workspace_id = ? AND kind = ? AND id = ?'),
    delete: db.prepare('DELETE FROM principals WHERE workspace_id = ? AND kind = ? AND id = ?'),
    members: db.prepare(
      'SELECT kind, id, groups FROM principals WHERE workspace_id = ? AND EXISTS (SELECT 1 FROM json_each(groups) WHERE value = ?)',
    ),
    setGroups: db.prepare('UPDATE principals SET groups = ?, updated_at = ? WHERE workspace_id = ? AND kind = ? AND id = ?'),
    list: db.prepare("SELECT * FROM principals WHERE workspace_id = ? ORDER BY CASE kind WHEN 'user' THEN 0 ELSE 1 END, id"),
    findDoc: db.prepare('SELECT id FROM documents WHERE collection_id = ? AND (id = ? OR source_id = ?) ORDER BY id = ? DESC LIMIT 1'),
    setPolicy: db.prepare('UPDATE documents SET access_policy = ?, updated_at = ? WHERE id = ?'),
    bump: db.prepare('UPDATE collections SET policy_generation = policy_generation + 1 WHERE id = ? RETURNING policy_generation'),
    generation: db.prepare('SELECT policy_generation FROM collections WHERE id = ?'),
    policies: db.prepare('SELECT id, access_policy FROM documents WHERE collection_id = ?'),
  };

  const workspaceExists = db.prepare('SELECT 1 FROM workspaces WHERE id = ?');

  const deleteTx = db.transaction((workspaceId: string, kind: string, id: string): boolean => {
    const removed = q.delete.run(workspaceId, kind, id).changes > 0;
    if (removed && kind === 'group') {
      const ts = now();
      for (const m of q.members.all(workspaceId, id) as Row[]) {
        const groups = (JSON.parse(m.groups as string) as string[]).filter((g) => g !== id);
        q.setGroups.run(JSON.stringify(groups), ts, workspaceId, m.kind, m.id);
      }
    }
    return removed;
  });

  const setPolicyTx = db.transaction((collectionId: string, idOrSourceId: string, policy: AccessPolicy | null, audit: AuditInput[]) => {
    const doc = q.findDoc.get(collectionId, idOrSourceId, idOrSourceId, idOrSourceId) as { id: string } | undefined;
    if (!doc) {
      throw new StrataError(C, 'not-found', `document "${idOrSourceId}" not found in collection ${collectionId}`, {
        hint: 'pass the document id or its source id (`strata docs list` shows both)',
      });
    }
    q.setPolicy.run(policy === null ? null : JSON.stringify({ readers: [...policy.readers] }), now(), doc.id);
    const { policy_generation } = q.bump.get(collectionId) as { policy_generation: number };
    if (audit.length > 0) appendAudit(audit);
    return { documentId: doc.id, policyGeneration: policy_generation };
  });

  return {
    async upsertPrincipal(input) {
      checkPrincipal(input);
      if (!workspaceExists.get(input.workspaceId)) {
        throw new StrataError(C, 'not-found', `workspace ${input.workspaceId} does not exist`);
      }
      q.upsert.run({
        workspace_id: input.workspaceId,
        kind: input.kind,
        id: input.id,
        groups: JSON.stringify([...new Set(input.groups)]),
        display_name: input.displayName ?? null,
        source: input.source ?? 'api',
        now: now(),
      });
      return toPrincipal(q.get.get(input.workspaceId, input.kind, input.id) as Row);
    },
    async deletePrincipal(workspaceId, kind, id) {
      return deleteTx.immediate(workspaceId, kind, id);
    },
    async listPrincipals(workspaceId) {
      return (q.list.all(workspaceId) as Row[]).map(toPrincipal);
    },
    async setAccessPolicy(collectionId, documentIdOrSourceId, policy, audit = []) {
      validateAccessPolicy(policy, C);
      const changed = setPolicyTx.immediate(collectionId, documentIdOrSourceId, policy, audit);
      collectionsChanged();
      return changed;
    },
    async policies(collectionId) {
      const out = new Map<string, AccessPolicy | null>();
      for (const r of q.policies.all(collectionId) as { id: string; access_policy: string | null }[]) {
        out.set(r.id, r.access_policy === null ? null : (JSON.parse(r.access_policy) as AccessPolicy));
      }
      return out;
    },
    async policyGeneration(collectionId) {
      const r = q.generation.get(collectionId) as { policy_generation: number } | undefined;
      if (!r) throw new StrataError(C, 'not-found', `collection ${collectionId} does not exist`);
      return r.policy_generation;
    },
  };
}
