import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FileState } from '../core/types.js';
import { makeHarness } from './sync.testkit.js';

const folder = () => mkdtempSync(join(tmpdir(), 'strata-src-'));
const statusOf = async (h: Awaited<ReturnType<typeof makeHarness>>): Promise<Record<string, FileState>> =>
  Object.fromEntries((await h.store.listFileStates(h.collection.id)).map((s) => [s.path.split('/').pop()!, s]));

describe('sync lifecycle', () => {
  it('indexes, skips unchanged files, replaces changed ones and removes deleted ones', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a.md'), '# Alpha\n\nThe alpha document talks about budgets.');
    writeFileSync(join(dir, 'b.txt'), 'Beta notes about hiring plans.');
    const h = await makeHarness();
    const r1 = await h.sync(dir);
    assert.equal(r1.files.indexed, 2);
    assert.equal(r1.documents.inserted, 2);
    assert.equal(await h.store.countDocuments(h.collection.id), 2);

    const r2 = await h.sync(dir);
    assert.deepEqual([r2.files.indexed, r2.files.unchanged, r2.documents.inserted, r2.documents.replaced], [0, 2, 0, 0]);

    writeFileSync(join(dir, 'a.md'), '# Alpha\n\nThe alpha document now talks about travel.');
    unlinkSync(join(dir, 'b.txt'));
    const r3 = await h.sync(dir);
    assert.equal(r3.documents.replaced, 1);
    assert.equal(r3.documents.deleted, 1);
    assert.equal(r3.files.deleted, 1);
    const docs = await h.store.listDocuments({ collectionId: h.collection.id });
    assert.deepEqual(docs.map((d) => [d.metadata.path, d.version]), [['a.md', 2]]);
    const chunks = await h.store.getChunks(docs[0]!.id);
    assert.match(chunks.map((c) => c.text).join(' '), /travel/);
    assert.doesNotMatch(chunks.map((c) => c.text).join(' '), /budgets/);
    const states = await statusOf(h);
    assert.equal(states['b.txt']?.status, 'deleted');
    // a later run forgets the deleted file's state
    await h.sync(dir);
    assert.equal((await statusOf(h))['b.txt'], undefined);
    await h.store.close();
  });

  it('gives every bad file a status with a reason and keeps what was indexed before', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'good.md'), '# Good\n\nA perfectly fine document about revenue.');
    writeFileSync(join(dir, 'later-broken.json'), '{"title": "Pricing", "body": "Enterprise tier costs more"}');
    const h = await makeHarness({ ingest: { maxFileBytes: 2000 } });
    await h.sync(dir);
    assert.equal(await h.store.countDocuments(h.collection.id), 2);

    writeFileSync(join(dir, 'later-broken.json'), '{"title": "Pricing", "body": ');
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'binary.bin'), Buffer.from([0, 1, 2, 3]));
    writeFileSync(join(dir, 'huge.txt'), 'x'.repeat(5000));
    writeFileSync(join(dir, 'corrupt.pdf'), Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog'));
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e recipe', 'latin1'));
    writeFileSync(join(dir, 'we ird #1 ünï (copy).md'), '# Odd\n\nA file whose name has spaces, a hash and accents.');
    writeFileSync(join(dir, 'bad-lines.jsonl'), '{"_id":"r1","text":"first record"}\nnot json\n{"_id":"r2","text":"second record"}\n');
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'missing-target'), join(dir, 'dangling.md'));
    // an encrypted Office file is an OLE container, not a zip
    writeFileSync(join(dir, 'locked.docx'), Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]));
    writeFileSync(join(dir, 'cut.docx'), Buffer.from('504b0304140000000800', 'hex'));
    writeFileSync(join(dir, 'bad-utf8.md'), Buffer.from([0x23, 0x20, 0x54, 0xc3, 0x28, 0x0a, 0x0a, 0x62, 0x6f, 0x64, 0x79, 0xff]));
    writeFileSync(Buffer.from([...Buffer.from(dir), 0x2f, 0x6e, 0xff, 0x2e, 0x74, 0x78, 0x74]), 'name is not UTF-8');
    const r = await h.sync(dir);
    const s = await statusOf(h);
    assert.equal(s['later-broken.json']?.status, 'failed');
    assert.match(s['later-broken.json']!.reason!, /json/i);
    assert.equal(s['later-broken.json']?.documentCount, 1, 'the previously indexed version is still counted');
    assert.ok(await h.store.getDocument(h.collection.id, `${dir}/later-broken.json`), 'nothing already indexed is lost');
    assert.match(s['empty.txt']!.reason!, /zero-byte/);
    assert.equal(s['binary.bin']?.status, 'skipped');
    assert.match(s['binary.bin']!.reason!, /unsupported file type/);
    assert.match(s['huge.txt']!.reason!, /too large/);
    assert.equal(s['corrupt.pdf']?.status, 'failed');
    assert.equal(s['latin1.txt']?.status, 'indexed');
    assert.equal(s['we ird #1 ünï (copy).md']?.status, 'indexed');
    assert.equal(s['bad-lines.jsonl']?.status, 'indexed');
    assert.match(s['bad-lines.jsonl']!.reason!, /line 2/);
    assert.equal(s['loop']?.status, 'failed');
    assert.match(s['loop']!.reason!, /symlink loop/);
    assert.equal(s['dangling.md']?.status, 'failed');
    assert.match(s['dangling.md']!.reason!, /broken symlink/);
    assert.equal(s['locked.docx']?.status, 'failed');
    assert.match(s['locked.docx']!.reason!, /password-protected/);
    assert.equal(s['cut.docx']?.status, 'failed');
    assert.match(s['cut.docx']!.reason!, /corrupt|truncated|zip/i);
    assert.equal(s['bad-utf8.md']?.status, 'indexed', 'text that is not valid UTF-8 is read as Windows-1252');
    assert.match(s['bad-utf8.md']!.reason!, /UTF-8/);
    const badName = Object.entries(s).find(([name]) => name.includes('\uFFFD'));
    assert.equal(badName?.[1].status, 'failed');
    assert.match(badName![1].reason!, /not valid UTF-8/);
    assert.ok(r.files.failed >= 9);
    const latin = await h.store.getDocument(h.collection.id, `${dir}/latin1.txt`);
    assert.match((await h.store.getChunks(latin!.id))[0]!.text, /Café crème brûlée/);
    assert.ok(await h.store.getDocument(h.collection.id, 'r2'), 'JSONL records keep their ids');
    await h.store.close();
  });

  it('syncs a BEIR corpus.jsonl record by record', async () => {
    const dir = folder();
    const line = (id: string, text: string) => JSON.stringify({ _id: id, title: `T${id}`, text });
    writeFileSync(join(dir, 'corpus.jsonl'), [line('10', 'aspirin reduces fever'), line('11', 'statins lower cholesterol'), line('12', 'vitamin d and bones')].join('\n'));
    const h = await makeHarness();
    await h.sync(dir);
    assert.equal(await h.store.countDocuments(h.collection.id), 3);
    const before = await h.store.getDocument(h.collection.id, '10');
    writeFileSync(join(dir, 'corpus.jsonl'), [line('10', 'aspirin reduces fever'), line('11', 'statins lower LDL cholesterol'), line('13', 'new record')].join('\n'));
    const r = await h.sync(dir);
    assert.deepEqual([r.documents.inserted, r.documents.replaced, r.documents.deleted, r.documents.unchanged], [1, 1, 1, 1]);
    const after = await h.store.getDocument(h.collection.id, '10');
    assert.equal(after?.version, before?.version, 'an unchanged record is not rewritten');
    assert.equal(await h.store.getDocument(h.collection.id, '12'), null);
    assert.equal((await h.store.getDocument(h.collection.id, '11'))?.version, 2);
    await h.store.close();
  });

  it('reads access policy and classification from a sidecar file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'plan.md'), '# Plan\n\nConfidential merger plan.');
    writeFileSync(join(dir, 'plan.md.strata.json'), JSON.stringify({ readers: ['group:board'], classification: 'restricted', metadata: { owner: 'cfo' } }));
    writeFileSync(join(dir, 'bad.md'), '# Bad\n\nText.');
    writeFileSync(join(dir, 'bad.md.strata.json'), '{"readers": "everyone"}');
    const h = await makeHarness();
    await h.sync(dir);
    const doc = await h.store.getDocument(h.collection.id, `${dir}/plan.md`);
    assert.deepEqual(doc?.accessPolicy, { readers: ['group:board'] });
    assert.equal(doc?.classification, 'restricted');
    assert.equal(doc?.metadata.owner, 'cfo');
    const s = await statusOf(h);
    assert.equal(s['bad.md']?.status, 'failed');
    assert.match(s['bad.md']!.reason!, /readers/);
    assert.equal(s['plan.md.strata.json'], undefined, 'sidecars are not documents');
    assert.match(s['bad.md']!.reason!, /readers/);

    // Changing only who may read the file updates the policy in place: same version, same chunks.
    const chunksBefore = (await h.store.getChunks(doc!.id)).map((c) => c.id);
    writeFileSync(join(dir, 'plan.md.strata.json'), JSON.stringify({ readers: ['group:board', 'user:ana'], classification: 'restricted', metadata: { owner: 'cfo' } }));
    const r = await h.sync(dir);
    assert.equal(r.documents.policyChanged, 1);
    assert.equal(r.documents.replaced, 0);
    const after = await h.store.getDocument(h.collection.id, `${dir}/plan.md`);
    assert.deepEqual(after?.accessPolicy, { readers: ['group:board', 'user:ana'] });
    assert.equal(after?.version, doc?.version, 'no new version for a policy change');
    assert.deepEqual((await h.store.getChunks(doc!.id)).map((c) => c.id), chunksBefore, 'chunks were not rewritten');
    writeFileSync(join(dir, 'typo.md'), '# Typo\n\nText.');
    writeFileSync(join(dir, 'typo.md.strata.json'), JSON.stringify({ readers: ['finance'] }));
    await h.sync(dir);
    const typo = (await statusOf(h))['typo.md'];
    assert.equal(typo?.status, 'failed', 'a reader without user:/group: would lock everyone out');
    assert.match(typo!.reason!, /invalid readers/);
    await h.store.close();
  });

  it('refuses to empty a collection when its folder is suddenly empty', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a.txt'), 'some text');
    const h = await makeHarness();
    await h.sync(dir);
    rmSync(join(dir, 'a.txt'));
    await assert.rejects(h.sync(dir), /no files, but 1 files were indexed/);
    assert.equal(await h.store.countDocuments(h.collection.id), 1);
    await h.sync(dir, { allowEmpty: true });
    assert.equal(await h.store.countDocuments(h.collection.id), 0);
    await h.store.close();
  });

  it('records every write in the audit log when told who runs the sync', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a.md'), '# A\n\nAlpha text.');
    writeFileSync(join(dir, 'b.md'), '# B\n\nBeta text.');
    const h = await makeHarness();
    const audit = { workspaceId: h.collection.workspaceId, actor: 'user:ana', traceId: 'trace-1' };
    await h.sync(dir, { audit });
    unlinkSync(join(dir, 'b.md'));
    writeFileSync(join(dir, 'a.md.strata.json'), JSON.stringify({ readers: ['group:x'] }));
    await h.sync(dir, { audit });
    const entries = await h.store.listAudit({ workspaceId: h.collection.workspaceId });
    assert.deepEqual(entries.map((e) => e.action), ['ingest.write', 'policy.set', 'ingest.write']);
    assert.deepEqual(entries[0]!.resources.sort(), [`source:${dir}/a.md`, `source:${dir}/b.md`]);
    assert.deepEqual(entries[2]!.resources, [`source:${dir}/b.md`]);
    assert.equal(entries[2]!.details?.deleted, 1);
    assert.ok(entries.every((e) => e.actor === 'user:ana' && e.traceId === 'trace-1'));
    await h.store.close();
  });

  it('fails clearly for a folder that does not exist', async () => {
    const h = await makeHarness();
    await assert.rejects(h.sync('/nonexistent/strata-folder'), /folder not found/);
    await h.store.close();
  });
});
