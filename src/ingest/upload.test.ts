import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestUpload, type UploadedDocument } from './upload.js';
import { makeHarness } from './sync.testkit.js';
import { indexTextWith } from '../search/service.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('ingestUpload', () => {
  const upload = async (h: Awaited<ReturnType<typeof makeHarness>>, document: UploadedDocument) =>
    ingestUpload({ store: h.store, collection: h.collection, ingest: h.config.ingest, indexText: indexTextWith('english'), document });

  it('parses, chunks and stores one document with its policy; same bytes again change nothing', async () => {
    const h = await makeHarness();
    const doc: UploadedDocument = {
      filename: 'plan.md',
      bytes: text('# Travel plan\n\nThe offsite is in Lisbon in May.'),
      metadata: { team: 'ops' },
      accessPolicy: { readers: ['group:ops'] },
      classification: 'confidential',
    };
    const r1 = await upload(h, doc);
    assert.equal(r1.outcome, 'inserted');
    assert.ok(r1.chunks >= 1);
    assert.equal(r1.document.sourceId, 'upload/plan.md');
    assert.equal(r1.document.metadata.title, 'Travel plan');
    assert.equal(r1.document.metadata.team, 'ops');
    assert.equal(r1.document.metadata.mediaType, 'text/markdown');
    assert.deepEqual(r1.document.accessPolicy, { readers: ['group:ops'] });
    assert.equal(r1.document.classification, 'confidential');
    const chunks = await h.store.getChunks(r1.document.id);
    assert.match(chunks.map((c) => c.text).join(' '), /Lisbon/);

    const r2 = await upload(h, doc);
    assert.equal(r2.outcome, 'unchanged');
    assert.equal(r2.document.version, 1);

    const r3 = await upload(h, { ...doc, bytes: text('# Travel plan\n\nThe offsite moved to Porto.') });
    assert.equal(r3.outcome, 'replaced');
    assert.equal(r3.document.version, 2);
    assert.equal(r3.document.id, r1.document.id);
    assert.equal(await h.store.countDocuments(h.collection.id), 1);
  });

  it('refuses unsupported, empty, unreadable and multi-record uploads and bad policies as invalid input', async () => {
    const h = await makeHarness();
    const bad = async (d: UploadedDocument, re: RegExp) =>
      assert.rejects(upload(h, d), (e: Error & { code?: string }) => e.code === 'invalid-input' && re.test(e.message));
    await bad({ filename: 'x.exe', bytes: text('MZ') }, /unsupported file type/);
    await bad({ filename: 'x.txt', bytes: new Uint8Array() }, /empty/);
    await bad({ filename: 'x.pdf', bytes: text('not a pdf at all') }, /could not be read/);
    await bad({ filename: 'x.jsonl', bytes: text('{"_id":"1","text":"a"}\n{"_id":"2","text":"b"}\n') }, /holds 2 documents/);
    await bad({ filename: 'x.txt', bytes: text('hello'), accessPolicy: { readers: ['group finance'] } }, /invalid readers/);
    assert.equal(await h.store.countDocuments(h.collection.id), 0);
  });
});
