// SQLite-specific behaviour of the vector tables (the shared behaviour is in conformance-vectors.testkit.ts):
// the migration keeps existing chunks and their seqs, the embedding cache stays within its bound, and the
// pending-chunk query runs on indexes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './sqlite-schema.js';
import { VECTORS_DDL } from './sqlite-vectors.js';
import sqliteStore from './sqlite.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-vectors-'));
  dirs.push(d);
  return d;
};

describe('sqlite vector tables', () => {
  it('migrates a store written before vectors: chunks keep their seqs, and seqs are never reused afterwards', async () => {
    const dir = tempDir();
    const before = MIGRATIONS.indexOf(VECTORS_DDL);
    assert.ok(before > 0);
    const raw = new Database(join(dir, 'strata.db'));
    raw.pragma('foreign_keys = ON');
    for (let v = 0; v < before; v++) raw.exec(MIGRATIONS[v]!);
    raw.pragma(`user_version = ${before}`);
    raw.exec(`INSERT INTO workspaces VALUES ('ws_1', 'w', 't');
      INSERT INTO collections (id, workspace_id, name, settings, classification, created_at) VALUES ('col_1', 'ws_1', 'c', '{}', 'internal', 't');
      INSERT INTO documents VALUES ('doc_1', 'col_1', 's', 's', 1, 'h', '{}', NULL, NULL, 't', 't');
      INSERT INTO chunks (seq, id, document_id, collection_id, ordinal, text, token_count, location, terms, term_count)
        VALUES (7, 'chk_a', 'doc_1', 'col_1', 0, 'alpha', 1, '{}', 'alpha', 1), (9, 'chk_b', 'doc_1', 'col_1', 1, 'beta', 1, '{}', 'beta', 1);`);
    raw.close();

    const store = await sqliteStore({ dataDir: dir });
    const seqs: [number, string][] = [];
    for await (const c of store.iterateChunks('col_1')) seqs.push([c.seq, c.text]);
    assert.deepEqual(seqs, [[7, 'alpha'], [9, 'beta']]);
    await store.write({
      collectionId: 'col_1',
      upserts: [{ sourceId: 's', sourcePath: 's', contentHash: 'h2', metadata: {}, accessPolicy: null, classification: null, chunks: [{ ordinal: 0, text: 'gamma', tokenCount: 1, location: {}, terms: 'gamma', termCount: 1 }] }],
    });
    const now: number[] = [];
    for await (const c of store.iterateChunks('col_1')) now.push(c.seq);
    assert.deepEqual(now, [10], 'the replaced chunks\' seqs (7, 9) are not handed out again');
    await store.close();
  });

  it('keeps the embedding cache within its byte bound, evicting the least recently used entries', async () => {
    // 40 entries of 100 bytes fit in 4,000 bytes; pruning goes down to 90 %.
    const store = await sqliteStore({ dataDir: ':memory:', embeddingCacheMaxBytes: 4000 });
    const v = (i: number) => new Float32Array(25).fill(i);
    await store.putEmbeddings('e', Array.from({ length: 40 }, (_, i) => ({ contentHash: `h${i}`, vector: v(i) })));
    assert.equal((await store.getEmbeddings('e', Array.from({ length: 40 }, (_, i) => `h${i}`))).size, 40);
    // touch h0..h4 so they are the most recently used, then overflow the bound
    await store.getEmbeddings('e', ['h0', 'h1', 'h2', 'h3', 'h4']);
    await store.putEmbeddings('e', Array.from({ length: 10 }, (_, i) => ({ contentHash: `n${i}`, vector: v(100 + i) })));
    const all = await store.getEmbeddings('e', [...Array.from({ length: 40 }, (_, i) => `h${i}`), ...Array.from({ length: 10 }, (_, i) => `n${i}`)]);
    assert.ok(all.size <= 36, `at most 90 % of the bound is kept, got ${all.size} entries`);
    for (const h of ['h0', 'h1', 'h2', 'h3', 'h4', 'n0', 'n9']) assert.ok(all.has(h), `${h} was recently used and must survive`);
    assert.ok(!all.has('h5') && !all.has('h10'), 'the least recently used entries are evicted first');
    await store.close();
  });

  it('answers pendingChunks and vector lookups from indexes, never a full scan or sort', async () => {
    const dir = tempDir();
    const store = await sqliteStore({ dataDir: dir });
    await store.close();
    const raw = new Database(join(dir, 'strata.db'), { readonly: true });
    const plan = (sql: string) => (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const pending = plan(`SELECT k.seq, k.id, k.text FROM chunks k
       WHERE k.collection_id = 'c' AND k.seq > 0 AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.version_id = 1 AND v.seq = k.seq)
       ORDER BY k.seq LIMIT 100`);
    assert.match(pending, /chunks_by_collection/);
    assert.match(pending, /SEARCH v USING (COVERING )?INDEX sqlite_autoindex_chunk_vectors_1 \(version_id=\? AND seq=\?\)/);
    assert.doesNotMatch(pending, /TEMP B-TREE|SCAN k\b|SCAN chunks\b/);
    assert.match(plan('DELETE FROM chunk_vectors WHERE seq = 5'), /chunk_vectors_by_seq/, 'the cascade from chunks finds vectors by seq');
    const fks = raw.pragma('foreign_key_list(chunk_vectors)') as { table: string; on_delete: string }[];
    assert.deepEqual(fks.map((f) => `${f.table}:${f.on_delete}`).sort(), ['chunks:CASCADE', 'index_versions:CASCADE']);
    raw.close();
  });
});
