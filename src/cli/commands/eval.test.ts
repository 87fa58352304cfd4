import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli.testkit.js';

const TOPICS = ['volcano', 'glacier', 'desert', 'rainforest', 'coral', 'tundra', 'savanna', 'canyon', 'estuary', 'prairie', 'delta', 'fjord'];

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-eval-cli-'));
  writeFileSync(join(dir, 'strata.config.yaml'), `dataDir: ${join(dir, 'data')}\n`);
  writeFileSync(
    join(dir, 'corpus.jsonl'),
    TOPICS.map((t, i) => JSON.stringify({ _id: `doc-${i}`, title: `About the ${t}`, text: `The ${t} is a landform. Facts about the ${t} and its ecology, ${t} climate and ${t} wildlife.` })).join('\n') + '\n',
  );
  // Odd questions also list the next topic's document as relevant, which the question never mentions: nDCG < 1.
  const questions = TOPICS.map((t, i) => ({ id: `q${i}`, question: `what lives in the ${t}?`, reference: `Wildlife of the ${t}.`, relevant: i % 2 ? [`doc-${i}`, `doc-${(i + 1) % TOPICS.length}`] : [`doc-${i}`] }));
  writeFileSync(join(dir, 'questions.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  writeFileSync(join(dir, 'bad.jsonl'), [...questions.slice(0, 3), { question: '' }, { question: questions[0]!.question }, { question: 'x?', relevant: ['ghost'] }].map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(join(dir, 'spec.yaml'), 'name: cli\ndataset: toy\nmatrix: { topK: [5, 10] }\nmetrics: { k: [10] }\nsignificance: { resamples: 2000 }\n');
  return { dir, run: (...args: string[]) => cli('-c', join(dir, 'strata.config.yaml'), ...args) };
}

test('strata eval: import with counted warnings (--strict exits 2), run, list, show, HTML', async () => {
  const { dir, run } = workspace();
  const bad = await run('eval', 'dataset', 'import', 'bad', join(dir, 'bad.jsonl'), '--corpus', join(dir, 'corpus.jsonl'));
  assert.equal(bad.code, 0, bad.stderr);
  assert.match(bad.stderr, /warning: 1 empty question\(s\) dropped/);
  assert.match(bad.stderr, /warning: 1 duplicated question\(s\) dropped/);
  assert.match(bad.stderr, /warning: 1 relevant document id\(s\) do not exist in the collection .*\(e\.g\. ghost\)/);
  const strict = await run('eval', 'dataset', 'import', 'bad2', join(dir, 'bad.jsonl'), '--corpus', join(dir, 'corpus.jsonl'), '--strict');
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--strict/);

  const imp = await run('eval', 'dataset', 'import', 'toy', join(dir, 'questions.jsonl'), '--corpus', join(dir, 'corpus.jsonl'), '--classification', 'public');
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /imported 12 questions into dataset "toy"/);
  const list = await run('eval', 'dataset', 'list', '--json');
  assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((d) => d.name), ['bad', 'toy']);

  const first = await run('eval', 'run', join(dir, 'spec.yaml'));
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /2 configuration\(s\), 1 index build\(s\)/);
  assert.match(first.stdout, /recommended: lexical k=(5|10) \[/);
  // A fresh run of the same spec reuses the index the first one built.
  const again = await run('eval', 'run', join(dir, 'spec.yaml'), '--json', '--fresh');
  const report = JSON.parse(again.stdout) as { run: { id: string; indexBuilds: number }; configurations: { metrics: Record<string, { mean: number }> }[] };
  assert.equal(report.run.indexBuilds, 0);
  assert.ok(report.configurations[0]!.metrics['ndcg@10']!.mean < 1);

  const runs = await run('eval', 'list');
  assert.match(runs.stdout, new RegExp(`${report.run.id}\\s+cli\\s+toy\\s+complete\\s+2`));
  const html = join(dir, 'r.html');
  const show = await run('eval', 'show', report.run.id, '--html', html);
  assert.equal(show.code, 0, show.stderr);
  assert.match(readFileSync(html, 'utf8'), /<svg /);
  assert.equal((await run('eval', 'show', 'nope')).code, 2);
  assert.equal((await run('eval', 'run', join(dir, 'missing.yaml'))).code, 2);
  writeFileSync(join(dir, 'bad-spec.yaml'), 'name: x\ndataset: toy\nmatrix: { retrieval: semantic }\n');
  const badSpec = await run('eval', 'run', join(dir, 'bad-spec.yaml'));
  assert.equal(badSpec.code, 2);
  assert.match(badSpec.stderr, /matrix\.retrieval\.0/);
});

test('strata eval run --baseline --fail-on-regression: exit 1 naming the metric and configuration; 0 when nothing fell', async () => {
  const { dir, run } = workspace();
  await run('eval', 'dataset', 'import', 'toy', join(dir, 'questions.jsonl'), '--corpus', join(dir, 'corpus.jsonl'));
  const base = await run('eval', 'run', join(dir, 'spec.yaml'), '--json');
  writeFileSync(join(dir, 'baseline.json'), base.stdout);
  const same = await run('eval', 'run', join(dir, 'spec.yaml'), '--baseline', join(dir, 'baseline.json'), '--fail-on-regression', '0.02');
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /gate passed/);
  // A baseline in which every question was perfect: today's run fell on the odd questions.
  const better = JSON.parse(base.stdout) as { perQuery: Record<string, Record<string, Record<string, number>>> };
  for (const byQ of Object.values(better.perQuery)) for (const s of Object.values(byQ)) s['ndcg@10'] = 1;
  writeFileSync(join(dir, 'better.json'), JSON.stringify(better));
  const gated = await run('eval', 'run', join(dir, 'spec.yaml'), '--baseline', join(dir, 'better.json'), '--fail-on-regression', '0.02');
  assert.equal(gated.code, 1);
  assert.match(gated.stderr, /regression: lexical k=5 \[\w+\]: ndcg@10 fell by 0\.\d{4} \(1\.0000 → 0\.\d{4}, paired permutation p=0\.0\d+, 12 questions\)/);
  assert.match(gated.stderr, /gate failed: 2 significant regression\(s\) beyond 0\.02/);
  const loose = await run('eval', 'run', join(dir, 'spec.yaml'), '--baseline', join(dir, 'better.json'), '--fail-on-regression', '0.5');
  assert.equal(loose.code, 0);
  assert.equal((await run('eval', 'run', join(dir, 'spec.yaml'), '--baseline', join(dir, 'better.json'))).code, 2);
  writeFileSync(join(dir, 'junk.json'), '{"hello": 1}');
  const junk = await run('eval', 'run', join(dir, 'spec.yaml'), '--baseline', join(dir, 'junk.json'), '--fail-on-regression', '0.02');
  assert.equal(junk.code, 2);
  assert.match(junk.stderr, /not an evaluation report/);
  assert.ok(existsSync(join(dir, 'data', 'eval', 'runs')));
});
