// The audit chain against a real attacker: entries are written through the store (appendAudit and
// WriteBatch), then changed with a separate raw connection to the same SQLite file, triggers dropped first.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GENESIS_HASH, hashEntry, hashEntryAtSeq, type AuditEntry, type AuditInput } from '../core/audit.js';
import sqliteStore from '../store/drivers/sqlite.js';
import { cli } from '../cli/cli.testkit.js';
import { auditEntries, exportAudit, verifyAuditChain, type AuditVerification } from './verify.js';

const dirs: string[] = [];
const tempDir = (prefix = 'strata-audit-') => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const input = (workspaceId: string, n: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  workspaceId,
  actor: 'user:alice',
  action: 'search.query',
  resources: [`document:doc_${n}a`, `document:doc_${n}b`],
  decision: 'allow',
  traceId: `trace-${n}`,
  details: { query: `question ${n}` },
  ...extra,
});

/** A store with six entries in workspace acme (two of them written by WriteBatches) and two in globex. */
async function chain() {
  const dir = tempDir();
  const store = await sqliteStore({ dataDir: dir });
  const ws = await store.ensureWorkspace('acme');
  const other = await store.ensureWorkspace('globex');
  const col = await store.createCollection({
    workspaceId: ws.id,
    name: 'docs',
    settings: { chunking: { maxTokens: 100, overlapTokens: 0, tokenizer: 'cl100k_base' }, analyzer: { name: 'english' } },
  });
  await store.appendAudit([input(ws.id, 1), input(other.id, 1), input(ws.id, 2)]);
  await store.appendAudit([input(ws.id, 3, { decision: 'deny', resources: [] })]);
  const doc = { sourceId: 'a.md', sourcePath: 'a.md', contentHash: 'h', metadata: {}, accessPolicy: null, classification: null, chunks: [] };
  const upsert = input(ws.id, 4, { actor: 'cli', action: 'document.upsert', resources: ['document:a.md'] });
  await store.write({ collectionId: col.id, upserts: [doc], audit: [upsert] });
  await store.appendAudit([input(ws.id, 5), input(other.id, 2)]);
  await store.write({ collectionId: col.id, deletes: ['a.md'], audit: [{ ...upsert, action: 'document.delete', traceId: 'trace-6' }] });
  const entries = await store.listAudit({ workspaceId: ws.id });
  await store.close();
  return { dir, ws: ws.id, other: other.id, entries };
}

/** Changes the file the way an attacker with access to it would: a raw connection, triggers dropped. */
function tamper(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'strata.db'));
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  change(db);
  db.close();
}

/** Verifies one workspace through a freshly opened store, with small pages so paging is exercised too. */
async function verifyDir(dir: string, workspaceId: string): Promise<AuditVerification> {
  const store = await sqliteStore({ dataDir: dir });
  try {
    return await verifyAuditChain(auditEntries(store, workspaceId, 2));
  } finally {
    await store.close();
  }
}

const insertRow = (db: Database.Database, e: AuditEntry) =>
  db
    .prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(e.workspaceId, e.seq, e.at, e.actor, e.action, JSON.stringify(e.resources), e.decision, e.traceId, JSON.stringify(e.details), e.prevHash, e.hash);

/** A forged entry that links to `prev` and carries a correctly computed hash. */
function forge(prev: AuditEntry, seq: number, prevHash = prev.hash): AuditEntry {
  const body = { ...prev, seq, actor: 'user:mallory', action: 'document.read', resources: ['document:secret'], traceId: 'forged' };
  return { ...body, prevHash, hash: hashEntry(prevHash, body) };
}

function assertBroken(res: AuditVerification, problem: string, firstBadSeq: number): void {
  assert.equal(res.ok, false, 'tampering must be detected');
  if (res.ok) return;
  assert.deepEqual([res.problem, res.firstBadSeq], [problem, firstBadSeq], res.message);
  assert.match(res.message, new RegExp(`entr(y|ies) ${String(firstBadSeq).replace('.', '\\.')}\\b`), 'the message names the entry');
  assert.match(res.message, /Restore the audit log from a backup/, 'the message says what to do');
}

const renumber = (db: Database.Database, ws: string, fromSeq: number, by: number) => {
  // Two steps, because the primary key refuses a temporary duplicate seq.
  db.prepare('UPDATE audit_log SET seq = seq + 1000 WHERE workspace_id = ? AND seq >= ?').run(ws, fromSeq);
  db.prepare('UPDATE audit_log SET seq = seq - 1000 + ? WHERE workspace_id = ? AND seq >= 1000').run(by, ws);
};

const swap = (db: Database.Database, ws: string, a: number, b: number) => {
  const set = db.prepare('UPDATE audit_log SET seq = ? WHERE workspace_id = ? AND seq = ?');
  set.run(1000, ws, a);
  set.run(a, ws, b);
  set.run(b, ws, 1000);
};

describe('audit chain verification on a tampered SQLite file', () => {
  it('verifies an untampered chain, each workspace on its own', async () => {
    const { dir, ws, other, entries } = await chain();
    assert.deepEqual(entries.map((e) => e.traceId), ['trace-1', 'trace-2', 'trace-3', 'trace-4', 'trace-5', 'trace-6']);
    assert.deepEqual(await verifyDir(dir, ws), { ok: true, count: 6, lastHash: entries[5]!.hash });
    assert.equal((await verifyDir(dir, other)).count, 2);
    assert.deepEqual(await verifyDir(dir, 'ws_without_entries'), { ok: true, count: 0, lastHash: GENESIS_HASH });
  });

  it('refuses UPDATE and DELETE of audit rows while the triggers are in place', async () => {
    const { dir } = await chain();
    const db = new Database(join(dir, 'strata.db'));
    assert.throws(() => db.prepare("UPDATE audit_log SET actor = 'x'").run(), /append-only: entries cannot be changed/);
    assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only: entries cannot be deleted/);
    db.close();
  });

  it('detects an edited field, and leaves other workspaces verifiable', async () => {
    const { dir, ws, other } = await chain();
    tamper(dir, (db) => db.prepare("UPDATE audit_log SET actor = 'user:bob' WHERE workspace_id = ? AND seq = 3").run(ws));
    assertBroken(await verifyDir(dir, ws), 'edited', 3);
    assert.equal((await verifyDir(dir, other)).ok, true);
  });

  it('detects an edit whose hash was recomputed (the next entry still links to the original)', async () => {
    const { dir, ws, entries } = await chain();
    const edited = { ...entries[3]!, resources: ['document:other.md'] };
    tamper(dir, (db) =>
      db
        .prepare('UPDATE audit_log SET resources = ?, hash = ? WHERE workspace_id = ? AND seq = 4')
        .run(JSON.stringify(edited.resources), hashEntry(edited.prevHash, edited), ws),
    );
    assertBroken(await verifyDir(dir, ws), 'edited', 4);
  });

  it('detects a deleted entry, also when the entries after it were renumbered', async () => {
    const plain = await chain();
    tamper(plain.dir, (db) => db.prepare('DELETE FROM audit_log WHERE workspace_id = ? AND seq = 3').run(plain.ws));
    assertBroken(await verifyDir(plain.dir, plain.ws), 'deleted', 3);

    const hidden = await chain();
    tamper(hidden.dir, (db) => {
      db.prepare('DELETE FROM audit_log WHERE workspace_id = ? AND seq = 3').run(hidden.ws);
      renumber(db, hidden.ws, 4, -1);
    });
    assertBroken(await verifyDir(hidden.dir, hidden.ws), 'deleted', 3);
  });

  it('detects a forged entry with a correct hash inserted in the middle', async () => {
    const { dir, ws, entries } = await chain();
    tamper(dir, (db) => {
      renumber(db, ws, 3, +1);
      insertRow(db, forge(entries[1]!, 3));
    });
    assertBroken(await verifyDir(dir, ws), 'inserted', 3);
  });

  it('detects a forged entry squeezed between two numbers (CHECK constraint bypassed)', async () => {
    const { dir, ws, entries } = await chain();
    tamper(dir, (db) => {
      db.pragma('ignore_check_constraints = ON');
      insertRow(db, forge(entries[1]!, 2.5));
    });
    assertBroken(await verifyDir(dir, ws), 'inserted', 2.5);
  });

  it('detects a forged entry appended at the end whose prevHash does not match', async () => {
    const { dir, ws, entries } = await chain();
    // It claims entry 5 as its predecessor, as if forked off the chain before entry 6 was written.
    tamper(dir, (db) => insertRow(db, forge(entries[5]!, 7, entries[4]!.hash)));
    assertBroken(await verifyDir(dir, ws), 'inserted', 7);
  });

  it('detects two entries whose seq were swapped, adjacent or not', async () => {
    const adjacent = await chain();
    tamper(adjacent.dir, (db) => swap(db, adjacent.ws, 3, 4));
    assertBroken(await verifyDir(adjacent.dir, adjacent.ws), 'reordered', 3);

    const apart = await chain();
    tamper(apart.dir, (db) => swap(db, apart.ws, 2, 5));
    assertBroken(await verifyDir(apart.dir, apart.ws), 'reordered', 2);
  });
});

describe('audit hashes', () => {
  it('hash the same whatever the key order, and the same at a seq through either function', async () => {
    const { entries } = await chain();
    const e = entries[2]!;
    const reordered = Object.fromEntries(Object.entries({ ...e, details: { b: [2, { y: 1, x: 0 }], a: 'é' } }).reverse()) as unknown as AuditEntry;
    const plain = { ...e, details: { a: 'é', b: [2, { x: 0, y: 1 }] } };
    assert.equal(hashEntry(e.prevHash, reordered), hashEntry(e.prevHash, plain));
    const at = hashEntryAtSeq(e.prevHash, plain);
    for (const seq of [1, 3, 42, 2.5]) assert.equal(at(seq), hashEntry(e.prevHash, { ...plain, seq }));
    const tricky = { ...plain, details: { note: '\u0000strata-seq\u0000' } };
    assert.equal(hashEntryAtSeq(e.prevHash, tricky)(7), hashEntry(e.prevHash, { ...tricky, seq: 7 }));
  });
});

describe('audit export', () => {
  it('writes one JSON object per line, which verifies on its own', async () => {
    const { dir, ws, entries } = await chain();
    const store = await sqliteStore({ dataDir: dir });
    const lines: string[] = [];
    assert.equal(await exportAudit(store, ws, (line) => void lines.push(line)), 6);
    await store.close();
    const parsed = lines.map((l) => JSON.parse(l) as AuditEntry);
    assert.ok(lines.every((l) => !l.includes('\n')));
    assert.deepEqual(parsed, entries);
    assert.equal((await verifyAuditChain(parsed)).ok, true);

    // The same checks apply to an exported file that was edited: lines moved, duplicated or mixed in.
    assertBroken(await verifyAuditChain([parsed[0]!, parsed[2]!, parsed[1]!, ...parsed.slice(3)]), 'reordered', 3);
    assertBroken(await verifyAuditChain([...parsed.slice(0, 3), parsed[2]!, ...parsed.slice(3)]), 'inserted', 3);
    const foreign = { ...parsed[3]!, workspaceId: 'ws_other' };
    assertBroken(await verifyAuditChain([...parsed.slice(0, 3), foreign, ...parsed.slice(4)]), 'inserted', 4);
  });
});

describe('strata audit (CLI)', () => {
  it('records `docs delete` in the same write, verifies, exports, and exits 1 once the log is tampered with', async () => {
    const data = tempDir('strata-audit-cli-');
    const folder = tempDir('strata-audit-docs-');
    writeFileSync(join(folder, 'a.md'), '# Alpha\n\nThe first document.');
    const d = ['--data-dir', data];
    assert.equal((await cli(...d, 'ingest', folder, '--collection', 'c')).code, 0);
    const id = JSON.parse((await cli(...d, 'docs', 'list', '--collection', 'c', '--json')).stdout).documents[0].id as string;
    assert.equal((await cli(...d, 'docs', 'delete', id, '--collection', 'c')).code, 0);

    const ok = await cli(...d, 'audit', 'verify');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /audit log of workspace "default" is intact: 2 audit entries,/);
    assert.equal(JSON.parse((await cli(...d, 'audit', 'verify', '--json')).stdout).ok, true);

    const exported = await cli(...d, 'audit', 'export');
    assert.equal(exported.code, 0, exported.stderr);
    const [ingested, entry, ...rest] = exported.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    assert.equal(rest.length, 0);
    assert.deepEqual([ingested!.actor, ingested!.action, ingested!.resources], ['cli', 'ingest.write', [`source:${folder}/a.md`]]);
    assert.deepEqual([entry!.actor, entry!.action, entry!.resources, entry!.decision], ['cli', 'document.delete', [`document:${id}`], 'allow']);
    assert.match(entry!.traceId, /^trace_/);

    const file = join(data, 'audit.jsonl');
    const toFile = await cli(...d, 'audit', 'export', '--out', file);
    assert.match(toFile.stdout, /exported 2 audit entries of workspace "default"/);
    assert.equal(readFileSync(file, 'utf8'), exported.stdout);
    assert.equal((await cli(...d, 'audit', 'export', '--out', join(data, 'missing', 'x.jsonl'))).code, 2);

    tamper(data, (db) => db.prepare("UPDATE audit_log SET decision = 'deny'").run());
    const broken = await cli(...d, 'audit', 'verify');
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /audit log of workspace "default" is broken at entry 1 \(edited\)/);
    const brokenJson = await cli(...d, 'audit', 'verify', '--json');
    assert.equal(brokenJson.code, 1);
    assert.deepEqual(JSON.parse(brokenJson.stdout).problem, 'edited');
  });
});
