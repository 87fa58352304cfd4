// The evaluator's retrieval metrics on real data: on a SciFact slice, an experiment run through the store backend
// reproduces `strata bench beir` (runBeir) exactly, per-question scores match an independent computation of the
// trec_eval definitions, and an index built for one (corpus, chunking) is reused by later runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../core/config.js';
import { createStoreBackend } from './store-backend.js';
import { runBeir } from './beir.js';
import { createDatasetRepo } from './dataset.js';
import { importDataset } from './import.js';
import { evalDirOf } from './paths.js';
import { runExperiment } from './runner.js';
import { createRunRepo } from './runs.js';
import { scifactSlice } from './scifact.testkit.js';
import { parseSpec } from './spec.js';

/** nDCG@10 written out independently: linear gains, log2(rank + 1) discounts, ideal from the qrels. */
function handNdcg10(ranked: string[], rel: Record<string, number>): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(10, ranked.length); i++) dcg += (rel[ranked[i]!] ?? 0) / Math.log2(i + 2);
  const ideal = Object.values(rel).filter((g) => g > 0).sort((a, b) => b - a).slice(0, 10);
  let idcg = 0;
  ideal.forEach((g, i) => (idcg += g / Math.log2(i + 2)));
  return idcg === 0 ? 0 : dcg / idcg;
}

test('SciFact slice: eval run = bench beir numbers; per-question nDCG checked by hand; indexes reused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-eval-scifact-'));
  const slice = scifactSlice(join(dir, 'beir'), { queries: 40, extraDocs: 400 });
  if (!slice) return t.skip('../shared/datasets/scifact is missing');
  const config = validateConfig({ dataDir: join(dir, 'data') }, 'test');
  const bench = await runBeir({ dir: slice, config });

  const datasets = createDatasetRepo(evalDirOf(config));
  await importDataset({ repo: datasets, name: 'scifact-slice', from: slice, classification: 'public' });
  const dataset = datasets.get('scifact-slice');
  const backend = createStoreBackend({ config });
  const repo = createRunRepo(evalDirOf(config));
  const spec = parseSpec('name: sf\ndataset: scifact-slice\nmatrix: { topK: [100, 10] }\nmetrics: { k: [10, 100] }\nsignificance: { resamples: 500 }');
  const { report, manifest } = await runExperiment({ spec, dataset, backend, repo });
  const k100 = report.configurations.find((c) => c.settings.topK === 100)!;
  assert.equal(k100.queries, bench.queries);
  assert.equal(k100.metrics['ndcg@10']!.mean, bench['ndcg@10']);
  assert.equal(k100.metrics['recall@100']!.mean, bench['recall@100']);
  assert.equal(k100.metrics['mrr@10']!.mean, bench['mrr@10']);
  // top-10 retrieval gives the same top-10 metrics as top-100
  const k10 = report.configurations.find((c) => c.settings.topK === 10)!;
  assert.equal(k10.metrics['ndcg@10']!.mean, bench['ndcg@10']);
  assert.equal(manifest.indexBuilds, 1, 'both top-k settings share one index');

  const questions = new Map(dataset.questions.map((q) => [q.id, q]));
  const lines = readFileSync(join(repo.dir, manifest.id, 'results', `${k100.key}.jsonl`), 'utf8').trim().split('\n');
  for (const line of lines) {
    const r = JSON.parse(line) as { id: string; retrieved: string[]; scores: Record<string, number> };
    assert.ok(Math.abs(r.scores['ndcg@10']! - handNdcg10(r.retrieved, questions.get(r.id)!.relevant!)) < 1e-12, `question ${r.id}`);
  }

  // Another spec on the same corpus and chunking reuses the built index; a new chunking builds one more.
  const again = await runExperiment({ spec: parseSpec('name: sf2\ndataset: scifact-slice\nmetrics: { k: [10] }\nsignificance: { resamples: 500 }'), dataset, backend, repo });
  assert.equal(again.manifest.indexBuilds, 0);
  assert.equal(again.report.configurations[0]!.metrics['ndcg@10']!.mean, bench['ndcg@10']);
  const other = await runExperiment({
    spec: parseSpec('name: sf3\ndataset: scifact-slice\nmatrix: { chunking: [{ maxTokens: 128, overlapTokens: 16 }] }\nsignificance: { resamples: 500 }'),
    dataset,
    backend,
    repo,
  });
  assert.equal(other.manifest.indexBuilds, 1);
});
