// The store backend over the real platform: lexical, vector and hybrid retrieval (the offline `static`
// embedder), extractive answers from the answer service, and the refusal of models not cleared for the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../core/config.js';
import { createDatasetRepo } from './dataset.js';
import { fakeGateway } from './fakes.testkit.js';
import { importDataset } from './import.js';
import { evalDirOf } from './paths.js';
import { runExperiment } from './runner.js';
import { createRunRepo } from './runs.js';
import { parseSpec } from './spec.js';
import { createStoreBackend } from './store-backend.js';

const TOPICS = ['volcano', 'glacier', 'desert', 'rainforest', 'coral reef', 'tundra', 'savanna', 'canyon'];

test('every retrieval mode and the extractive generator run on a real index; indexes are per embedder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-eval-store-'));
  writeFileSync(join(dir, 'corpus.jsonl'), TOPICS.map((t, i) => JSON.stringify({ _id: `doc-${i}`, title: `The ${t}`, text: `The ${t} is home to many animals. Rangers in the ${t} count the animals every spring.` })).join('\n') + '\n');
  writeFileSync(join(dir, 'q.jsonl'), TOPICS.map((t, i) => JSON.stringify({ question: `Who counts the animals in the ${t}?`, reference: `Rangers count the animals in the ${t}.`, relevant: [`doc-${i}`] })).join('\n') + '\n');
  const config = validateConfig({ dataDir: join(dir, 'data') }, 'test');
  const datasets = createDatasetRepo(evalDirOf(config));
  await importDataset({ repo: datasets, name: 'zoo', from: join(dir, 'q.jsonl'), corpus: join(dir, 'corpus.jsonl'), classification: 'confidential' });
  const gateway = fakeGateway(() => 'unused', [{ id: 'hosted-small', clearedFor: ['public', 'internal'] }]);
  const backend = createStoreBackend({ config, gateway: () => gateway });
  const spec = parseSpec(`
name: modes
dataset: zoo
matrix:
  embedder: static
  retrieval: [lexical, vector, hybrid]
  generator: [extractive, hosted-small]
  topK: 3
metrics: { k: [3] }
significance: { resamples: 500 }
`);
  const { report, manifest } = await runExperiment({ spec, dataset: datasets.get('zoo'), backend, repo: createRunRepo(evalDirOf(config)) });
  assert.equal(manifest.indexBuilds, 2, 'one lexical index, one with static vectors (shared by vector and hybrid)');
  const by = (label: string) => report.configurations.find((c) => c.label === label)!;
  for (const mode of ['lexical', 'vector(static)', 'hybrid(static)']) {
    const c = by(`${mode} k=3 gen=extractive`);
    assert.equal(c.status, 'complete');
    assert.equal(c.queries, 8);
    assert.ok(c.metrics['recall@3']!.mean > 0, `${mode} finds something`);
    assert.equal(c.costUsd.total, 0, 'extractive answers cost nothing');
    assert.ok(c.metrics.faithfulness!.n > 0, 'answers were scored');
    assert.equal(by(`${mode} k=3 gen=hosted-small`).status, 'not-cleared');
  }
  assert.equal(by('lexical k=3 gen=extractive').metrics['recall@3']!.mean, 1);
  assert.equal(gateway.calls.length, 0, 'confidential questions never reached the hosted model');
  assert.equal(report.recommendation?.evidence.costPerQueryUsd, 0);
});
