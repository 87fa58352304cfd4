// A real child process is killed with SIGKILL at random points of an ingest; the next run must leave the
// store exactly as a clean ingest of the same folder would: no duplicate, half-indexed or lost document.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { makeHarness, type Harness } from './sync.testkit.js';
import { seededRandom } from '../core/random.js';

const CHILD = fileURLToPath(new URL('./sync.crash-child.testkit.ts', import.meta.url));

const mulberry32 = seededRandom;

function makeCorpus(dir: string, version: number) {
  const words = ['budget', 'hiring', 'revenue', 'travel', 'security', 'policy', 'roadmap', 'customer', 'contract', 'audit'];
  for (let i = 0; i < 80; i++) {
    const body = Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3 + version) % words.length]).join(' ');
    writeFileSync(join(dir, `note-${String(i).padStart(3, '0')}.md`), `# Note ${i}\n\n${body}.\n\n## Details\n\n${body} ${version}.`);
  }
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ _id: `r${i}`, title: `Record ${i}`, text: `${words[i % 10]} record ${i} v${i % 5 === 0 ? version : 0}` }));
  writeFileSync(join(dir, 'corpus.jsonl'), lines.join('\n'));
}

async function snapshot(h: Harness) {
  const docs = [];
  for (let offset = 0; ; offset += 500) {
    const page = await h.store.listDocuments({ collectionId: h.collection.id, limit: 500, offset });
    docs.push(...page);
    if (page.length < 500) break;
  }
  const rows = [];
  for (const d of docs) {
    const chunks = await h.store.getChunks(d.id);
    rows.push(`${d.sourceId.replace(/^.*\//, '')}|${d.contentHash}|${chunks.map((c) => `${c.ordinal}:${c.text}`).join('¶')}`);
  }
  let chunkRows = 0;
  for await (const _ of h.store.iterateChunks(h.collection.id)) chunkRows++;
  return { rows: rows.sort(), chunkRows };
}

function runChild(dataDir: string, root: string, killAfterMs: number | null): Promise<{ killed: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let started = 0;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d: Buffer) => {
      if (!started && d.toString().includes('started')) {
        started = performance.now();
        if (killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, ms: performance.now() - started });
      else if (code === 0) resolve({ killed: false, ms: performance.now() - started });
      else reject(new Error(`child failed (${code}): ${err}`));
    });
  });
}

describe('crash safety', () => {
  it('survives kill -9 at random points and converges to a clean ingest', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-crash-src-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'strata-crash-data-'));
    makeCorpus(dir, 1);
    const random = mulberry32(20261128);
    let changed = false;

    // A clean run in a throw-away store tells how long a full ingest takes, so kills land inside it.
    const clean = await runChild(mkdtempSync(join(tmpdir(), 'strata-crash-ref-')), dir, null);
    let kills = 0;
    // Keep killing until enough runs died mid-way (a loaded machine can let a short run finish first).
    for (let attempt = 0; kills < 5 && attempt < 15; attempt++) {
      if (kills === 2 && attempt > 0 && !changed) {
        // change the folder between crashes: edits, a deletion and new records must all converge too
        makeCorpus(dir, 2);
        unlinkSync(join(dir, 'note-005.md'));
        changed = true;
      }
      const res = await runChild(dataDir, dir, Math.floor(random() * clean.ms * 0.9));
      if (res.killed) kills++;
    }
    assert.ok(kills >= 3, `runs were killed mid-way (${kills})`);
    assert.ok(changed, 'the folder changed between crashes');
    await runChild(dataDir, dir, null);

    const resumed = await makeHarness({}, dataDir);
    const reference = await makeHarness();
    await reference.sync(dir);
    const [got, want] = [await snapshot(resumed), await snapshot(reference)];
    assert.equal(got.rows.length, want.rows.length, 'same number of documents');
    assert.deepEqual(got.rows, want.rows, 'same documents, versions of content and chunks as a clean ingest');
    assert.equal(got.chunkRows, want.chunkRows, 'no orphaned chunks');
    const jobs = await resumed.store.listJobs(resumed.collection.id, 50);
    assert.ok(jobs.some((j) => j.status === 'interrupted'), 'killed runs are reported as interrupted');
    const states = await resumed.store.listFileStates(resumed.collection.id);
    // the removed file may still show as 'deleted' (that state is forgotten by the run after the deletion)
    const live = states.filter((s) => !(s.status === 'deleted' && s.path.endsWith('/note-005.md')));
    assert.ok(live.every((s) => s.status === 'indexed' || s.status === 'unchanged'), `every file ends indexed: ${JSON.stringify(states.filter((s) => !live.includes(s) || (s.status !== 'indexed' && s.status !== 'unchanged')).map((s) => [s.path, s.status]))}`);
    assert.equal(live.length, 80, 'the 79 notes left and corpus.jsonl');
    await resumed.store.close();
    await reference.store.close();
  });
});
