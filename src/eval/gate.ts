// The CI gate: compares a run's report with a baseline report (the JSON of an earlier run) configuration by
// configuration and metric by metric, on the questions both scored. A metric regresses when it dropped by more
// than the threshold AND the paired permutation test says the drop is significant (p < alpha): a noisy dip on
// a few questions does not fail a build, a real one does.
import { StrataError } from '../core/errors.js';
import { metricByQuery, type RunReport } from './report.js';
import { pairedCompare } from './stats.js';

export interface Regression {
  configuration: { key: string; label: string };
  metric: string;
  baseline: number;
  current: number;
  /** current − baseline (negative). */
  delta: number;
  pValue: number;
  n: number;
}

export interface GateResult {
  passed: boolean;
  regressions: Regression[];
  /** Metric comparisons made. */
  compared: number;
  /** Baseline configurations the current run does not have (not compared). */
  missing: string[];
}

export interface GateOptions {
  threshold: number;
  alpha?: number;
  resamples?: number;
  seed?: number;
  /** Only these metrics (default: every metric both reports have). */
  metrics?: string[];
}

/** Reads a report JSON (as written by `strata eval run --json` or report.json) and checks its shape. */
export function parseBaseline(text: string, origin: string): RunReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StrataError('eval', 'invalid-input', `baseline ${origin} is not valid JSON`, { hint: 'pass the report.json of an earlier run (or the output of `strata eval show <run> --json`)' });
  }
  const r = raw as Partial<RunReport>;
  if (!r || !Array.isArray(r.configurations) || !r.perQuery || typeof r.perQuery !== 'object') {
    throw new StrataError('eval', 'invalid-input', `baseline ${origin} is not an evaluation report (no configurations or per-question scores)`, {
      hint: 'pass the report.json of an earlier run (or the output of `strata eval show <run> --json`)',
    });
  }
  return r as RunReport;
}

export function checkRegression(current: RunReport, baseline: RunReport, options: GateOptions): GateResult {
  const alpha = options.alpha ?? 0.05;
  const regressions: Regression[] = [];
  const missing: string[] = [];
  let compared = 0;
  for (const base of baseline.configurations) {
    const now = current.configurations.find((c) => c.key === base.key);
    if (!now || !current.perQuery[base.key]) {
      missing.push(base.label);
      continue;
    }
    const metrics = Object.keys(base.metrics).filter((m) => now.metrics[m] && (!options.metrics || options.metrics.includes(m)));
    for (const metric of metrics) {
      const a = metricByQuery(baseline.perQuery[base.key] ?? {}, metric);
      const b = metricByQuery(current.perQuery[base.key]!, metric);
      if (![...a.keys()].some((id) => b.has(id))) continue;
      const cmp = pairedCompare(a, b, { resamples: options.resamples, seed: options.seed });
      compared++;
      if (cmp.diff < -options.threshold && cmp.pValue < alpha) {
        regressions.push({ configuration: { key: base.key, label: base.label }, metric, baseline: cmp.meanA, current: cmp.meanB, delta: cmp.diff, pValue: cmp.pValue, n: cmp.n });
      }
    }
  }
  return { passed: regressions.length === 0, regressions, compared, missing };
}

export function describeRegression(r: Regression): string {
  const f = (x: number) => (Math.round(x * 10000) / 10000).toFixed(4);
  return `${r.configuration.label} [${r.configuration.key}]: ${r.metric} fell by ${f(-r.delta)} (${f(r.baseline)} → ${f(r.current)}, paired permutation p=${r.pValue.toFixed(4)}, ${r.n} questions)`;
}
