import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { testStoreDriver } from '../conformance.testkit.js';
import Database from 'better-sqlite3';
import sqliteStore from './sqlite.js';

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
});
