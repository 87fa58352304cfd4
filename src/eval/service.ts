// The evaluation service the interfaces share (CLI `strata eval …`, HTTP `/v1/eval/…`): datasets (import,
// generate, capture, list, show), runs (run, list, show, report) and the CI gate, over the files under the
// eval directory and the platform backend. Interfaces only parse input and shape output.
import { readFileSync } from 'node:fs';
import type { StrataConfig } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import { createGatewayFromConfig } from '../gateway/from-config.js';
import type { Gateway } from '../gateway/types.js';
import type { Store } from '../store/types.js';
import type { EvalBackend } from './backend.js';
import { captureDataset } from './capture.js';
import { createDatasetRepo, validateQuestions, type DatasetManifest, type DatasetWarning } from './dataset.js';
import { checkRegression, parseBaseline, type GateResult } from './gate.js';
import { renderHtml } from './html.js';
import { collectionSourceIds, importDataset, type ImportOptions } from './import.js';
import { evalDirOf } from './paths.js';
import type { RunReport } from './report.js';
import { runExperiment, runIdFor, type RunProgress } from './runner.js';
import { createRunRepo, type RunManifest } from './runs.js';
import { parseSpec, type ExperimentSpec } from './spec.js';
import { createStoreBackend } from './store-backend.js';
import { generateSynthetic } from './synthetic.js';

export interface EvalServiceDeps {
  config: StrataConfig;
  store: Store;
  workspaceId: string;
  /** Injected in tests; otherwise built from the config on first use. */
  gateway?: Gateway;
  backend?: EvalBackend;
}

export interface RunRequest {
  spec: ExperimentSpec;
  fresh?: boolean;
  runId?: string;
  onProgress?: (p: RunProgress) => void;
  /** CI gate: compare with this baseline report and fail on significant regressions beyond the threshold. */
  gate?: { baseline: RunReport; threshold: number; alpha?: number };
}

export type EvalService = ReturnType<typeof createEvalService>;

export function createEvalService(deps: EvalServiceDeps) {
  const dir = evalDirOf(deps.config);
  const datasets = createDatasetRepo(dir);
  const runs = createRunRepo(dir);
  let gateway = deps.gateway;
  const gatewayOf = (): Gateway => {
    if (!gateway) {
      if (Object.keys(deps.config.models ?? {}).length === 0) {
        throw new StrataError('eval', 'unavailable', 'no model is configured', { hint: 'add models under `models:` in the config (see the gateway docs)' });
      }
      gateway = createGatewayFromConfig(deps.config, { store: deps.store });
    }
    return gateway;
  };
  const backend = deps.backend ?? createStoreBackend({ config: deps.config, store: deps.store, workspaceId: deps.workspaceId, gateway: gatewayOf });

  return {
    datasets,
    runs,
    importDataset: (o: Omit<ImportOptions, 'repo' | 'store' | 'workspaceId'>) => importDataset({ ...o, repo: datasets, store: deps.store, workspaceId: deps.workspaceId }),

    async generateDataset(o: { name: string; collection: string; model: string; count: number; perDocument?: number; seed?: number; strict?: boolean; overwrite?: boolean }) {
      const col = await deps.store.getCollection(deps.workspaceId, o.collection);
      if (!col) throw new StrataError('eval', 'not-found', `collection "${o.collection}" not found`);
      const res = await generateSynthetic({ store: deps.store, collection: col, gateway: gatewayOf(), alias: o.model, count: o.count, perDocument: o.perDocument, seed: o.seed });
      return { ...(await saveChecked(o, res.questions, res.warnings, { kind: 'synthetic', model: o.model }, col.classification, o.collection)), costUsd: res.costUsd };
    },

    async captureDataset(o: { name: string; collection?: string; since?: string; strict?: boolean; overwrite?: boolean }) {
      const res = await captureDataset({ store: deps.store, workspaceId: deps.workspaceId, collection: o.collection, since: o.since });
      const col = await deps.store.getCollection(deps.workspaceId, res.collection);
      return saveChecked(o, res.questions, res.warnings, { kind: 'capture' }, col!.classification, res.collection);
    },

    async run(req: RunRequest): Promise<{ manifest: RunManifest; report: RunReport; resumed: boolean; gate?: GateResult }> {
      const dataset = datasets.get(req.spec.dataset);
      let spec = req.spec;
      if (spec.judge === 'default') {
        if (!deps.config.eval.judge) throw new StrataError('eval', 'config', 'the spec asks for the default judge, but eval.judge is not set', { hint: 'set eval.judge to a model alias, or name the judge in the spec' });
        spec = { ...spec, judge: deps.config.eval.judge };
      }
      const judge = spec.judge ? { gateway: gatewayOf(), workspaceId: deps.workspaceId } : undefined;
      const out = await runExperiment({ spec, dataset, backend, repo: runs, judge, fresh: req.fresh, runId: req.runId, onProgress: req.onProgress });
      if (!req.gate) return out;
      const gate = checkRegression(out.report, req.gate.baseline, {
        threshold: req.gate.threshold,
        alpha: req.gate.alpha ?? deps.config.eval.alpha,
        resamples: spec.significance.resamples,
        seed: spec.significance.seed,
      });
      return { ...out, gate };
    },

    /** The id a run of this spec gets (a new one with `fresh`), known before it starts. */
    runIdOf(spec: ExperimentSpec, fresh = false): string {
      const base = runIdFor(spec, datasets.get(spec.dataset).manifest);
      return fresh ? `${base}-${Date.now().toString(36)}` : base;
    },

    report(id: string): RunReport {
      return JSON.parse(runs.readFile(id, 'report.json')) as RunReport;
    },
    html(id: string): string {
      return renderHtml(this.report(id));
    },
  };

  /** Validates generated or captured questions against the collection, then stores them. */
  async function saveChecked(
    o: { name: string; strict?: boolean; overwrite?: boolean },
    questions: Parameters<typeof validateQuestions>[0],
    extra: DatasetWarning[],
    source: DatasetManifest['source'],
    classification: Classification,
    collection: string,
  ) {
    const { ids } = await collectionSourceIds(deps.store, deps.workspaceId, collection);
    const checked = validateQuestions(questions, { knownIds: ids, strict: o.strict });
    const warnings = [...extra, ...checked.warnings];
    if (o.strict && extra.length) {
      throw new StrataError('eval', 'invalid-input', `dataset rejected (--strict): ${extra.map((w) => w.message).join('; ')}`, { details: { warnings } });
    }
    const manifest = datasets.save({ name: o.name, source, collection, classification, warnings }, checked.questions, { overwrite: o.overwrite });
    return { manifest, warnings };
  }
}

/** Reads a spec file; errors name the file. */
export function readSpecFile(path: string): ExperimentSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new StrataError('eval', 'not-found', `cannot read spec ${path}`, { cause });
  }
  return parseSpec(text, path);
}

/** Reads a baseline report file for the CI gate. */
export function readBaselineFile(path: string): RunReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new StrataError('eval', 'not-found', `cannot read baseline ${path}`, { cause });
  }
  return parseBaseline(text, path);
}
