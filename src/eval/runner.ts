// Runs an experiment: every configuration of the spec's matrix on every question of the dataset. Indexes are
// opened once per (documents, chunking, embedder) key and reused when already built; each question's result
// is appended to the run's files as soon as it is scored, so an interrupted run, started again with the same
// spec and dataset, continues where it stopped. The report is computed from the stored results.
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import type { Gateway } from '../gateway/types.js';
import { hitRateAtK, mrrAtK, ndcgAtK, precisionAtK, recallAtK } from '../search/metrics.js';
import { ANSWER_METRICS, deterministicAnswerScores } from './answer-metrics.js';
import type { EvalBackend, ModelKind, PreparedIndex } from './backend.js';
import { validateQuestions, type DatasetManifest, type EvalQuestion } from './dataset.js';
import { judgeAnswer } from './judge.js';
import { buildReport, type RunReport } from './report.js';
import type { QueryResult, RunManifest, RunRepo } from './runs.js';
import { expandMatrix, hashOf, type Configuration, type ExperimentSpec } from './spec.js';

export interface RunProgress {
  configuration: Configuration;
  /** 1-based position of the configuration, and how many there are. */
  index: number;
  count: number;
  done: number;
  total: number;
  phase: 'index' | 'queries';
}

export interface RunOptions {
  spec: ExperimentSpec;
  dataset: { manifest: DatasetManifest; questions: EvalQuestion[] };
  backend: EvalBackend;
  repo: RunRepo;
  /** For `judge:` in the spec. */
  judge?: { gateway: Gateway; workspaceId: string };
  onProgress?: (p: RunProgress) => void;
  /** Start over instead of continuing a run of the same spec and dataset. */
  fresh?: boolean;
  /** The run's id when the caller chose it (see runIdFor); continuing a run uses the derived id. */
  runId?: string;
  now?: () => Date;
}

/** One question under one configuration: retrieve, score retrieval, generate and score the answer. */
export async function evaluateQuestion(
  q: EvalQuestion,
  config: Configuration,
  index: PreparedIndex,
  ctx: { spec: ExperimentSpec; classification: Classification; judge?: RunOptions['judge'] },
): Promise<QueryResult> {
  const t0 = performance.now();
  const settings = { mode: config.retrieval, reranker: config.reranker, topK: config.topK, embedder: config.embedder, withText: config.generator !== null };
  const retrieval = await index.retrieve(q.question, settings);
  const t1 = performance.now();
  const ranked = retrieval.hits.map((h) => h.sourceId);
  const scores: Record<string, number | null> = {};
  const qrels = new Map(Object.entries(q.relevant ?? {}));
  const judged = [...qrels.values()].some((g) => g > 0);
  for (const k of ctx.spec.metrics.k) {
    // A question without relevant documents has no retrieval score (null), rather than a misleading 0.
    scores[`ndcg@${k}`] = judged ? ndcgAtK(ranked, qrels, k) : null;
    scores[`recall@${k}`] = judged ? recallAtK(ranked, qrels, k) : null;
    scores[`precision@${k}`] = judged ? precisionAtK(ranked, qrels, k) : null;
    scores[`mrr@${k}`] = judged ? mrrAtK(ranked, qrels, k) : null;
    scores[`hit@${k}`] = judged ? hitRateAtK(ranked, qrels, k) : null;
  }
  const result: QueryResult = {
    id: q.id,
    scores,
    retrieved: ranked,
    latencyMs: { retrieval: t1 - t0, generation: 0, total: t1 - t0 },
    costUsd: retrieval.costUsd,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
  if (config.generator === null) return result;
  if (!index.generate) {
    throw new StrataError('eval', 'unavailable', `generator "${config.generator}" cannot be evaluated: answer generation is not wired into the evaluator`, {
      hint: 'remove the generator axis from the spec, or configure the model gateway',
    });
  }
  const answer = await index.generate(config.generator, q.question, retrieval, settings);
  const t2 = performance.now();
  result.latencyMs = { retrieval: t1 - t0, generation: t2 - t1, total: t2 - t0 };
  result.costUsd += answer.costUsd;
  result.usage = { inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens };
  result.answer = answer.text;
  const input = { question: q.question, answer: answer.text, sentences: answer.sentences, context: answer.context, citations: answer.citations, reference: q.reference };
  Object.assign(result.scores, deterministicAnswerScores(input, ctx.spec.metrics.supportThreshold));
  if (ctx.spec.judge && ctx.judge) {
    const verdict = await judgeAnswer(input, { gateway: ctx.judge.gateway, alias: ctx.spec.judge, workspaceId: ctx.judge.workspaceId, classification: ctx.classification });
    for (const m of ANSWER_METRICS) result.scores[`judge.${m}`] = verdict.scores[m];
    result.judge = { costUsd: verdict.costUsd, failures: verdict.failures };
  }
  return result;
}

export function runIdFor(spec: ExperimentSpec, manifest: DatasetManifest): string {
  return `${spec.name}-${hashOf({ spec, dataset: { name: manifest.name, createdAt: manifest.createdAt, questions: manifest.questions } }, 10)}`;
}

export async function runExperiment(opts: RunOptions): Promise<{ manifest: RunManifest; report: RunReport; resumed: boolean }> {
  const { spec, backend, repo } = opts;
  const now = () => (opts.now?.() ?? new Date()).toISOString();
  const { manifest: dataset } = opts.dataset;
  if (spec.dataset !== dataset.name) {
    throw new StrataError('eval', 'invalid-input', `the spec evaluates dataset "${spec.dataset}" but dataset "${dataset.name}" was given`);
  }
  if (spec.judge && !opts.judge) {
    throw new StrataError('eval', 'unavailable', `judge "${spec.judge}" cannot be used: no model gateway is configured`, { hint: 'configure models (see the gateway docs) or remove `judge:` from the spec' });
  }
  const questions = opts.dataset.questions.slice(0, spec.limit ?? opts.dataset.questions.length);
  const { configurations, skipped } = expandMatrix(spec);
  const baseId = runIdFor(spec, dataset);
  const id = opts.runId ?? (opts.fresh ? `${baseId}-${Date.now().toString(36)}` : baseId);
  const resumed = repo.exists(id);
  const run: RunManifest = resumed
    ? repo.read(id)
    : {
        id,
        spec,
        dataset: { name: dataset.name, questions: questions.length, classification: dataset.classification, warnings: dataset.warnings },
        configurations: configurations.map((c) => ({ ...c, indexKey: backend.indexKey(dataset, c), status: 'pending' })),
        skipped,
        status: 'running',
        startedAt: now(),
        updatedAt: now(),
        indexBuilds: 0,
        indexWarnings: {},
      };
  run.status = 'running';
  repo.write(run);

  const groups = new Map<string, typeof run.configurations>();
  for (const c of run.configurations) groups.set(c.indexKey, [...(groups.get(c.indexKey) ?? []), c]);
  let position = 0;
  for (const [key, group] of groups) {
    const todo = group.filter((c) => c.status === 'pending');
    position += group.length - todo.length;
    if (todo.length === 0) continue;
    const first = todo[0]!;
    opts.onProgress?.({ configuration: first, index: position + 1, count: run.configurations.length, done: 0, total: 0, phase: 'index' });
    const index = await backend.openIndex(key, dataset, first, (done, total) =>
      opts.onProgress?.({ configuration: first, index: position + 1, count: run.configurations.length, done, total, phase: 'index' }),
    );
    try {
      if (index.built) run.indexBuilds++;
      const classification = (dataset.classification ?? index.classification) as Classification;
      if (!run.indexWarnings[key]) {
        run.indexWarnings[key] = validateQuestions(questions, { knownIds: index.documentIds }).warnings.filter((w) => w.code === 'unknown-document' || w.code === 'no-known-relevant');
      }
      repo.write(run);
      for (const config of todo) {
        position++;
        const refusal = clearance(backend, config, classification);
        if (refusal) {
          // Data the model is not cleared for is never sent to it: the configuration is reported, not run.
          Object.assign(config, { status: 'not-cleared', reason: refusal });
          repo.write(run);
          continue;
        }
        const done = new Set(repo.results(id, config.key).map((r) => r.id));
        let n = done.size;
        for (const q of questions) {
          if (done.has(q.id)) continue;
          const result = await evaluateQuestion(q, config, index, { spec, classification, judge: opts.judge });
          repo.append(id, config.key, result);
          n++;
          opts.onProgress?.({ configuration: config, index: position, count: run.configurations.length, done: n, total: questions.length, phase: 'queries' });
        }
        config.status = 'complete';
        run.updatedAt = now();
        repo.write(run);
      }
    } finally {
      await index.close();
    }
  }
  run.status = 'complete';
  run.finishedAt = now();
  repo.write(run);
  const report = buildReport(run, (key) => repo.results(id, key));
  repo.writeFile(id, 'report.json', JSON.stringify(report, null, 2));
  const { renderHtml } = await import('./html.js');
  repo.writeFile(id, 'report.html', renderHtml(report));
  return { manifest: run, report, resumed };
}

/** Why a configuration may not see the dataset's data, or undefined when every model in it is cleared. */
export function clearance(backend: EvalBackend, config: Configuration, classification: Classification): string | undefined {
  const models: [ModelKind, string | null][] = [['embedder', config.embedder], ['reranker', config.reranker], ['generator', config.generator]];
  for (const [kind, name] of models) {
    const refusal = name ? backend.refuses?.(kind, name, classification) : undefined;
    if (refusal) return refusal;
  }
  return undefined;
}
