// Turns a run's stored per-question results into its report: per-configuration means (over the questions where
// a metric is defined, with that count), latency percentiles, cost and tokens, paired significance tests against
// the best configuration, and the recommendation: the cheapest configuration whose primary score is within
// `tolerance` of the best and whose models are cleared for the dataset's classification.
import type { DatasetWarning } from './dataset.js';
import type { QueryResult, RunManifest } from './runs.js';
import { primaryMetric } from './spec.js';
import { pairedCompare, percentile, type PairedComparison } from './stats.js';

export interface MetricSummary {
  mean: number;
  /** Questions where the metric is defined. */
  n: number;
}

export interface ConfigReport {
  key: string;
  label: string;
  settings: { embedder: string | null; chunking: unknown; retrieval: string; reranker: string | null; generator: string | null; topK: number };
  status: string;
  /** Why the configuration may not be recommended (classification), if so. */
  ineligible?: string;
  queries: number;
  metrics: Record<string, MetricSummary>;
  latencyMs: { p50: number; p95: number; retrievalP50: number; retrievalP95: number };
  costUsd: { total: number; perQuery: number };
  tokens: { input: number; output: number };
  judge?: { costUsd: number; unparsable: number; byMetric: Record<string, number> };
}

export interface Comparison extends PairedComparison {
  key: string;
  against: string;
  metric: string;
}

export interface Recommendation {
  key: string;
  label: string;
  why: string;
  evidence: {
    metric: string;
    score: number;
    best: { key: string; label: string; score: number };
    /** This configuration minus the best, with its 95% CI and permutation p-value (absent when it is the best). */
    difference?: { value: number; ci95: [number, number]; pValue: number };
    costPerQueryUsd: number;
    latencyP50Ms: number;
    latencyP95Ms: number;
    tolerance: number;
  };
}

export interface RunReport {
  run: { id: string; spec: string; status: string; startedAt: string; finishedAt?: string; indexBuilds: number; skipped: string[] };
  dataset: { name: string; questions: number; classification?: string };
  primary: string;
  tolerance: number;
  warnings: (DatasetWarning & { scope: string })[];
  configurations: ConfigReport[];
  comparisons: Comparison[];
  recommendation: Recommendation | null;
  /** Why there is no recommendation, when there is none. */
  recommendationNote?: string;
  /** Per-question scores by configuration key (what the CI gate's paired tests use). */
  perQuery: Record<string, Record<string, Record<string, number | null>>>;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

export function summarize(results: readonly QueryResult[]): Omit<ConfigReport, 'key' | 'label' | 'settings' | 'status'> {
  const metrics: Record<string, MetricSummary> = {};
  const names = new Set(results.flatMap((r) => Object.keys(r.scores)));
  for (const name of [...names].sort()) {
    const values = results.map((r) => r.scores[name]).filter((v): v is number => typeof v === 'number');
    if (values.length) metrics[name] = { mean: round(values.reduce((a, b) => a + b, 0) / values.length), n: values.length };
  }
  const cost = results.reduce((a, r) => a + r.costUsd, 0);
  const out: Omit<ConfigReport, 'key' | 'label' | 'settings' | 'status'> = {
    queries: results.length,
    metrics,
    latencyMs: {
      p50: round(percentile(results.map((r) => r.latencyMs.total), 50), 3),
      p95: round(percentile(results.map((r) => r.latencyMs.total), 95), 3),
      retrievalP50: round(percentile(results.map((r) => r.latencyMs.retrieval), 50), 3),
      retrievalP95: round(percentile(results.map((r) => r.latencyMs.retrieval), 95), 3),
    },
    costUsd: { total: round(cost, 6), perQuery: results.length ? round(cost / results.length, 8) : 0 },
    tokens: { input: results.reduce((a, r) => a + r.usage.inputTokens, 0), output: results.reduce((a, r) => a + r.usage.outputTokens, 0) },
  };
  const judged = results.filter((r) => r.judge);
  if (judged.length) {
    const byMetric: Record<string, number> = {};
    for (const r of judged) for (const f of r.judge!.failures) byMetric[f.metric] = (byMetric[f.metric] ?? 0) + 1;
    out.judge = { costUsd: round(judged.reduce((a, r) => a + r.judge!.costUsd, 0), 6), unparsable: Object.values(byMetric).reduce((a, b) => a + b, 0), byMetric };
  }
  return out;
}

/** Per-question values of one metric (defined ones only), by question id. */
export function metricByQuery(perQuery: Record<string, Record<string, number | null>>, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [qid, scores] of Object.entries(perQuery)) {
    const v = scores[metric];
    if (typeof v === 'number') out.set(qid, v);
  }
  return out;
}

export function buildReport(run: RunManifest, resultsOf: (key: string) => QueryResult[]): RunReport {
  const primary = primaryMetric(run.spec);
  const perQuery: RunReport['perQuery'] = {};
  const configurations: ConfigReport[] = run.configurations.map((c) => {
    const results = resultsOf(c.key);
    perQuery[c.key] = Object.fromEntries(results.map((r) => [r.id, r.scores]));
    const report: ConfigReport = {
      key: c.key,
      label: c.label,
      settings: { embedder: c.embedder, chunking: c.chunking, retrieval: c.retrieval, reranker: c.reranker, generator: c.generator, topK: c.topK },
      status: c.status,
      ...summarize(results),
    };
    if (c.status === 'not-cleared') report.ineligible = c.reason;
    return report;
  });
  const warnings = [
    ...run.dataset.warnings.map((w) => ({ ...w, scope: `dataset ${run.dataset.name}` })),
    ...Object.entries(run.indexWarnings).flatMap(([key, ws]) => ws.map((w) => ({ ...w, scope: `index ${key}` }))),
  ];
  const ranked = configurations.filter((c) => c.status === 'complete' && c.metrics[primary]);
  const comparisons: Comparison[] = [];
  let recommendation: Recommendation | null = null;
  let recommendationNote: string | undefined;
  if (ranked.length === 0) {
    recommendationNote = `no complete configuration has a "${primary}" score`;
  } else {
    const best = ranked.reduce((a, b) => (b.metrics[primary]!.mean > a.metrics[primary]!.mean ? b : a));
    const bestScores = metricByQuery(perQuery[best.key]!, primary);
    for (const c of ranked) {
      if (c.key === best.key) continue;
      const cmp = pairedCompare(bestScores, metricByQuery(perQuery[c.key]!, primary), run.spec.significance);
      comparisons.push({ ...cmp, key: c.key, against: best.key, metric: primary });
    }
    const threshold = best.metrics[primary]!.mean - run.spec.tolerance;
    const candidates = ranked
      .filter((c) => !c.ineligible && c.metrics[primary]!.mean >= threshold - 1e-12)
      // Cheapest first; at equal cost the better score, then the lower p95 latency (measured, so it only breaks ties).
      .sort((a, b) => a.costUsd.perQuery - b.costUsd.perQuery || b.metrics[primary]!.mean - a.metrics[primary]!.mean || a.latencyMs.p95 - b.latencyMs.p95);
    const pick = candidates[0];
    if (!pick) {
      recommendationNote = `no configuration within ${run.spec.tolerance} of the best ${primary} is cleared for ${run.dataset.classification ?? 'the dataset'}'s data`;
    } else {
      const cmp = comparisons.find((x) => x.key === pick.key);
      const score = pick.metrics[primary]!.mean;
      recommendation = {
        key: pick.key,
        label: pick.label,
        why:
          pick.key === best.key
            ? `best ${primary} (${score}) and the cheapest of the ${candidates.length} configuration(s) within ${run.spec.tolerance} of it`
            : `cheapest configuration within ${run.spec.tolerance} of the best ${primary} (${score} vs ${best.metrics[primary]!.mean}, p=${round(cmp!.pValue, 4)})`,
        evidence: {
          metric: primary,
          score,
          best: { key: best.key, label: best.label, score: best.metrics[primary]!.mean },
          ...(cmp ? { difference: { value: round(cmp.diff), ci95: [round(cmp.ci95[0]), round(cmp.ci95[1])] as [number, number], pValue: round(cmp.pValue, 4) } } : {}),
          costPerQueryUsd: pick.costUsd.perQuery,
          latencyP50Ms: pick.latencyMs.p50,
          latencyP95Ms: pick.latencyMs.p95,
          tolerance: run.spec.tolerance,
        },
      };
    }
  }
  return {
    run: { id: run.id, spec: run.spec.name, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, indexBuilds: run.indexBuilds, skipped: run.skipped },
    dataset: { name: run.dataset.name, questions: run.dataset.questions, classification: run.dataset.classification },
    primary,
    tolerance: run.spec.tolerance,
    warnings,
    configurations,
    comparisons,
    recommendation,
    ...(recommendationNote ? { recommendationNote } : {}),
    perQuery,
  };
}

/** Rows for a terminal table: the main metrics of every configuration. */
export function reportTable(report: RunReport): { headers: string[]; rows: (string | number)[][] } {
  const metricNames = [...new Set(report.configurations.flatMap((c) => Object.keys(c.metrics)))];
  const shown = [report.primary, ...metricNames.filter((m) => m !== report.primary && /^(ndcg|recall|mrr)@|^(judge\.)?(faithfulness|correctness|citationRecall)$/.test(m))].slice(0, 7);
  const headers = ['CONFIG', 'KEY', ...shown.map((m) => m.toUpperCase()), 'P50 MS', 'P95 MS', '$/QUERY', 'NOTE'];
  const rows = report.configurations.map((c) => {
    const cmp = report.comparisons.find((x) => x.key === c.key);
    const note = c.key === report.recommendation?.key ? 'recommended' : c.ineligible ? 'not cleared' : cmp ? `Δ${round(cmp.diff, 4)} p=${round(cmp.pValue, 3)}` : c.metrics[report.primary] ? 'best' : c.status;
    return [c.label, c.key, ...shown.map((m) => (c.metrics[m] ? c.metrics[m]!.mean : '')), c.latencyMs.p50, c.latencyMs.p95, c.costUsd.perQuery, note];
  });
  return { headers, rows };
}
