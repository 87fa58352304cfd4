import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeServer } from '../server.testkit.js';

const TOPICS = ['volcano', 'glacier', 'desert', 'rainforest', 'coral', 'tundra'];

async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('eval API: import (path in sourceRoots, or inline), capture from feedback, run in the background, report JSON and HTML', async () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-eval-api-'));
  writeFileSync(join(root, 'corpus.jsonl'), TOPICS.map((t, i) => JSON.stringify({ _id: `doc-${i}`, text: `The ${t} and its wildlife.` })).join('\n') + '\n');
  writeFileSync(join(root, 'q.jsonl'), TOPICS.map((t, i) => JSON.stringify({ question: `${t} wildlife?`, relevant: [`doc-${i}`] })).join('\n') + '\n');
  const h = await makeServer({ dataDir: join(root, 'data'), server: { sourceRoots: [root] } });
  const admin = await h.key('default', 'admin', 'ana');
  const reader = await h.key('default', 'reader', 'rex');

  assert.equal((await h.call('GET', '/v1/eval/datasets', { key: reader })).status, 403);
  const outside = await h.call('POST', '/v1/eval/datasets', { key: admin, body: { name: 'x', path: '/etc/hosts' } });
  assert.equal(outside.status, 403);

  const imp = await h.call('POST', '/v1/eval/datasets', { key: admin, body: { name: 'toy', path: join(root, 'q.jsonl'), corpus: join(root, 'corpus.jsonl') } });
  assert.equal(imp.status, 201, await imp.clone().text());
  assert.equal(((await imp.json()) as { dataset: { questions: number } }).dataset.questions, 6);

  // A collection with documents, searched and rated through the API, then captured into a dataset.
  assert.equal((await h.call('POST', '/v1/collections', { key: admin, body: { name: 'kb' } })).status, 201);
  for (const [i, t] of TOPICS.entries()) {
    const up = await h.call('POST', '/v1/collections/kb/documents', { key: admin, body: { text: `The ${t} and its wildlife.`, filename: `${t}.txt`, sourceId: `doc-${i}` } });
    assert.equal(up.status, 201, await up.clone().text());
  }
  const search = (await (await h.call('POST', '/v1/search', { key: reader, body: { collection: 'kb', query: 'glacier wildlife' } })).json()) as { requestId: string; hits: { documentId: string; sourceId: string }[] };
  const top = search.hits[0]!;
  assert.equal((await h.call('POST', '/v1/feedback', { key: reader, body: { traceId: search.requestId, rating: 1, documentId: top.documentId } })).status, 201);
  await h.call('POST', '/v1/feedback', { key: reader, body: { traceId: 'no-such-search', rating: -1 } });
  const cap = await h.call('POST', '/v1/eval/datasets/capture', { key: admin, body: { name: 'prod' } });
  assert.equal(cap.status, 201, await cap.clone().text());
  const captured = (await cap.json()) as { dataset: { questions: number; collection: string }; warnings: { code: string; count: number }[] };
  assert.equal(captured.dataset.questions, 1);
  assert.equal(captured.dataset.collection, 'kb');
  assert.deepEqual(captured.warnings.map((w) => [w.code, w.count]), [['unmatched-feedback', 1]]);
  const shown = (await (await h.call('GET', '/v1/eval/datasets/prod', { key: admin })).json()) as { questions: { question: string; relevant: Record<string, number> }[] };
  assert.deepEqual(shown.questions[0], { ...shown.questions[0], question: 'glacier wildlife', relevant: { [top.sourceId]: 1 } });

  const inline = await h.call('POST', '/v1/eval/datasets', { key: admin, body: { name: 'inline', collection: 'kb', questions: [{ question: 'coral?', relevant: ['doc-4', 'ghost'] }, { question: '' }], strict: true } });
  assert.equal(inline.status, 400);
  assert.match(((await inline.json()) as { error: { message: string } }).error.message, /1 empty question.*1 relevant document id/);

  const start = await h.call('POST', '/v1/eval/runs', { key: admin, body: { spec: 'name: api\ndataset: toy\nmetrics: { k: [5] }\nsignificance: { resamples: 500 }' } });
  assert.equal(start.status, 202);
  const { id } = (await start.json()) as { id: string };
  const run = await until(async () => {
    const r = (await (await h.call('GET', `/v1/eval/runs/${id}`, { key: admin })).json()) as { status: string; report?: { configurations: { metrics: Record<string, { mean: number }> }[] }; progress?: { error?: string } };
    assert.equal(r.progress?.error, undefined);
    return r.report ? r : undefined;
  });
  assert.equal(run.report!.configurations[0]!.metrics['ndcg@5']!.mean, 1);
  const list = (await (await h.call('GET', '/v1/eval/runs', { key: admin })).json()) as { runs: { id: string; status: string }[] };
  assert.deepEqual(list.runs.map((r) => [r.id, r.status]), [[id, 'complete']]);
  const html = await h.call('GET', `/v1/eval/runs/${id}/report?format=html`, { key: admin });
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await html.text(), /<svg /);
  assert.equal((await h.call('GET', `/v1/eval/runs/${id}/report`, { key: admin })).status, 200);
  assert.equal((await h.call('GET', '/v1/eval/runs/nope', { key: admin })).status, 404);
  const badSpec = await h.call('POST', '/v1/eval/runs', { key: admin, body: { spec: { name: 'x', dataset: 'toy', matrix: { retrieval: 'semantic' } } } });
  assert.equal(badSpec.status, 400);
  await h.store.close();
});
