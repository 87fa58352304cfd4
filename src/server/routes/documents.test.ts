import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeServer } from '../server.testkit.js';

async function setup() {
  const h = await makeServer({ server: { maxUploadBytes: 4096 } });
  const admin = await h.key('default', 'admin', 'root', ['ops']);
  const editor = await h.key('default', 'editor', 'ed', ['ops']);
  const outsider = await h.key('default', 'reader', 'rita');
  const opsReader = await h.key('default', 'reader', 'olga', ['ops']);
  assert.equal((await h.call('POST', '/v1/collections', { key: admin, body: { name: 'docs' } })).status, 201);
  const search = async (key: string, query: string) => {
    const r = await h.call('POST', '/v1/search', { key, body: { collection: 'docs', query } });
    assert.equal(r.status, 200);
    return ((await r.json()).hits as { title: string; documentId: string }[]).map((x) => x.title);
  };
  return { h, admin, editor, outsider, opsReader, search };
}

describe('documents: upload, read, policy, delete', () => {
  it('an uploaded document is found by search; one restricted by readers only by those readers', async () => {
    const { h, editor, outsider, opsReader, search } = await setup();
    const open = await h.call('POST', '/v1/collections/docs/documents', { key: editor, body: { text: '# Holiday calendar\n\nThe office closes on the first of May.', filename: 'calendar.md', metadata: { team: 'hr' } } });
    assert.equal(open.status, 201);
    const restricted = await h.call('POST', '/v1/collections/docs/documents', {
      key: editor,
      body: { text: 'Incident review: the May outage was caused by a full disk.', filename: 'incident.txt', readers: ['group:ops'], classification: 'confidential' },
    });
    assert.equal(restricted.status, 201);
    const res = await restricted.json();
    assert.equal(res.outcome, 'inserted');
    assert.deepEqual(res.document.accessPolicy, { readers: ['group:ops'] });
    assert.equal(res.document.sourcePath, undefined, 'server paths are not shown');

    assert.deepEqual((await search(opsReader, 'May')).sort(), ['Holiday calendar', 'Incident review: the May outage was caused by a full disk.']);
    assert.deepEqual(await search(outsider, 'May'), ['Holiday calendar']);
    assert.deepEqual(await search(outsider, 'outage disk'), []);
    // Listing, counting and fetching follow the same rule; the hidden document is a 404, not a 403.
    const list = await (await h.call('GET', '/v1/collections/docs/documents', { key: outsider })).json();
    assert.equal(list.total, 1);
    assert.equal((await h.call('GET', `/v1/collections/docs/documents/${res.document.id}`, { key: outsider })).status, 404);
    const full = await (await h.call('GET', `/v1/collections/docs/documents/${res.document.id}?chunks=true`, { key: opsReader })).json();
    assert.match(full.chunks[0].text, /full disk/);
    const col = await (await h.call('GET', '/v1/collections/docs', { key: outsider })).json();
    assert.equal(col.documents, 1);
  });

  it('accepts multipart uploads with metadata, readers and classification', async () => {
    const { h, editor, opsReader, outsider, search } = await setup();
    const form = new FormData();
    form.set('file', new File(['<h1>Runbook</h1><p>Restart the ingestion worker with care.</p>'], 'runbook.html', { type: 'text/html' }));
    form.set('metadata', JSON.stringify({ owner: 'sre' }));
    form.set('readers', 'group:ops, user:ed');
    form.set('classification', 'internal');
    const r = await h.call('POST', '/v1/collections/docs/documents', { key: editor, body: form });
    const body = await r.json();
    assert.equal(r.status, 201, JSON.stringify(body));
    assert.equal(body.document.metadata.owner, 'sre');
    assert.equal(body.document.metadata.mediaType, 'text/html');
    assert.deepEqual(body.document.accessPolicy, { readers: ['group:ops', 'user:ed'] });
    assert.deepEqual(await search(opsReader, 'ingestion worker'), ['Runbook']);
    assert.deepEqual(await search(outsider, 'ingestion worker'), []);

    const bad = new FormData();
    bad.set('file', new File(['x'], 'a.txt'));
    bad.set('metadata', '{broken');
    const r2 = await h.call('POST', '/v1/collections/docs/documents', { key: editor, body: bad });
    assert.equal(r2.status, 400);
    assert.match((await r2.json()).error.message, /metadata/);
  });

  it('re-uploading replaces (version + 1) or keeps an identical document; refuses what is too large or unreadable', async () => {
    const { h, editor, outsider, search } = await setup();
    const up = (text: string, extra: Record<string, unknown> = {}) => h.call('POST', '/v1/collections/docs/documents', { key: editor, body: { text, filename: 'notes.txt', ...extra } });
    assert.equal((await up('first version about apples')).status, 201);
    const same = await up('first version about apples');
    assert.equal(same.status, 200);
    assert.equal((await same.json()).outcome, 'unchanged');
    const next = await (await up('second version about pears')).json();
    assert.deepEqual([next.outcome, next.document.version], ['replaced', 2]);
    assert.deepEqual(await search(outsider, 'apples'), []);
    assert.deepEqual(await search(outsider, 'pears'), ['second version about pears']);

    const fm = await (await up('---\nreaders: [group:ops]\n---\n# Pager rota', { filename: 'rota.md' })).json();
    assert.deepEqual(fm.document.accessPolicy, { readers: ['group:ops'] }, 'front matter applies when readers are omitted');
    const open = await (await up('---\nreaders: [group:ops]\n---\n# Pager rota', { filename: 'rota2.md', readers: null })).json();
    assert.equal(open.document.accessPolicy, null, 'readers: null overrides it');
    assert.equal((await up('x'.repeat(5000))).status, 413);
    const pdf = await up('not a pdf', { filename: 'report.pdf' });
    assert.equal(pdf.status, 400);
    assert.match((await pdf.json()).error.message, /report\.pdf could not be read/);
    // An editor cannot overwrite a document it cannot read.
    await up('secret ops notes', { sourceId: 'ops/notes', readers: ['group:ops'] });
    const rita = await h.key('default', 'editor', 'rita-editor');
    const clash = await h.call('POST', '/v1/collections/docs/documents', { key: rita, body: { text: 'overwrite', sourceId: 'ops/notes' } });
    assert.equal(clash.status, 409);
  });

  it('deleting a document removes it from search, listings and reads, and is audited with the request id', async () => {
    const { h, editor, opsReader, search } = await setup();
    const doc = (await (await h.call('POST', '/v1/collections/docs/documents', { key: editor, body: { text: 'Quarterly budget for the platform team.', filename: 'budget.txt' } })).json()).document;
    assert.deepEqual(await search(opsReader, 'budget'), ['Quarterly budget for the platform team.']);
    const del = await h.call('DELETE', `/v1/collections/docs/documents/${doc.id}`, { key: editor, headers: { 'x-request-id': 'del-1' } });
    assert.equal(del.status, 200);
    assert.deepEqual(await search(opsReader, 'budget'), []);
    assert.equal((await h.call('GET', `/v1/collections/docs/documents/${doc.id}`, { key: opsReader })).status, 404);
    assert.equal((await (await h.call('GET', '/v1/collections/docs/documents', { key: opsReader })).json()).total, 0);
    assert.deepEqual(await h.store.getChunks(doc.id), [], 'chunks are purged');
    assert.equal((await h.call('DELETE', `/v1/collections/docs/documents/${doc.id}`, { key: editor })).status, 404);
    const audit = await h.store.listAudit({ workspaceId: (await h.store.getWorkspace('default'))!.id });
    const entry = audit.find((e) => e.action === 'document.delete');
    assert.deepEqual([entry?.traceId, entry?.actor, entry?.resources], ['del-1', 'user:ed', [`document:${doc.id}`]]);
  });

  it('changing a policy applies to the next search without re-indexing', async () => {
    const { h, editor, outsider, search } = await setup();
    const doc = (await (await h.call('POST', '/v1/collections/docs/documents', { key: editor, body: { text: 'Salary bands for 2025.', filename: 'salaries.txt' } })).json()).document;
    assert.deepEqual(await search(outsider, 'salary'), ['Salary bands for 2025.']);
    const r = await h.call('PUT', `/v1/collections/docs/documents/${doc.id}/access`, { key: editor, body: { readers: ['group:ops'] } });
    assert.equal(r.status, 200);
    assert.deepEqual((await r.json()).accessPolicy, { readers: ['group:ops'] });
    assert.deepEqual(await search(outsider, 'salary'), []);
    assert.equal((await h.call('PUT', `/v1/collections/docs/documents/${doc.id}/access`, { key: outsider, body: { readers: null } })).status, 403);
  });

  it('stores feedback on a search by its request id', async () => {
    const { h, admin, outsider } = await setup();
    const s = await h.call('POST', '/v1/search', { key: outsider, body: { collection: 'docs', query: 'anything' }, headers: { 'x-request-id': 'search-42' } });
    assert.equal((await s.json()).requestId, 'search-42');
    const f = await h.call('POST', '/v1/feedback', { key: outsider, body: { traceId: 'search-42', rating: -1, comment: 'nothing relevant' } });
    assert.equal(f.status, 201);
    const list = await (await h.call('GET', '/v1/feedback?traceId=search-42', { key: admin })).json();
    assert.deepEqual(list.feedback.map((x: { subject: string; rating: number }) => [x.subject, x.rating]), [['rita', -1]]);
  });
});
