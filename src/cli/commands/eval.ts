// `strata eval …`: evaluation datasets, experiment runs, reports and the CI gate (docs/EVAL.md).
// `strata eval run spec.yaml --baseline report.json --fail-on-regression 0.02` exits 1 when a metric of a
// configuration fell by more than 0.02 and the paired test finds the drop significant.
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { StrataError } from '../../core/errors.js';
import { describeRegression } from '../../eval/gate.js';
import { reportTable, type RunReport } from '../../eval/report.js';
import { createEvalService, readBaselineFile, readSpecFile } from '../../eval/service.js';
import type { DatasetWarning } from '../../eval/dataset.js';
import { printJson, printTable, progressBar, type Io } from '../output.js';
import type { CliContext } from '../context.js';
import { intArg, withContext } from './shared.js';
import { CLASSIFICATIONS, type Classification } from '../../core/types.js';

/** The evaluation service of the context's workspace. */
const evalOf = (ctx: CliContext) => createEvalService({ config: ctx.config, store: ctx.store, workspaceId: ctx.workspace.id });

const classificationArg = (v: string) => {
  if (!(CLASSIFICATIONS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${CLASSIFICATIONS.join(', ')}`);
  return v as Classification;
};
const fraction = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1`);
  return n;
};

function printWarnings(io: Io, warnings: DatasetWarning[]): void {
  for (const w of warnings) io.err.write(`warning: ${w.message}${w.examples.length ? ` (e.g. ${w.examples.join(', ')})` : ''}\n`);
}

function printReport(io: Io, report: RunReport): void {
  const { headers, rows } = reportTable(report);
  printTable(io, headers, rows, 48);
  const rec = report.recommendation;
  io.out.write('\n');
  if (rec) {
    const d = rec.evidence.difference;
    io.out.write(`recommended: ${rec.label} [${rec.key}]\n  ${rec.why}\n`);
    io.out.write(`  ${rec.evidence.metric} ${rec.evidence.score}${d ? `, Δ vs best ${d.value} (95% CI ${d.ci95[0]}..${d.ci95[1]}, p=${d.pValue})` : ''}; $${rec.evidence.costPerQueryUsd}/query; p50 ${rec.evidence.latencyP50Ms} ms, p95 ${rec.evidence.latencyP95Ms} ms\n`);
  } else io.out.write(`no recommendation: ${report.recommendationNote}\n`);
  for (const w of report.warnings) io.out.write(`warning (${w.scope}): ${w.message}\n`);
}

export function registerEval(program: Command, io: Io): void {
  const ev = program.command('eval').description('evaluate retrieval and answer configurations on datasets');
  const ds = ev.command('dataset').description('evaluation datasets');

  ds.command('import')
    .description('import a BEIR folder or a .jsonl/.csv question set (question, reference, relevant_ids)')
    .argument('<name>', 'dataset name')
    .argument('<path>', 'BEIR folder, .jsonl or .csv file')
    .option('--corpus <path>', 'documents the evaluator indexes itself (a BEIR folder uses its corpus.jsonl)')
    .option('--collection <name>', 'evaluate against this collection of the workspace instead')
    .option('--classification <level>', 'classification of the documents (default: the collection’s, else internal)', classificationArg)
    .option('--split <name>', 'BEIR qrels split', 'test')
    .option('--strict', 'refuse the dataset when any warning is found (unknown ids, duplicates, empty questions)')
    .option('--overwrite', 'replace a dataset of the same name')
    .option('--json', 'print JSON')
    .action(async (name: string, path: string, flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const svc = evalOf(ctx);
        const { manifest, warnings } = await svc.importDataset({ name, from: path, corpus: flags.corpus, collection: flags.collection, classification: flags.classification, split: flags.split, strict: flags.strict, overwrite: flags.overwrite });
        if (flags.json) return printJson(io, manifest);
        printWarnings(io, warnings);
        io.out.write(`imported ${manifest.questions} questions into dataset "${name}" (${manifest.withRelevant} with relevant documents, ${manifest.withReference} with a reference answer)\n`);
      }),
    );

  ds.command('generate')
    .description('generate synthetic question/answer pairs from a collection with a model (through the gateway)')
    .argument('<name>', 'dataset name')
    .requiredOption('--collection <name>', 'collection whose documents the questions are about')
    .requiredOption('--model <alias>', 'gateway alias of the generating model')
    .option('--count <n>', 'questions to generate', intArg('--count', 1, 100_000), 50)
    .option('--per-doc <n>', 'questions per document', intArg('--per-doc', 1, 20), 1)
    .option('--seed <n>', 'document sampling seed', intArg('--seed', 0, 2 ** 31), 42)
    .option('--strict', 'refuse the dataset when any warning is found')
    .option('--overwrite', 'replace a dataset of the same name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const svc = evalOf(ctx);
        const res = await svc.generateDataset({ name, collection: flags.collection, model: flags.model, count: flags.count, perDocument: flags.perDoc, seed: flags.seed, strict: flags.strict, overwrite: flags.overwrite });
        if (flags.json) return printJson(io, res);
        printWarnings(io, res.warnings);
        io.out.write(`generated ${res.manifest.questions} questions into dataset "${name}" ($${res.costUsd.toFixed(4)})\n`);
      }),
    );

  ds.command('capture')
    .description('make a dataset from production searches that users rated (feedback + search audit entries)')
    .argument('<name>', 'dataset name')
    .option('--collection <name>', 'only searches of this collection')
    .option('--since <iso-time>', 'only feedback given at or after this time')
    .option('--strict', 'refuse the dataset when any warning is found')
    .option('--overwrite', 'replace a dataset of the same name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const svc = evalOf(ctx);
        const res = await svc.captureDataset({ name, collection: flags.collection, since: flags.since, strict: flags.strict, overwrite: flags.overwrite });
        if (flags.json) return printJson(io, res);
        printWarnings(io, res.warnings);
        io.out.write(`captured ${res.manifest.questions} questions from collection "${res.manifest.collection}" into dataset "${name}"\n`);
      }),
    );

  ds.command('list')
    .description('list datasets')
    .option('--json', 'print JSON')
    .action(async (flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const list = evalOf(ctx).datasets.list();
        if (flags.json) return printJson(io, list);
        printTable(io, ['NAME', 'SOURCE', 'QUESTIONS', 'RELEVANT', 'REFERENCE', 'DOCUMENTS', 'WARNINGS'], list.map((d) => [d.name, d.source.kind, d.questions, d.withRelevant, d.withReference, d.collection ? `collection ${d.collection}` : d.corpus, d.warnings.reduce((n, w) => n + w.count, 0)]));
      }),
    );

  ds.command('show')
    .description('show a dataset’s manifest and first questions')
    .argument('<name>', 'dataset name')
    .option('--limit <n>', 'questions to show', intArg('--limit', 0, 100_000), 10)
    .option('--json', 'print JSON')
    .action(async (name: string, flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { manifest, questions } = evalOf(ctx).datasets.get(name);
        if (flags.json) return printJson(io, { manifest, questions: questions.slice(0, flags.limit) });
        printJson(io, manifest);
        printTable(io, ['ID', 'QUESTION', 'RELEVANT', 'REFERENCE'], questions.slice(0, flags.limit).map((q) => [q.id, q.question, Object.keys(q.relevant ?? {}).join(' '), q.reference ?? '']));
      }),
    );

  ev.command('run')
    .description('run every configuration of an experiment spec (continues an interrupted run of the same spec)')
    .argument('<spec>', 'experiment spec (YAML)')
    .option('--fresh', 'start a new run instead of continuing one of the same spec and dataset')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the HTML report to this file')
    .option('--baseline <report.json>', 'CI gate: a previous run’s report to compare with')
    .option('--fail-on-regression <delta>', 'CI gate: exit 1 when a metric falls by more than this (and significantly)', fraction('--fail-on-regression'))
    .option('--alpha <p>', 'CI gate: significance level of the paired test (default eval.alpha, 0.05)', fraction('--alpha'))
    .action(async (specPath: string, flags, cmd: Command) => {
      if ((flags.baseline === undefined) !== (flags.failOnRegression === undefined)) {
        throw new InvalidArgumentError('--baseline and --fail-on-regression go together');
      }
      const spec = readSpecFile(specPath);
      const baseline = flags.baseline ? readBaselineFile(flags.baseline) : undefined;
      await withContext(cmd, async (ctx) => {
        const svc = evalOf(ctx);
        const bar = await progressBar(io, 'eval');
        const out = await svc
          .run({
            spec,
            fresh: flags.fresh,
            gate: baseline ? { baseline, threshold: flags.failOnRegression, alpha: flags.alpha } : undefined,
            onProgress: (p) => bar.update(p.done, p.total, `${p.index}/${p.count} ${p.phase === 'index' ? 'indexing ' : ''}${p.configuration.label}`),
          })
          .finally(() => bar.stop());
        if (flags.html) writeFileSync(flags.html, svc.html(out.manifest.id));
        if (flags.json) printJson(io, out.gate ? { ...out.report, gate: out.gate } : out.report);
        else {
          io.out.write(`run ${out.manifest.id}${out.resumed ? ' (continued)' : ''}: ${out.report.configurations.length} configuration(s), ${out.manifest.indexBuilds} index build(s)\n\n`);
          printReport(io, out.report);
        }
        if (out.gate) {
          for (const m of out.gate.missing) io.err.write(`gate: baseline configuration "${m}" is not in this run (not compared)\n`);
          if (!out.gate.passed) {
            for (const r of out.gate.regressions) io.err.write(`regression: ${describeRegression(r)}\n`);
            // `conflict` exits 1 (core/errors.ts): the run is worse than the baseline it was compared with.
            throw new StrataError('eval', 'conflict', `gate failed: ${out.gate.regressions.length} significant regression(s) beyond ${flags.failOnRegression}`, {
              details: { regressions: out.gate.regressions },
            });
          }
          io.err.write(`gate passed: ${out.gate.compared} metric comparison(s), none fell by more than ${flags.failOnRegression} significantly\n`);
        }
      });
    });

  ev.command('list')
    .description('list experiment runs')
    .option('--json', 'print JSON')
    .action(async (flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const list = evalOf(ctx).runs.list();
        if (flags.json) return printJson(io, list.map(({ spec, configurations, ...r }) => ({ ...r, spec: spec.name, configurations: configurations.length })));
        printTable(io, ['RUN', 'SPEC', 'DATASET', 'STATUS', 'CONFIGS', 'STARTED'], list.map((r) => [r.id, r.spec.name, r.dataset.name, r.status, r.configurations.length, r.startedAt]));
      }),
    );

  ev.command('show')
    .description('show a run’s report (table, --json, or --html <file>)')
    .argument('<run>', 'run id (from `strata eval list`)')
    .option('--json', 'print the report as JSON (usable as a --baseline)')
    .option('--html <file>', 'write the self-contained HTML report to this file')
    .action(async (id: string, flags, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const svc = evalOf(ctx);
        const report = svc.report(id);
        if (flags.html) writeFileSync(flags.html, svc.html(id));
        if (flags.json) return printJson(io, report);
        printReport(io, report);
      }),
    );
}
