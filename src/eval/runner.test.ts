import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalBackend, GeneratedAnswer } from './backend.js';
import type { DatasetManifest, EvalQuestion } from './dataset.js';
import { checkRegression, describeRegression } from './gate.js';
import { renderHtml } from './html.js';
import { reportTable } from './report.js';
import { runExperiment } from './runner.js';
import { createRunRepo } from './runs.js';
import { hashOf, parseSpec } from './spec.js';

// 20 questions; question i is about document d<i>.
const questions: EvalQuestion[] = Array.from({ length: 20 }, (_, i) => ({ id: `q${i}`, question: `what about topic ${i}?`, reference: `Topic ${i} is covered.`, relevant: { [`d${i}`]: 1 } }));
const manifest: DatasetManifest = { name: 'toy', createdAt: '2026-01-01T00:00:00.000Z', source: { kind: 'jsonl' }, classification: 'confidential', questions: 20, withReference: 20, withRelevant: 20, warnings: [] };

/**
 * A backend whose quality is known: with chunk size 512 the relevant document is ranked first; with 128 it is
 * ranked first only for even questions (else 2nd). Generators cost what their name says.
 */
function toyBackend(opts: { failAt?: { chunk: number; question: string } } = {}) {
  const built = new Set<string>();
  const stats = { builds: 0, retrievals: [] as string[], generations: [] as string[] };
  const backend: EvalBackend = {
    indexKey: (_d, r) => hashOf({ chunking: r.chunking, embedder: r.embedder }),
    async openIndex(key, _d, request) {
      const fresh = !built.has(key);
      if (fresh) {
        built.add(key);
        stats.builds++;
      }
      const size = request.chunking === 'collection' ? 512 : request.chunking.maxTokens;
      return {
        built: fresh,
        documentIds: new Set(questions.map((_, i) => `d${i}`)),
        classification: 'confidential',
        async retrieve(question, { topK }) {
          const i = Number(/topic (\d+)/.exec(question)![1]);
          if (opts.failAt && opts.failAt.chunk === size && `q${i}` === opts.failAt.question) {
            opts.failAt = undefined; // fail once, like a process killed half-way
            throw new Error('simulated crash');
          }
          stats.retrievals.push(`${size}:q${i}`);
          const ranked = size === 512 || i % 2 === 0 ? [`d${i}`, 'dx', 'dy'] : ['dx', `d${i}`, 'dy'];
          return { hits: ranked.slice(0, topK).map((id) => ({ chunkId: `c-${id}`, sourceId: id, text: `Topic ${i} is covered in ${id}.`, score: 1 })), costUsd: 0 };
        },
        async generate(generator, question, retrieval): Promise<GeneratedAnswer> {
          stats.generations.push(generator);
          const i = Number(/topic (\d+)/.exec(question)![1]);
          const context = retrieval.hits.map(({ chunkId, sourceId, text }) => ({ chunkId, sourceId, text }));
          return { text: `Topic ${i} is covered.`, citations: [{ chunkId: context[0]!.chunkId, sentence: 0 }], context, usage: { inputTokens: 100, outputTokens: 10 }, costUsd: generator === 'cheap' ? 0.0001 : 0.01 };
        },
        close: async () => undefined,
      };
    },
    refuses: (kind, name, classification) => (kind === 'generator' && name === 'public-only' ? `generator "${name}" is cleared for public, not for ${classification} data` : undefined),
  };
  return { backend, stats };
}

const SPEC = `
name: toy
dataset: toy
matrix:
  chunking: [{ maxTokens: 512, overlapTokens: 0 }, { maxTokens: 128, overlapTokens: 0 }]
  generator: [cheap, pricey, public-only]
metrics: { k: [1, 3], primary: mrr@3 }
tolerance: 0.01
significance: { resamples: 2000 }
`;

test('every configuration runs; results are stored; the recommendation is the cheapest within tolerance that is cleared', async () => {
  const repo = createRunRepo(mkdtempSync(join(tmpdir(), 'strata-eval-run-')));
  const { backend, stats } = toyBackend();
  const progress: string[] = [];
  const { report, manifest: run } = await runExperiment({ spec: parseSpec(SPEC), dataset: { manifest, questions }, backend, repo, onProgress: (p) => progress.push(`${p.index}/${p.count} ${p.phase}`) });
  assert.equal(run.status, 'complete');
  assert.equal(stats.builds, 2); // one index per chunking, shared by its three generators
  assert.ok(!stats.generations.includes('public-only'), 'confidential data never reaches a model not cleared for it');
  const byLabel = Object.fromEntries(report.configurations.map((c) => [c.label, c]));
  assert.equal(byLabel['lexical k=10 chunk=512/0 gen=public-only']!.status, 'not-cleared');
  assert.match(byLabel['lexical k=10 chunk=512/0 gen=public-only']!.ineligible!, /not for confidential data/);
  // 512: relevant doc always first (MRR 1); 128: first for the 10 even questions, second for the 10 odd (0.75)
  assert.equal(byLabel['lexical k=10 chunk=512/0 gen=cheap']!.metrics['mrr@3']!.mean, 1);
  assert.equal(byLabel['lexical k=10 chunk=128/0 gen=cheap']!.metrics['mrr@3']!.mean, 0.75);
  assert.deepEqual(byLabel['lexical k=10 chunk=128/0 gen=cheap']!.metrics['hit@1'], { mean: 0.5, n: 20 });
  assert.equal(byLabel['lexical k=10 chunk=512/0 gen=cheap']!.metrics.correctness!.mean, 1);
  assert.equal(byLabel['lexical k=10 chunk=512/0 gen=cheap']!.costUsd.perQuery, 0.0001);
  assert.equal(report.recommendation?.label, 'lexical k=10 chunk=512/0 gen=cheap');
  assert.equal(report.recommendation?.evidence.best.score, 1);
  const worse = report.comparisons.find((c) => c.key === byLabel['lexical k=10 chunk=128/0 gen=cheap']!.key)!;
  assert.equal(worse.diff, -0.25);
  assert.ok(worse.pValue < 0.01);
  assert.ok(progress.includes('1/6 index') && progress.some((p) => p.endsWith('queries')));
  assert.deepEqual(repo.list().map((r) => r.id), [run.id]);
  assert.match(repo.readFile(run.id, 'report.json'), /"recommendation"/);
  const table = reportTable(report);
  assert.equal(table.rows.length, 6);
  assert.ok(table.rows.some((r) => r.includes('recommended')));
});

test('an interrupted run keeps what it finished and continues where it stopped', async () => {
  const repo = createRunRepo(mkdtempSync(join(tmpdir(), 'strata-eval-resume-')));
  const spec = parseSpec(SPEC);
  const first = toyBackend({ failAt: { chunk: 128, question: 'q7' } });
  await assert.rejects(runExperiment({ spec, dataset: { manifest, questions }, backend: first.backend, repo }), /simulated crash/);
  const [run] = repo.list();
  assert.equal(run!.status, 'running');
  const stored = run!.configurations.map((c) => repo.results(run!.id, c.key).length);
  // configurations of the 512 index finished (2 run, 1 not cleared); the first 128 one stopped at q7
  assert.deepEqual(stored, [20, 20, 0, 7, 0, 0]);
  // The process died while writing a line: that half line is ignored and its question evaluated again.
  appendFileSync(join(repo.dir, run!.id, 'results', `${run!.configurations[3]!.key}.jsonl`), '{"id":"q7","scores":{"mrr');
  const second = toyBackend();
  const { report, resumed } = await runExperiment({ spec, dataset: { manifest, questions }, backend: second.backend, repo });
  assert.equal(resumed, true);
  // Only the unfinished work is done again: 13 questions of one configuration and 20 of the other.
  assert.equal(second.stats.retrievals.length, 13 + 20);
  assert.ok(second.stats.retrievals.every((r) => r.startsWith('128:')));
  for (const c of report.configurations.filter((x) => x.status === 'complete')) {
    const ids = repo.results(report.run.id, c.key).map((r) => r.id);
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20);
  }
  assert.equal(report.run.status, 'complete');
});

test('the CI gate fails on a significant drop beyond the threshold and names it; noise and identical runs pass', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-eval-gate-'));
  const spec = parseSpec('name: g\ndataset: toy\nmatrix: { chunking: [{ maxTokens: 512, overlapTokens: 0 }] }\nmetrics: { k: [3] }\nsignificance: { resamples: 2000 }');
  const base = await runExperiment({ spec, dataset: { manifest, questions }, backend: toyBackend().backend, repo: createRunRepo(dataDir) });
  const same = checkRegression(base.report, base.report, { threshold: 0.02 });
  assert.equal(same.passed, true);
  assert.ok(same.compared > 0);
  // The same configuration, now ranking the relevant document second for odd questions: nDCG@3 drops.
  const worse = structuredClone(base.report);
  const key = worse.configurations[0]!.key;
  for (const [qid, s] of Object.entries(worse.perQuery[key]!)) if (Number(qid.slice(1)) % 2 === 1) s['ndcg@3'] = 1 / Math.log2(3);
  const gate = checkRegression(worse, base.report, { threshold: 0.02 });
  assert.equal(gate.passed, false);
  assert.deepEqual(gate.regressions.map((r) => r.metric), ['ndcg@3']);
  assert.match(describeRegression(gate.regressions[0]!), /ndcg@3 fell by 0\.1845 \(1\.0000 → 0\.8155, paired permutation p=0\.00\d+, 20 questions\)/);
  // A larger threshold than the drop passes.
  assert.equal(checkRegression(worse, base.report, { threshold: 0.2 }).passed, true);
  // A drop on a single question is beyond the threshold on average but not significant.
  const one = structuredClone(base.report);
  one.perQuery[key]!.q1!['ndcg@3'] = 0;
  const noisy = checkRegression(one, base.report, { threshold: 0.02 });
  assert.equal(noisy.passed, true);
});

test('the HTML report is self-contained: inline SVG charts, no scripts or external assets, text escaped', async () => {
  const repo = createRunRepo(mkdtempSync(join(tmpdir(), 'strata-eval-html-')));
  const { report } = await runExperiment({ spec: parseSpec(SPEC), dataset: { manifest, questions }, backend: toyBackend().backend, repo });
  const html = renderHtml({ ...report, warnings: [{ code: 'empty-question', count: 1, message: '<script>alert(1)</script>', examples: [], scope: 'dataset' }] });
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.match(html, /Recommendation: lexical k=10 chunk=512\/0 gen=cheap/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|src=|url\(|@import/i);
  // the only URL is the SVG namespace, which is a name, not a request
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"']+/g))], ['http://www.w3.org/2000/svg']);
  assert.equal(repo.readFile(report.run.id, 'report.html').startsWith('<!doctype html>'), true);
});
