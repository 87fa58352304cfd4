import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeServer, type Harness } from '../server.testkit.js';

interface JobBody {
  id: string;
  status: string;
  stats: Record<string, number>;
  files: { path: string; status: string; reason: string | null; documents: number }[];
}

async function poll(h: Harness, key: string, location: string): Promise<JobBody> {
  for (let i = 0; i < 200; i++) {
    const job = (await (await h.call('GET', location, { key })).json()) as JobBody;
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('job did not finish');
}

describe('folder sources and ingest jobs', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-roots-'));
  const folder = join(root, 'handbook');
  mkdirSync(folder);
  writeFileSync(join(folder, 'leave.md'), '# Leave policy\n\nEmployees get 25 days of paid leave.');
  writeFileSync(join(folder, 'travel.txt'), 'Travel must be booked through the portal.');
  writeFileSync(join(folder, 'broken.pdf'), '%PDF-1.7 this is not really a pdf');
  writeFileSync(join(folder, 'empty.txt'), '');
  writeFileSync(join(folder, 'tool.exe'), 'MZ');

  const setup = async () => {
    const h = await makeServer({ server: { sourceRoots: [root] }, ingest: { ocr: { enabled: false } } });
    const admin = await h.key('default', 'admin', 'root');
    const editor = await h.key('default', 'editor', 'ed');
    const reader = await h.key('default', 'reader', 'rita');
    await h.call('POST', '/v1/collections', { key: admin, body: { name: 'handbook' } });
    return { h, admin, editor, reader };
  };

  it('runs a sync in the background: 202 + Location, poll until done, per-file outcomes and errors visible', async () => {
    const { h, admin, editor, reader } = await setup();
    const created = await h.call('POST', '/v1/collections/handbook/sources', { key: admin, body: { path: folder } });
    assert.equal(created.status, 201);
    const source = await created.json();
    assert.equal(source.path, folder);
    assert.equal((await h.call('POST', `/v1/collections/handbook/sources/${source.id}/sync`, { key: reader })).status, 403);

    const started = await h.call('POST', `/v1/collections/handbook/sources/${source.id}/sync`, { key: editor });
    assert.equal(started.status, 202);
    const location = started.headers.get('location')!;
    const first = await started.json();
    assert.match(location, new RegExp(`/v1/jobs/${first.id}$`));
    assert.equal(first.collection, 'handbook');

    const job = await poll(h, editor, location);
    assert.equal(job.status, 'succeeded');
    const byFile = Object.fromEntries(job.files.map((f) => [f.path, f]));
    assert.deepEqual(Object.keys(byFile).sort(), ['broken.pdf', 'empty.txt', 'leave.md', 'tool.exe', 'travel.txt']);
    assert.equal(byFile['leave.md']!.status, 'indexed');
    assert.equal(byFile['broken.pdf']!.status, 'failed');
    assert.ok(byFile['broken.pdf']!.reason);
    assert.match(byFile['empty.txt']!.reason!, /zero-byte/);
    assert.equal(byFile['tool.exe']!.status, 'skipped');
    assert.equal(job.stats.filesIndexed, 2);

    const hits = (await (await h.call('POST', '/v1/search', { key: reader, body: { collection: 'handbook', query: 'paid leave' } })).json()).hits;
    assert.equal(hits[0].title, 'Leave policy');
    const jobs = (await (await h.call('GET', '/v1/jobs?collection=handbook', { key: editor })).json()).jobs;
    assert.deepEqual(jobs.map((j: { id: string }) => j.id), [first.id]);

    // A second sync sees the removed file and the unchanged ones.
    unlinkSync(join(folder, 'travel.txt'));
    const again = await poll(h, editor, (await h.call('POST', `/v1/collections/handbook/sources/${source.id}/sync`, { key: editor })).headers.get('location')!);
    const states = Object.fromEntries(again.files.map((f) => [f.path, f.status]));
    assert.equal(states['leave.md'], 'unchanged');
    assert.equal(states['travel.txt'], 'deleted');
    writeFileSync(join(folder, 'travel.txt'), 'Travel must be booked through the portal.');

    const audit = await h.store.listAudit({ workspaceId: (await h.store.getWorkspace('default'))!.id });
    assert.ok(audit.some((e) => e.action === 'ingest.finish' && e.resources.includes(`job:${first.id}`)));
  });

  it('refuses a second sync of a collection while one runs (409)', async () => {
    const { h, admin, editor } = await setup();
    const source = await (await h.call('POST', '/v1/collections/handbook/sources', { key: admin, body: { path: folder } })).json();
    const path = `/v1/collections/handbook/sources/${source.id}/sync`;
    const [a, b] = await Promise.all([h.call('POST', path, { key: editor }), h.call('POST', path, { key: editor })]);
    assert.deepEqual([a.status, b.status].sort(), [202, 409]);
    await h.deps.jobs.idle();
  });

  it('only lets admins add folders inside server.sourceRoots', async () => {
    const { h, admin, editor } = await setup();
    const add = (key: string, path: string) => h.call('POST', '/v1/collections/handbook/sources', { key, body: { path } });
    assert.equal((await add(editor, folder)).status, 403);
    assert.equal((await add(admin, tmpdir())).status, 403, 'outside the roots');
    assert.equal((await add(admin, join(folder, '..', '..'))).status, 403, 'no escaping with ..');
    assert.equal((await add(admin, 'relative/path')).status, 400);
    assert.equal((await add(admin, join(root, 'missing'))).status, 400);
    assert.equal((await add(admin, folder)).status, 201);
    assert.equal((await add(admin, folder)).status, 409);
    const closed = await makeServer();
    const key = await closed.key('default', 'admin', 'root');
    await closed.call('POST', '/v1/collections', { key, body: { name: 'c' } });
    const r = await closed.call('POST', '/v1/collections/c/sources', { key, body: { path: folder } });
    assert.equal(r.status, 403);
    assert.match((await r.json()).error.hint, /sourceRoots/);
  });
});
