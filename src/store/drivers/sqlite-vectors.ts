// SQLite implementation of the vector part of the storage contract (see ../vectors.ts): index versions,
// chunk vectors (Float32 BLOBs keyed by version and chunk seq) and the bounded embedding cache.
// Vectors hang off `chunks(seq)` with ON DELETE CASCADE, so replacing or deleting a document removes its
// vectors in the same transaction; every refusal is checked before the first write.
import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../core/errors.js';
import { sha256 } from '../../core/ids.js';
import type { IndexVersion, IndexVersionState, PendingChunk, StoredVector, VectorStore } from '../vectors.js';

/**
 * The vectors migration of the SQLite store. It first rebuilds `chunks` with AUTOINCREMENT: without it
 * SQLite hands the seq of a deleted last chunk to the next insert, and a chunk seq is an ANN label, which
 * must never name two different texts over time (a snapshot would keep the old vector under the reused label).
 * Nothing references `chunks` before this migration, so the copy-drop-rename is safe with foreign keys on.
 */
export const VECTORS_DDL = `
  CREATE TABLE chunks_v5 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    collection_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    location TEXT NOT NULL,
    terms TEXT NOT NULL,
    term_count INTEGER NOT NULL
  );
  INSERT INTO chunks_v5 (seq, id, document_id, collection_id, ordinal, text, token_count, location, terms, term_count)
    SELECT seq, id, document_id, collection_id, ordinal, text, token_count, location, terms, term_count FROM chunks;
  DROP TABLE chunks;
  ALTER TABLE chunks_v5 RENAME TO chunks;
  CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
  CREATE INDEX chunks_by_collection ON chunks (collection_id, seq);

  CREATE TABLE index_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    embedder_id TEXT NOT NULL,
    dimensions INTEGER NOT NULL CHECK (dimensions > 0),
    embedder TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('building', 'active', 'retired', 'failed')),
    embedded_chunks INTEGER NOT NULL DEFAULT 0,
    total_chunks INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    activated_at TEXT,
    ended_at TEXT
  );
  CREATE INDEX index_versions_by_collection ON index_versions (collection_id, id);
  CREATE UNIQUE INDEX index_versions_one_building ON index_versions (collection_id) WHERE state = 'building';
  CREATE UNIQUE INDEX index_versions_one_active ON index_versions (collection_id) WHERE state = 'active';

  CREATE TABLE chunk_vectors (
    version_id INTEGER NOT NULL REFERENCES index_versions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL REFERENCES chunks(seq) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    PRIMARY KEY (version_id, seq)
  );
  CREATE INDEX chunk_vectors_by_seq ON chunk_vectors (seq);

  CREATE TABLE embedding_cache (
    embedder_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    used_at INTEGER NOT NULL,
    PRIMARY KEY (embedder_id, content_hash)
  );
  CREATE INDEX embedding_cache_lru ON embedding_cache (used_at);
  CREATE TABLE embedding_cache_size (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL);
  INSERT INTO embedding_cache_size (id, bytes) VALUES (1, 0);
  CREATE TRIGGER embedding_cache_add AFTER INSERT ON embedding_cache BEGIN
    UPDATE embedding_cache_size SET bytes = bytes + length(NEW.vector) WHERE id = 1;
  END;
  CREATE TRIGGER embedding_cache_del AFTER DELETE ON embedding_cache BEGIN
    UPDATE embedding_cache_size SET bytes = bytes - length(OLD.vector) WHERE id = 1;
  END;
  CREATE TRIGGER embedding_cache_upd AFTER UPDATE OF vector ON embedding_cache BEGIN
    UPDATE embedding_cache_size SET bytes = bytes - length(OLD.vector) + length(NEW.vector) WHERE id = 1;
  END;
`;

const C = 'store:sqlite';
type Row = Record<string, unknown>;

export interface SqliteVectorOptions {
  /**
   * Upper bound of the embedding cache's vector bytes. The cache is least-recently-used: every hit refreshes
   * an entry, and a put that passes the bound deletes the oldest entries down to 90 % of it.
   */
  embeddingCacheMaxBytes: number;
}

export const DEFAULT_EMBEDDING_CACHE_MAX_BYTES = 1024 * 1024 * 1024;

const blobOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Copies a BLOB into an aligned Float32Array (SQLite buffers need not be 4-byte aligned). */
function vectorOf(blob: Buffer, dimensions: number | null, where: string): Float32Array {
  if (blob.byteLength % 4 !== 0 || (dimensions !== null && blob.byteLength !== dimensions * 4)) {
    throw new StrataError(C, 'integrity', `stored vector of ${where} has ${blob.byteLength} bytes, expected ${dimensions ?? 'a multiple of 4'}×4`, {
      hint: 'the vector table was altered outside Strata; rebuild the index version',
    });
  }
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/** The first problem of a vector (wrong length, NaN, ±Infinity), or null. */
function vectorProblem(v: unknown, dimensions: number | null): string | null {
  if (!(v instanceof Float32Array)) return 'is not a Float32Array';
  if (dimensions !== null && v.length !== dimensions) return `has ${v.length} dimensions, the index version has ${dimensions}`;
  if (v.length === 0) return 'is empty';
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return `has a non-finite value (${v[i]}) at position ${i}`;
  return null;
}

export function sqliteVectors(db: BetterSqlite3.Database, now: () => string, options: SqliteVectorOptions): VectorStore {
  const q = {
    version: db.prepare('SELECT * FROM index_versions WHERE id = ?'),
    versions: db.prepare('SELECT * FROM index_versions WHERE collection_id = ? ORDER BY id DESC'),
    active: db.prepare("SELECT * FROM index_versions WHERE collection_id = ? AND state = 'active'"),
    building: db.prepare("SELECT id FROM index_versions WHERE collection_id = ? AND state = 'building'"),
    collection: db.prepare('SELECT 1 FROM collections WHERE id = ?'),
    insertVersion: db.prepare(
      `INSERT INTO index_versions (collection_id, embedder_id, dimensions, embedder, state, created_at)
       VALUES (?, ?, ?, ?, 'building', ?) RETURNING id`,
    ),
    countVectors: db.prepare('SELECT count(*) AS n FROM chunk_vectors WHERE version_id = ?').pluck(),
    countChunks: db.prepare('SELECT count(*) AS n FROM chunks WHERE collection_id = ?').pluck(),
    // Anti-join on the (version_id, seq) primary key, walking chunks_by_collection in seq order: the cost is
    // proportional to the chunks scanned past `afterSeq`, never a sort of the whole collection.
    pending: db.prepare(
      `SELECT k.seq, k.id, k.text FROM chunks k
       WHERE k.collection_id = ? AND k.seq > ? AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.version_id = ? AND v.seq = k.seq)
       ORDER BY k.seq LIMIT ?`,
    ),
    anyPending: db.prepare(
      `SELECT count(*) FROM chunks k
       WHERE k.collection_id = ? AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.version_id = ? AND v.seq = k.seq)`,
    ).pluck(),
    chunkCollection: db.prepare('SELECT collection_id FROM chunks WHERE seq = ?').pluck(),
    putVector: db.prepare(
      'INSERT INTO chunk_vectors (version_id, seq, vector) VALUES (?, ?, ?) ON CONFLICT (version_id, seq) DO UPDATE SET vector = excluded.vector',
    ),
    deleteVectors: db.prepare('DELETE FROM chunk_vectors WHERE version_id = ?'),
    endVersion: db.prepare(
      'UPDATE index_versions SET state = ?, error = ?, ended_at = ?, embedded_chunks = ?, total_chunks = ? WHERE id = ?',
    ),
    activate: db.prepare("UPDATE index_versions SET state = 'active', activated_at = ? WHERE id = ?"),
    vectorsPage: db.prepare(
      `SELECT v.seq, v.vector, k.id AS chunk_id, k.document_id FROM chunk_vectors v JOIN chunks k ON k.seq = v.seq
       WHERE v.version_id = ? AND v.seq > ? ORDER BY v.seq LIMIT ?`,
    ),
    seqs: db.prepare('SELECT seq FROM chunk_vectors WHERE version_id = ? ORDER BY seq').pluck(),
    cacheSize: db.prepare('SELECT bytes FROM embedding_cache_size WHERE id = 1').pluck(),
    cacheCount: db.prepare('SELECT count(*) FROM embedding_cache').pluck(),
    cachePut: db.prepare(
      `INSERT INTO embedding_cache (embedder_id, content_hash, vector, used_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (embedder_id, content_hash) DO UPDATE SET vector = excluded.vector, used_at = excluded.used_at`,
    ),
    cacheTouch: db.prepare('UPDATE embedding_cache SET used_at = ? WHERE embedder_id = ? AND content_hash = ?'),
    cachePrune: db.prepare('DELETE FROM embedding_cache WHERE rowid IN (SELECT rowid FROM embedding_cache ORDER BY used_at LIMIT ?)'),
  };

  // Wall-clock milliseconds, made strictly increasing within the process so LRU order follows call order.
  let lastUse = 0;
  const useStamp = () => (lastUse = Math.max(lastUse + 1, Date.now()));

  const toVersion = (r: Row): IndexVersion => {
    const state = r.state as IndexVersionState;
    const live = state === 'building' || state === 'active';
    return {
      id: r.id as number,
      collectionId: r.collection_id as string,
      embedderId: r.embedder_id as string,
      dimensions: r.dimensions as number,
      embedder: JSON.parse(r.embedder as string) as Record<string, unknown>,
      state,
      // Live versions count now; retired and failed ones keep the counts they had when they ended.
      embeddedChunks: live ? (q.countVectors.get(r.id) as number) : (r.embedded_chunks as number),
      totalChunks: live ? (q.countChunks.get(r.collection_id) as number) : (r.total_chunks as number),
      error: (r.error as string | null) ?? null,
      createdAt: r.created_at as string,
      activatedAt: (r.activated_at as string | null) ?? null,
    };
  };

  const versionRow = (id: number): Row => {
    const r = q.version.get(id) as Row | undefined;
    if (!r) throw new StrataError(C, 'not-found', `index version ${id} does not exist`, { hint: 'list the collection\'s versions with `strata status`' });
    return r;
  };

  /** Retires or fails a version: freezes its counts, then drops its vectors (derived data, never served again). */
  const endVersion = (r: Row, state: 'retired' | 'failed', error: string | null) => {
    const embedded = q.countVectors.get(r.id) as number;
    const total = q.countChunks.get(r.collection_id) as number;
    q.endVersion.run(state, error, now(), embedded, total, r.id);
    q.deleteVectors.run(r.id);
  };

  const createTx = db.transaction((collectionId: string, embedderId: string, dimensions: number, embedder: string): number => {
    if (!q.collection.get(collectionId)) throw new StrataError(C, 'not-found', `collection ${collectionId} does not exist`);
    const building = q.building.get(collectionId) as { id: number } | undefined;
    if (building) {
      throw new StrataError(C, 'conflict', `collection ${collectionId} already has index version ${building.id} building`, {
        details: { buildingVersionId: building.id },
        hint: 'wait for that rebuild to finish, or mark it failed before starting another',
      });
    }
    return (q.insertVersion.get(collectionId, embedderId, dimensions, embedder, now()) as { id: number }).id;
  });

  const putTx = db.transaction((versionId: number, vectors: readonly { seq: number; vector: Float32Array }[]): number => {
    const r = versionRow(versionId);
    if (r.state !== 'building' && r.state !== 'active') {
      throw new StrataError(C, 'conflict', `index version ${versionId} is ${String(r.state)}; vectors go only to building or active versions`);
    }
    const dims = r.dimensions as number;
    // Validate everything before the first write: a refused batch leaves no trace.
    vectors.forEach(({ seq, vector }, i) => {
      if (!Number.isSafeInteger(seq) || seq <= 0) {
        throw new StrataError(C, 'invalid-input', `vector ${i} has an invalid chunk seq ${String(seq)}`, { details: { index: i } });
      }
      const problem = vectorProblem(vector, dims);
      if (problem) {
        throw new StrataError(C, 'invalid-input', `vector ${i} (chunk seq ${seq}) ${problem}`, {
          details: { index: i, seq, versionId, dimensions: dims },
          hint: 'the embedder returned a malformed vector; nothing of this batch was stored',
        });
      }
    });
    let written = 0;
    for (const { seq, vector } of vectors) {
      const owner = q.chunkCollection.get(seq) as string | undefined;
      if (owner === undefined) continue; // deleted while it was being embedded
      if (owner !== r.collection_id) {
        throw new StrataError(C, 'invalid-input', `chunk seq ${seq} belongs to another collection than index version ${versionId}`, {
          details: { seq, versionId },
        });
      }
      q.putVector.run(versionId, seq, blobOf(vector));
      written++;
    }
    return written;
  });

  const activateTx = db.transaction((versionId: number): void => {
    const r = versionRow(versionId);
    if (r.state === 'active') return;
    if (r.state !== 'building') {
      throw new StrataError(C, 'conflict', `index version ${versionId} is ${String(r.state)} and cannot be activated`, {
        hint: 'create a new index version instead',
      });
    }
    const pending = q.anyPending.get(r.collection_id, versionId) as number;
    if (pending > 0) {
      throw new StrataError(C, 'conflict', `index version ${versionId} still has ${pending} chunks without a vector`, {
        details: { pending, versionId },
        hint: 'embed the pending chunks (pendingChunks) before activating',
      });
    }
    const previous = q.active.get(r.collection_id) as Row | undefined;
    if (previous) endVersion(previous, 'retired', null);
    q.activate.run(now(), versionId);
  });

  const failTx = db.transaction((versionId: number, error: string): void => {
    const r = versionRow(versionId);
    if (r.state === 'failed') return;
    if (r.state !== 'building') {
      throw new StrataError(C, 'conflict', `index version ${versionId} is ${String(r.state)}; only a building version can fail`);
    }
    endVersion(r, 'failed', error);
  });

  const cacheGetTx = db.transaction((embedderId: string, hashes: string[]): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    const stamp = useStamp();
    // Batched IN lists: an ingest batch asks for hundreds of hashes at once.
    for (let i = 0; i < hashes.length; i += 500) {
      const part = hashes.slice(i, i + 500);
      const rows = db
        .prepare(`SELECT content_hash, vector FROM embedding_cache WHERE embedder_id = ? AND content_hash IN (${part.map(() => '?').join(',')})`)
        .all(embedderId, ...part) as { content_hash: string; vector: Buffer }[];
      for (const row of rows) {
        out.set(row.content_hash, vectorOf(row.vector, null, `cache entry ${row.content_hash}`));
        q.cacheTouch.run(stamp, embedderId, row.content_hash);
      }
    }
    return out;
  });

  const cachePutTx = db.transaction((embedderId: string, entries: readonly { contentHash: string; vector: Float32Array }[]): void => {
    const stamp = useStamp();
    for (const e of entries) q.cachePut.run(embedderId, e.contentHash, blobOf(e.vector), stamp);
    const max = options.embeddingCacheMaxBytes;
    // Prune by LRU down to 90 % of the bound so a full cache is not pruned again on every put.
    let size = q.cacheSize.get() as number;
    if (size <= max) return;
    const count = q.cacheCount.get() as number;
    while (size > max * 0.9 && count > 0) {
      const excess = Math.ceil((size - max * 0.9) / (size / count));
      if (q.cachePrune.run(Math.max(1, excess)).changes === 0) break;
      size = q.cacheSize.get() as number;
    }
  });

  return {
    async getEmbeddings(embedderId, contentHashes) {
      if (contentHashes.length === 0) return new Map();
      return cacheGetTx.immediate(embedderId, [...new Set(contentHashes)]);
    },
    async putEmbeddings(embedderId, entries) {
      entries.forEach((e, i) => {
        const problem = typeof e.contentHash === 'string' && e.contentHash.length > 0 ? vectorProblem(e.vector, null) : 'has no content hash';
        if (problem) throw new StrataError(C, 'invalid-input', `embedding cache entry ${i} ${problem}`, { details: { index: i, embedderId } });
      });
      if (entries.length > 0) cachePutTx.immediate(embedderId, entries);
    },

    async createIndexVersion({ collectionId, embedderId, dimensions, embedder }) {
      if (!Number.isSafeInteger(dimensions) || dimensions <= 0) {
        throw new StrataError(C, 'invalid-input', `index dimensions must be a positive integer, got ${String(dimensions)}`);
      }
      if (typeof embedderId !== 'string' || embedderId.length === 0) {
        throw new StrataError(C, 'invalid-input', 'an index version needs an embedder id', { hint: 'pass Embedder.id, e.g. "openai:text-embedding-3-small@1536"' });
      }
      const id = createTx.immediate(collectionId, embedderId, dimensions, JSON.stringify(embedder ?? {}));
      return toVersion(versionRow(id));
    },
    async getIndexVersion(id) {
      const r = q.version.get(id) as Row | undefined;
      return r ? toVersion(r) : null;
    },
    async listIndexVersions(collectionId) {
      return (q.versions.all(collectionId) as Row[]).map(toVersion);
    },
    async activeIndexVersion(collectionId) {
      const r = q.active.get(collectionId) as Row | undefined;
      return r ? toVersion(r) : null;
    },
    async pendingChunks(versionId, limit, afterSeq = 0) {
      const r = versionRow(versionId);
      if (!Number.isSafeInteger(limit) || limit <= 0) throw new StrataError(C, 'invalid-input', `pendingChunks limit must be a positive integer, got ${String(limit)}`);
      const rows = q.pending.all(r.collection_id, afterSeq, versionId, limit) as { seq: number; id: string; text: string }[];
      return rows.map((k): PendingChunk => ({ seq: k.seq, chunkId: k.id, text: k.text, contentHash: sha256(k.text) }));
    },
    async putVectors(versionId, vectors) {
      return putTx.immediate(versionId, vectors);
    },
    async activateIndexVersion(versionId) {
      activateTx.immediate(versionId);
      return toVersion(versionRow(versionId));
    },
    async failIndexVersion(versionId, error) {
      failTx.immediate(versionId, error);
    },
    async *iterateVectors(versionId, afterSeq = 0) {
      const dims = versionRow(versionId).dimensions as number;
      // Keyset pages: no statement stays open across a yield (better-sqlite3 would block every other
      // statement on the connection, writers included, for as long as the consumer takes).
      let cursor = afterSeq;
      for (;;) {
        const rows = q.vectorsPage.all(versionId, cursor, 1024) as { seq: number; vector: Buffer; chunk_id: string; document_id: string }[];
        for (const row of rows) {
          yield { seq: row.seq, chunkId: row.chunk_id, documentId: row.document_id, vector: vectorOf(row.vector, dims, `chunk seq ${row.seq}`) } satisfies StoredVector;
        }
        if (rows.length < 1024) return;
        cursor = rows[rows.length - 1]!.seq;
      }
    },
    async vectorSeqs(versionId) {
      versionRow(versionId);
      return Int32Array.from(q.seqs.all(versionId) as number[]);
    },
  };
}
