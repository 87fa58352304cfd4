// SQLite implementation of the server's part of the storage contract (see ../keys.ts): API keys, folder
// sources and search feedback. Key lookups run on every HTTP request: statements are prepared once and found
// keys are cached in memory, validated by the `keys` change stamp (./sqlite-stamps.ts), so a key revoked by any
// process is refused by every process from its next request.
import type BetterSqlite3 from 'better-sqlite3';
import { newId } from '../../core/ids.js';
import type { Role } from '../../core/types.js';
import type { ApiKey, Feedback, FolderSource, KeyStore } from '../keys.js';
import { type ChangeStamps, stampedCache } from './sqlite-stamps.js';

/** Schema of the server tables (migration 4 of the SQLite store). */
export const KEYS_DDL = `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'reader')),
    subject TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);
  CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (collection_id, path)
  );
  CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    trace_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN -1 AND 1),
    document_id TEXT,
    comment TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX feedback_by_trace ON feedback (workspace_id, trace_id);
`;

type Row = Record<string, unknown>;

const KEY_SELECT = `SELECT k.id, k.workspace_id, w.name AS workspace, k.name, k.role, k.subject, k.prefix, k.created_at, k.created_by,
  k.last_used_at, k.revoked_at FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id`;

const toKey = (r: Row): ApiKey => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  workspace: r.workspace as string,
  name: r.name as string,
  role: r.role as Role,
  subject: r.subject as string,
  prefix: r.prefix as string,
  createdAt: r.created_at as string,
  createdBy: (r.created_by as string | null) ?? null,
  lastUsedAt: (r.last_used_at as string | null) ?? null,
  revokedAt: (r.revoked_at as string | null) ?? null,
});

const toSource = (r: Row): FolderSource => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  collectionId: r.collection_id as string,
  kind: 'folder',
  path: r.path as string,
  createdAt: r.created_at as string,
});

const toFeedback = (r: Row): Feedback => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  traceId: r.trace_id as string,
  subject: r.subject as string,
  rating: r.rating as Feedback['rating'],
  documentId: (r.document_id as string | null) ?? null,
  comment: (r.comment as string | null) ?? null,
  createdAt: r.created_at as string,
});

export function sqliteKeys(db: BetterSqlite3.Database, now: () => string, stamps: ChangeStamps): KeyStore {
  // The store calls this factory after migrating, so the tables exist and statements can be prepared now.
  const q = {
    insertKey: db.prepare(
      `INSERT INTO api_keys (id, workspace_id, name, role, subject, prefix, hash, created_at, created_by)
       VALUES (@id, @workspace_id, @name, @role, @subject, @prefix, @hash, @created_at, @created_by)`,
    ),
    keyById: db.prepare(`${KEY_SELECT} WHERE k.id = ?`),
    keyByHash: db.prepare(`${KEY_SELECT} WHERE k.hash = ?`),
    keysOf: db.prepare(`${KEY_SELECT} WHERE k.workspace_id = ? ORDER BY k.created_at DESC, k.id DESC`),
    allKeys: db.prepare(`${KEY_SELECT} ORDER BY k.created_at DESC, k.id DESC`),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL'),
    touch: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
  };
  const byHash = stampedCache<ApiKey>(stamps, 'keys');

  return {
    async createApiKey(input) {
      const id = newId('key');
      q.insertKey.run({
        id,
        workspace_id: input.workspaceId,
        name: input.name,
        role: input.role,
        subject: input.subject,
        prefix: input.prefix,
        hash: input.hash,
        created_at: now(),
        created_by: input.createdBy ?? null,
      });
      return toKey(q.keyById.get(id) as Row);
    },
    async findApiKeyByHash(hash) {
      return byHash.get(hash, () => {
        const r = q.keyByHash.get(hash) as Row | undefined;
        return r ? toKey(r) : null;
      });
    },
    async listApiKeys(workspaceId) {
      const rows = (workspaceId === undefined ? q.allKeys.all() : q.keysOf.all(workspaceId)) as Row[];
      return rows.map(toKey);
    },
    async revokeApiKey(workspaceId, id) {
      const revoked = q.revoke.run(now(), workspaceId, id).changes > 0;
      if (revoked) stamps.bump('keys');
      return revoked;
    },
    async touchApiKey(id, at) {
      const lastUsedAt = at ?? now();
      q.touch.run(lastUsedAt, id);
      // Last use is informational: other processes may keep their cached time (they touch on their own schedule).
      byHash.updateWhere((k) => k.id === id, (k) => ({ ...k, lastUsedAt }));
    },

    async createSource(input) {
      const id = newId('src');
      db.prepare('INSERT INTO sources (id, workspace_id, collection_id, kind, path, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        input.workspaceId,
        input.collectionId,
        input.kind,
        input.path,
        now(),
      );
      return toSource(db.prepare('SELECT * FROM sources WHERE id = ?').get(id) as Row);
    },
    async listSources(workspaceId, collectionId) {
      const rows = (
        collectionId === undefined
          ? db.prepare('SELECT * FROM sources WHERE workspace_id = ? ORDER BY created_at, id').all(workspaceId)
          : db.prepare('SELECT * FROM sources WHERE workspace_id = ? AND collection_id = ? ORDER BY created_at, id').all(workspaceId, collectionId)
      ) as Row[];
      return rows.map(toSource);
    },
    async getSource(workspaceId, id) {
      const r = db.prepare('SELECT * FROM sources WHERE workspace_id = ? AND id = ?').get(workspaceId, id) as Row | undefined;
      return r ? toSource(r) : null;
    },
    async deleteSource(workspaceId, id) {
      return db.prepare('DELETE FROM sources WHERE workspace_id = ? AND id = ?').run(workspaceId, id).changes > 0;
    },

    async addFeedback(input) {
      const id = newId('fb');
      db.prepare(
        'INSERT INTO feedback (id, workspace_id, trace_id, subject, rating, document_id, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(id, input.workspaceId, input.traceId, input.subject, input.rating, input.documentId ?? null, input.comment ?? null, now());
      return toFeedback(db.prepare('SELECT * FROM feedback WHERE id = ?').get(id) as Row);
    },
    async listFeedback(workspaceId, options = {}) {
      const limit = options.limit ?? 100;
      const rows = (
        options.traceId === undefined
          ? db.prepare('SELECT * FROM feedback WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(workspaceId, limit)
          : db
              .prepare('SELECT * FROM feedback WHERE workspace_id = ? AND trace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?')
              .all(workspaceId, options.traceId, limit)
      ) as Row[];
      return rows.map(toFeedback);
    },
  };
}
