// The embedded default store: one SQLite file (WAL) in the data directory, via better-sqlite3.
// Every WriteBatch is one transaction, so a crash leaves either the old or the new state of a document.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../core/errors.js';
import { derivedId, newId } from '../../core/ids.js';
import type { Chunk, Collection, Document, FileState, Job, JobStatus, Workspace } from '../../core/types.js';
import type { DocumentQuery, Store, StoredChunk, WriteBatch, WriteResult } from '../types.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { sqliteAudit } from './sqlite-audit.js';
import { sqlitePolicy } from './sqlite-policy.js';
import { sqliteUsage } from './sqlite-usage.js';
import { sqliteKeys } from './sqlite-keys.js';
import { checkpointInBackground } from './sqlite-checkpointer.js';
import { openChangeStamps, stampedCache } from './sqlite-stamps.js';
import { DEFAULT_EMBEDDING_CACHE_MAX_BYTES, sqliteVectors } from './sqlite-vectors.js';

export interface SqliteStoreOptions {
  /** Directory holding `strata.db`; `:memory:` for a throw-away store. */
  dataDir: string;
  /** Injected clock for tests. */
  now?: () => Date;
  /** Bound of the embedding cache (LRU), in vector bytes; default 1 GiB. */
  embeddingCacheMaxBytes?: number;
}

type Row = Record<string, unknown>;
/** A write batch that inserted, replaced or deleted anything bumps its collection's generation. */
const movesGeneration = (r: Pick<WriteResult, 'inserted' | 'replaced' | 'deleted'>) => r.inserted + r.replaced + r.deleted > 0;
const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);

export default async function sqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const now = () => (options.now ? options.now() : new Date()).toISOString();
  const file = options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, 'strata.db');
  const db = await open(file, options.dataDir);
  // Collections and API keys are read on every request; they are cached under change stamps (./sqlite-stamps.ts).
  // Every write below that changes a collection row bumps its stamp after the commit.
  let stamps: ReturnType<typeof openChangeStamps>;
  try {
    stamps = openChangeStamps(file);
  } catch (e) {
    db.close();
    throw e;
  }

  const toWorkspace = (r: Row): Workspace => ({ id: r.id as string, name: r.name as string, createdAt: r.created_at as string });
  const toCollection = (r: Row): Collection => ({
    id: r.id as string,
    workspaceId: r.workspace_id as string,
    name: r.name as string,
    settings: json(r.settings, {} as Collection['settings']),
    classification: r.classification as Collection['classification'],
    createdAt: r.created_at as string,
    generation: r.generation as number,
    policyGeneration: r.policy_generation as number,
  });
  const toDocument = (r: Row): Document => ({
    id: r.id as string,
    collectionId: r.collection_id as string,
    sourceId: r.source_id as string,
    sourcePath: r.source_path as string,
    version: r.version as number,
    contentHash: r.content_hash as string,
    metadata: json(r.metadata, {}),
    accessPolicy: json(r.access_policy, null),
    classification: (r.classification as Document['classification']) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  });
  const toChunk = (r: Row): Chunk => ({
    id: r.id as string,
    documentId: r.document_id as string,
    ordinal: r.ordinal as number,
    text: r.text as string,
    tokenCount: r.token_count as number,
    location: json(r.location, {}),
  });
  const toFileState = (r: Row): FileState => ({
    collectionId: r.collection_id as string,
    path: r.path as string,
    status: r.status as FileState['status'],
    fileHash: (r.file_hash as string) ?? null,
    size: (r.size as number) ?? null,
    modifiedAt: (r.modified_at as string) ?? null,
    reason: (r.reason as string) ?? null,
    documentCount: r.document_count as number,
    jobId: (r.job_id as string) ?? null,
    updatedAt: r.updated_at as string,
  });
  const toJob = (r: Row): Job => ({
    id: r.id as string,
    kind: r.kind as string,
    collectionId: (r.collection_id as string) ?? null,
    status: r.status as JobStatus,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string) ?? null,
    stats: json(r.stats, {}),
    error: (r.error as string) ?? null,
  });

  const q = {
    docBySource: db.prepare('SELECT id, version FROM documents WHERE collection_id = ? AND source_id = ?'),
    insertDoc: db.prepare(
      `INSERT INTO documents (id, collection_id, source_id, source_path, version, content_hash, metadata, access_policy, classification, created_at, updated_at)
       VALUES (@id, @collection_id, @source_id, @source_path, 1, @content_hash, @metadata, @access_policy, @classification, @now, @now)`,
    ),
    updateDoc: db.prepare(
      `UPDATE documents SET source_path = @source_path, version = version + 1, content_hash = @content_hash, metadata = @metadata,
       access_policy = @access_policy, classification = @classification, updated_at = @now WHERE id = @id`,
    ),
    deleteChunks: db.prepare('DELETE FROM chunks WHERE document_id = ?'),
    insertChunk: db.prepare(
      `INSERT INTO chunks (id, document_id, collection_id, ordinal, text, token_count, location, terms, term_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteDoc: db.prepare('DELETE FROM documents WHERE collection_id = ? AND source_id = ?'),
    upsertFile: db.prepare(
      `INSERT INTO file_states (collection_id, path, status, file_hash, size, modified_at, reason, document_count, job_id, updated_at)
       VALUES (@collection_id, @path, @status, @file_hash, @size, @modified_at, @reason, @document_count, @job_id, @now)
       ON CONFLICT (collection_id, path) DO UPDATE SET status = excluded.status, file_hash = excluded.file_hash, size = excluded.size,
       modified_at = excluded.modified_at, reason = excluded.reason, document_count = excluded.document_count,
       job_id = excluded.job_id, updated_at = excluded.updated_at`,
    ),
    forgetFile: db.prepare('DELETE FROM file_states WHERE collection_id = ? AND path = ?'),
    bumpGeneration: db.prepare('UPDATE collections SET generation = generation + 1 WHERE id = ? RETURNING generation'),
    generation: db.prepare('SELECT generation FROM collections WHERE id = ?'),
    collectionByName: db.prepare('SELECT * FROM collections WHERE workspace_id = ? AND name = ?'),
  };

  const audit = sqliteAudit(db, now);
  const collectionsByName = stampedCache<Collection>(stamps, 'collections');
  const collectionsChanged = () => stamps.bump('collections');

  // One running job per collection and kind, across processes (several server workers, a CLI ingest beside
  // the server): checked and claimed in one IMMEDIATE transaction. A job left `running` by a dead process
  // does not block (recoverInterruptedJobs marks it).
  const startJobTx = db.transaction((kind: string, collectionId: string | null): Job => {
    if (collectionId !== null) {
      const others = db
        .prepare("SELECT id, pid FROM jobs WHERE collection_id = ? AND kind = ? AND status = 'running'")
        .all(collectionId, kind) as { id: string; pid: number | null }[];
      const live = others.find((j) => j.pid !== null && isAlive(j.pid));
      if (live) {
        throw new StrataError('store:sqlite', 'conflict', `a ${kind} job (${live.id}) is already running for this collection`, {
          details: { jobId: live.id },
          hint: 'wait for it to finish (strata status, or GET /v1/jobs), then start another',
        });
      }
    }
    const id = newId('job');
    db.prepare("INSERT INTO jobs (id, kind, collection_id, status, started_at, pid) VALUES (?, ?, ?, 'running', ?, ?)").run(
      id,
      kind,
      collectionId,
      now(),
      process.pid,
    );
    return toJob(db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row);
  });

  const writeTx = db.transaction((batch: WriteBatch): WriteResult => {
    const ts = now();
    const cid = batch.collectionId;
    if (!q.generation.get(cid)) throw new StrataError('store:sqlite', 'not-found', `collection ${cid} does not exist`);
    let inserted = 0;
    let replaced = 0;
    let deleted = 0;
    for (const sourceId of batch.deletes ?? []) deleted += q.deleteDoc.run(cid, sourceId).changes;
    for (const d of batch.upserts ?? []) {
      const existing = q.docBySource.get(cid, d.sourceId) as { id: string; version: number } | undefined;
      const params = {
        collection_id: cid,
        source_id: d.sourceId,
        source_path: d.sourcePath,
        content_hash: d.contentHash,
        metadata: JSON.stringify(d.metadata),
        access_policy: d.accessPolicy ? JSON.stringify(d.accessPolicy) : null,
        classification: d.classification,
        now: ts,
      };
      let id: string;
      let version: number;
      if (existing) {
        id = existing.id;
        version = existing.version + 1;
        q.updateDoc.run({ ...params, id });
        q.deleteChunks.run(id);
        replaced++;
      } else {
        id = newId('doc');
        version = 1;
        q.insertDoc.run({ ...params, id });
        inserted++;
      }
      for (const c of d.chunks) {
        q.insertChunk.run(
          derivedId('chk', id, String(version), String(c.ordinal)),
          id,
          cid,
          c.ordinal,
          c.text,
          c.tokenCount,
          JSON.stringify(c.location),
          c.terms,
          c.termCount,
        );
      }
    }
    for (const f of batch.fileStates ?? []) {
      q.upsertFile.run({
        collection_id: cid,
        path: f.path,
        status: f.status,
        file_hash: f.fileHash,
        size: f.size,
        modified_at: f.modifiedAt,
        reason: f.reason,
        document_count: f.documentCount,
        job_id: f.jobId,
        now: ts,
      });
    }
    for (const p of batch.forgetFiles ?? []) q.forgetFile.run(cid, p);
    if (batch.audit?.length) audit.appendInTx(batch.audit);
    const generation = movesGeneration({ inserted, replaced, deleted })
      ? ((q.bumpGeneration.get(cid) as { generation: number }).generation)
      : ((q.generation.get(cid) as { generation: number }).generation);
    return { inserted, replaced, deleted, generation };
  });

  /** This connection stops checkpointing inside its own commits (someone else does it: see `maintenance`). */
  const deferCheckpoints = (): void => void db.pragma('wal_autocheckpoint = 0');
  const store: Store = {
    ...audit.methods,
    ...sqlitePolicy(db, now, (entries) => audit.appendInTx(entries), collectionsChanged),
    ...sqliteKeys(db, now, stamps),
    ...sqliteUsage(db),
    ...sqliteVectors(db, now, { embeddingCacheMaxBytes: options.embeddingCacheMaxBytes ?? DEFAULT_EMBEDDING_CACHE_MAX_BYTES }),
    driver: 'sqlite',
    flags: { concurrentWriters: false, sizeOnDisk: file !== ':memory:' },

    async ensureWorkspace(name) {
      db.prepare('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING').run(
        newId('ws'),
        name,
        now(),
      );
      return toWorkspace(db.prepare('SELECT * FROM workspaces WHERE name = ?').get(name) as Row);
    },
    async getWorkspace(name) {
      const r = db.prepare('SELECT * FROM workspaces WHERE name = ?').get(name) as Row | undefined;
      return r ? toWorkspace(r) : null;
    },
    async createCollection({ workspaceId, name, settings, classification }) {
      const id = newId('col');
      try {
        db.prepare(
          'INSERT INTO collections (id, workspace_id, name, settings, classification, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(id, workspaceId, name, JSON.stringify(settings), classification ?? 'internal', now());
      } catch (cause) {
        if (String((cause as Error).message).includes('UNIQUE')) {
          throw new StrataError('store:sqlite', 'invalid-input', `collection "${name}" already exists`, { cause });
        }
        throw cause;
      }
      collectionsChanged();
      return toCollection(db.prepare('SELECT * FROM collections WHERE id = ?').get(id) as Row);
    },
    async getCollection(workspaceId, name) {
      // Every search and API request reads its collection: prepared once, cached under the collections stamp.
      return collectionsByName.get(`${workspaceId}\n${name}`, () => {
        const r = q.collectionByName.get(workspaceId, name) as Row | undefined;
        return r ? toCollection(r) : null;
      });
    },
    async listCollections(workspaceId) {
      const rows = db
        .prepare(
          `SELECT c.*, (SELECT count(*) FROM documents d WHERE d.collection_id = c.id) AS document_count,
                  (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id) AS chunk_count
           FROM collections c WHERE c.workspace_id = ? ORDER BY c.name`,
        )
        .all(workspaceId) as Row[];
      return rows.map((r) => ({ ...toCollection(r), documentCount: r.document_count as number, chunkCount: r.chunk_count as number }));
    },
    async deleteCollection(collectionId) {
      db.transaction(() => {
        db.prepare('DELETE FROM chunks WHERE collection_id = ?').run(collectionId);
        db.prepare('DELETE FROM collections WHERE id = ?').run(collectionId);
      })();
      collectionsChanged();
    },

    async write(batch) {
      const result = writeTx.immediate(batch);
      if (movesGeneration(result)) collectionsChanged();
      return result;
    },
    async getDocument(collectionId, idOrSourceId) {
      const r = db
        .prepare('SELECT * FROM documents WHERE collection_id = ? AND (id = ? OR source_id = ?) ORDER BY id = ? DESC LIMIT 1')
        .get(collectionId, idOrSourceId, idOrSourceId, idOrSourceId) as Row | undefined;
      return r ? toDocument(r) : null;
    },
    async listDocuments({ collectionId, limit = 100, offset = 0, sourcePath }: DocumentQuery) {
      const rows = (
        sourcePath === undefined
          ? db
              .prepare('SELECT * FROM documents WHERE collection_id = ? ORDER BY source_id LIMIT ? OFFSET ?')
              .all(collectionId, limit, offset)
          : db
              .prepare('SELECT * FROM documents WHERE collection_id = ? AND source_path = ? ORDER BY source_id LIMIT ? OFFSET ?')
              .all(collectionId, sourcePath, limit, offset)
      ) as Row[];
      return rows.map(toDocument);
    },
    async countDocuments(collectionId) {
      return (db.prepare('SELECT count(*) AS n FROM documents WHERE collection_id = ?').get(collectionId) as { n: number }).n;
    },
    async documentHashes(collectionId, sourcePath) {
      const rows = db
        .prepare('SELECT source_id, content_hash FROM documents WHERE collection_id = ? AND source_path = ?')
        .all(collectionId, sourcePath) as { source_id: string; content_hash: string }[];
      return new Map(rows.map((r) => [r.source_id, r.content_hash]));
    },
    async getChunks(documentId) {
      return (db.prepare('SELECT * FROM chunks WHERE document_id = ? ORDER BY ordinal').all(documentId) as Row[]).map(toChunk);
    },
    async *iterateChunks(collectionId) {
      const stmt = db.prepare(
        `SELECT k.seq, k.id, k.document_id, d.source_id, k.ordinal, k.text, k.token_count, k.location, k.terms, k.term_count
         FROM chunks k JOIN documents d ON d.id = k.document_id WHERE k.collection_id = ? ORDER BY k.seq`,
      );
      // Read everything in one statement, then yield: a live iterator would block writers for as long as the
      // consumer takes, and better-sqlite3 forbids other statements on the connection while one iterates.
      const rows = stmt.all(collectionId) as Row[];
      for (const r of rows) {
        yield { ...toChunk(r), seq: r.seq as number, sourceId: r.source_id as string, terms: r.terms as string, termCount: r.term_count as number } satisfies StoredChunk;
      }
    },
    async getDocumentsByIds(ids) {
      const out = new Map<string, Document>();
      const unique = [...new Set(ids)];
      // Batched IN lists: one statement per 500 ids instead of one per id (index loads ask for thousands).
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500);
        const rows = db.prepare(`SELECT * FROM documents WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as Row[];
        for (const r of rows) out.set(r.id as string, toDocument(r));
      }
      return out;
    },

    async listFileStates(collectionId) {
      return (db.prepare('SELECT * FROM file_states WHERE collection_id = ? ORDER BY path').all(collectionId) as Row[]).map(
        toFileState,
      );
    },
    async getFileState(collectionId, path) {
      const r = db.prepare('SELECT * FROM file_states WHERE collection_id = ? AND path = ?').get(collectionId, path) as
        | Row
        | undefined;
      return r ? toFileState(r) : null;
    },
    async startJob({ kind, collectionId }) {
      return startJobTx.immediate(kind, collectionId);
    },
    async finishJob(id, status, stats, error = null) {
      db.prepare('UPDATE jobs SET status = ?, finished_at = ?, stats = ?, error = ? WHERE id = ?').run(
        status,
        now(),
        JSON.stringify(stats),
        error,
        id,
      );
    },
    async updateJobStats(id, stats) {
      db.prepare('UPDATE jobs SET stats = ? WHERE id = ?').run(JSON.stringify(stats), id);
    },
    async listJobs(collectionId, limit = 20) {
      const rows = (
        collectionId === null
          ? db.prepare('SELECT * FROM jobs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit)
          : db.prepare('SELECT * FROM jobs WHERE collection_id = ? ORDER BY started_at DESC, id DESC LIMIT ?').all(collectionId, limit)
      ) as Row[];
      return rows.map(toJob);
    },
    async recoverInterruptedJobs() {
      const running = db.prepare("SELECT id, pid FROM jobs WHERE status = 'running'").all() as { id: string; pid: number | null }[];
      let n = 0;
      for (const j of running) {
        if (j.pid !== null && j.pid !== process.pid && isAlive(j.pid)) continue;
        if (j.pid === process.pid) continue;
        db.prepare("UPDATE jobs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ?").run(
          now(),
          'the process running this job stopped before it finished (crash or kill); the next run resumes it',
          j.id,
        );
        n++;
      }
      return n;
    },

    maintenance:
      file === ':memory:'
        ? undefined
        : {
            deferInThisProcess: deferCheckpoints,
            // PASSIVE copies what no reader still needs and never waits for a lock; the next writer restarts the
            // WAL from its beginning once everything is copied.
            run: async () => void db.pragma('wal_checkpoint(PASSIVE)'),
            // If the thread is lost, this connection checkpoints again by itself rather than let the WAL grow.
            runInBackground: (intervalMs, onError) => {
              deferCheckpoints();
              return checkpointInBackground(file, intervalMs, onError, () => {
                if (db.open) db.pragma('wal_autocheckpoint = 1000');
              });
            },
          },

    async sizeBytes() {
      if (file === ':memory:') return 0;
      let total = 0;
      for (const f of [file, `${file}-wal`]) {
        try {
          total += statSync(f).size;
        } catch {
          // the WAL file exists only while the database is open for writing
        }
      }
      return total;
    },
    async close() {
      if (db.open) {
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // another process may hold the database; the checkpoint then happens later
        }
        db.close();
        stamps.close();
      }
    },
  };
  return store;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function open(file: string, dataDir: string): Promise<BetterSqlite3.Database> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (cause) {
    throw new StrataError('store:sqlite', 'unavailable', 'the better-sqlite3 native module could not be loaded', {
      cause,
      hint: 'run `npm ci` again (it compiles better-sqlite3 with python3, make and g++)',
    });
  }
  let db: BetterSqlite3.Database;
  try {
    if (file !== ':memory:') mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (kill -9); only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    db.pragma('cache_size = -65536');
  } catch (cause) {
    throw new StrataError('store:sqlite', 'unavailable', `cannot open the store at ${file}: ${(cause as Error).message}`, {
      cause,
      hint: 'check that the data directory is writable and is not a file; set dataDir in strata.config.yaml or STRATA_DATA_DIR',
    });
  }
  migrate(db);
  return db;
}

function migrate(db: BetterSqlite3.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StrataError('store:sqlite', 'unavailable', `the store was written by a newer Strata (schema ${current})`, {
      hint: 'upgrade Strata, or point dataDir at a new directory',
    });
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
