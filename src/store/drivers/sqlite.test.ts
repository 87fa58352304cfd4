import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { testStoreDriver } from '../conformance.testkit.js';
import Database from 'better-sqlite3';
import sqliteStore from './sqlite.js';
import { checkpointInBackground } from './sqlite-checkpointer.js';
import { READ_REUSE_MS } from './sqlite-stamps.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-sqlite-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

testStoreDriver('sqlite (file)', () => sqliteStore({ dataDir: tempDir() }));
testStoreDriver('sqlite (memory)', () => sqliteStore({ dataDir: ':memory:' }));

describe('sqlite driver specifics', () => {
  it('waits for another process\'s write lock without stalling the event loop, then appends the audit entry', async () => {
    const dir = tempDir();
    const store = await sqliteStore({ dataDir: dir });
    const ws = await store.ensureWorkspace('w');
    const other = new Database(join(dir, 'strata.db')); // as another server worker would hold it
    other.exec('BEGIN IMMEDIATE');
    const appended = store.appendAudit([{ workspaceId: ws.id, actor: 'user:a', action: 'search.query', resources: [], decision: 'allow', traceId: 't1' }]);
    let ticks = 0;
    const started = Date.now();
    while (Date.now() - started < 60) {
      await new Promise((r) => setTimeout(r, 5));
      ticks++;
    }
    assert.ok(ticks >= 5, `the event loop kept turning while the append waited (${ticks} ticks)`);
    other.exec('COMMIT');
    const [entry] = await appended;
    assert.equal(entry!.seq, 1);
    other.close();
    await store.close();
  });

  it('persists across reopen and reports its size', async () => {
    const dir = tempDir();
    const s1 = await sqliteStore({ dataDir: dir });
    const ws = await s1.ensureWorkspace('w');
    const col = await s1.createCollection({
      workspaceId: ws.id,
      name: 'c',
      settings: { chunking: { maxTokens: 100, overlapTokens: 0, tokenizer: 'cl100k_base' }, analyzer: { name: 'english' } },
    });
    await s1.write({
      collectionId: col.id,
      upserts: [
        { sourceId: 'a', sourcePath: 'a', contentHash: 'h', metadata: {}, accessPolicy: null, classification: null, chunks: [] },
      ],
    });
    await s1.close();
    const s2 = await sqliteStore({ dataDir: dir });
    assert.equal(await s2.countDocuments(col.id), 1);
    assert.ok((await s2.sizeBytes!()) > 0);
    await s2.close();
  });

  it('marks jobs of a dead process as interrupted', async () => {
    const s = await sqliteStore({ dataDir: ':memory:' });
    const job = await s.startJob({ kind: 'ingest', collectionId: null });
    // our own running job is never "interrupted"
    assert.equal(await s.recoverInterruptedJobs(), 0);
    assert.equal((await s.listJobs(null))[0]!.id, job.id);
    await s.close();
  });

  it('fails with a clear message when the data directory is not usable', async () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(sqliteStore({ dataDir: file }), /cannot open the store/);
  });

  it('serves cached keys and collections only while no process has changed them', async () => {
    // Two stores on one file stand for two server workers (or a server and a CLI ingest).
    const dir = tempDir();
    const a = await sqliteStore({ dataDir: dir });
    const b = await sqliteStore({ dataDir: dir });
    const ws = await a.ensureWorkspace('w');
    const settings = { chunking: { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' }, analyzer: { name: 'english' } } as const;
    const col = await a.createCollection({ workspaceId: ws.id, name: 'docs', settings });
    const key = await a.createApiKey({ workspaceId: ws.id, name: 'k', role: 'reader', subject: 'u', prefix: 'p', hash: 'h'.repeat(64) });

    // Cached in b, then revoked through a: b refuses it on its very next lookup.
    assert.equal((await b.findApiKeyByHash('h'.repeat(64)))?.revokedAt, null);
    assert.equal((await b.findApiKeyByHash('h'.repeat(64)))?.revokedAt, null);
    assert.equal(await a.revokeApiKey(ws.id, key.id), true);
    assert.ok((await b.findApiKeyByHash('h'.repeat(64)))?.revokedAt);

    // Content and policy changes move the generations b reports.
    const before = (await b.getCollection(ws.id, 'docs'))!;
    const text = 'alpha beta';
    const chunk = { ordinal: 0, text, tokenCount: 2, location: {}, terms: text, termCount: 2 };
    await a.write({ collectionId: col.id, upserts: [{ sourceId: 'a.txt', sourcePath: 'a.txt', contentHash: 'h1', metadata: {}, accessPolicy: null, classification: null, chunks: [chunk] }] });
    const written = (await b.getCollection(ws.id, 'docs'))!;
    assert.equal(written.generation, before.generation + 1);
    await a.setAccessPolicy(col.id, 'a.txt', { readers: ['user:u'] });
    assert.equal((await b.getCollection(ws.id, 'docs'))!.policyGeneration, (written.policyGeneration ?? 0) + 1);
    // Rows are shared between callers, so they cannot be changed by one of them.
    assert.throws(() => {
      (written.settings as { analyzer: { name: string } }).analyzer.name = 'none';
    }, TypeError);

    // Deleted and re-created under the same name: b sees the new collection.
    await a.deleteCollection(col.id);
    assert.equal(await b.getCollection(ws.id, 'docs'), null);
    const again = await a.createCollection({ workspaceId: ws.id, name: 'docs', settings });
    assert.equal((await b.getCollection(ws.id, 'docs'))?.id, again.id);
    await a.close();
    await b.close();
  });

  it('sees a change another process commits within READ_REUSE_MS', async () => {
    const dir = tempDir();
    const a = await sqliteStore({ dataDir: dir });
    const ws = await a.ensureWorkspace('ws');
    await a.createCollection({ workspaceId: ws.id, name: 'docs', settings: { chunking: { maxTokens: 100, overlapTokens: 0, tokenizer: 'cl100k_base' }, analyzer: { name: 'english' } } });
    assert.ok(await a.getCollection(ws.id, 'docs'));
    // Another process deletes the collection with its own connection and bumps the stamp in the file.
    const other = new Database(join(dir, 'strata.db'));
    other.prepare('DELETE FROM collections WHERE name = ?').run('docs');
    other.close();
    writeFileSync(join(dir, 'strata.db-stamps'), Buffer.alloc(16, 7));
    // A request starting within READ_REUSE_MS of the last read may still use that snapshot; a later one may not.
    await new Promise((done) => setTimeout(done, READ_REUSE_MS + 1));
    assert.equal(await a.getCollection(ws.id, 'docs'), null);
    await a.close();
  });

  it('explains a change-stamp file it cannot open', async () => {
    const dir = tempDir();
    await (await sqliteStore({ dataDir: dir })).close();
    rmSync(join(dir, 'strata.db-stamps'));
    mkdirSync(join(dir, 'strata.db-stamps')); // a directory where the file belongs
    await assert.rejects(sqliteStore({ dataDir: dir }), /cannot open .*strata\.db-stamps: EISDIR/);
  });

  it('lets a supervisor take WAL checkpoints off its workers: deferred in the writer, done by maintenance.run', async () => {
    const dir = tempDir();
    const store = await sqliteStore({ dataDir: dir });
    const ws = await store.ensureWorkspace('w');
    store.maintenance!.deferInThisProcess();
    const big = 'x'.repeat(3000);
    for (let i = 0; i < 40; i++) {
      await store.appendAudit(Array.from({ length: 40 }, (_, k) => ({ workspaceId: ws.id, actor: 'user:a', action: 'search.query', resources: [], decision: 'allow' as const, traceId: `t${i}-${k}`, details: { big } })));
    }
    // Nothing was copied into the database file while writing (SQLite alone would have at 1,000 pages)…
    const before = statSync(join(dir, 'strata.db')).size;
    assert.ok(statSync(join(dir, 'strata.db-wal')).size > 4_000_000, 'the writes are in the WAL');
    assert.ok(before < 1_000_000, `the database file did not grow while writing (${before} bytes)`);
    // …until maintenance ran.
    await store.maintenance!.run();
    assert.ok(statSync(join(dir, 'strata.db')).size > before + 4_000_000, 'maintenance.run checkpointed the WAL into the database');
    await store.close();
  });

  it('checkpoints on a thread of its own for a single server process, and stops when asked', async () => {
    const dir = tempDir();
    const store = await sqliteStore({ dataDir: dir });
    const ws = await store.ensureWorkspace('w');
    const errors: unknown[] = [];
    const housekeeping = store.maintenance!.runInBackground(20, (e) => errors.push(e));
    const big = 'x'.repeat(3000);
    for (let i = 0; i < 40; i++) {
      await store.appendAudit(Array.from({ length: 40 }, (_, k) => ({ workspaceId: ws.id, actor: 'user:a', action: 'search.query', resources: [], decision: 'allow' as const, traceId: `t${i}-${k}`, details: { big } })));
    }
    // The thread copies the WAL into the database while this one writes and waits.
    const deadline = Date.now() + 5000;
    while (statSync(join(dir, 'strata.db')).size < 4_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(statSync(join(dir, 'strata.db')).size > 4_000_000, 'the background thread checkpointed the WAL into the database');
    await housekeeping.stop();
    assert.deepEqual(errors, []);
    assert.equal((await store.listAudit({ workspaceId: ws.id, limit: 10_000 })).length, 1600);
    await store.close();
  });

  it('reports a checkpoint thread that cannot open the database, so the writer checkpoints again by itself', async () => {
    const errors: unknown[] = [];
    let lost = false;
    const missing = join(tempDir(), 'none.db');
    const alive = setInterval(() => undefined, 50); // the thread does not keep the process alive by itself
    await new Promise<void>((resolve) => {
      checkpointInBackground(missing, 20, (e) => errors.push(e), () => {
        lost = true;
        resolve();
      });
    });
    clearInterval(alive);
    assert.ok(lost);
    assert.match(String(errors[0]), /unable to open|not exist|SQLITE_CANTOPEN/i);
  });
});
