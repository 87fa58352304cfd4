// Where experiment runs live: `<evalDir>/runs/<runId>/` holds run.json (spec, configurations, status,
// warnings), results/<configKey>.jsonl (one line per evaluated question, appended as each completes, so an
// interrupted run keeps everything it finished) and, once complete, report.json and report.html.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrataError } from '../core/errors.js';
import type { DatasetWarning } from './dataset.js';
import type { Configuration, ExperimentSpec } from './spec.js';

export interface QueryResult {
  id: string;
  /** Metric name → value; null when the metric is undefined for this question (no qrels, no reference…). */
  scores: Record<string, number | null>;
  /** Retrieved source ids, best first. */
  retrieved: string[];
  latencyMs: { retrieval: number; generation: number; total: number };
  costUsd: number;
  usage: { inputTokens: number; outputTokens: number };
  answer?: string;
  judge?: { costUsd: number; failures: { metric: string; reason: string }[] };
}

export type RunStatus = 'running' | 'complete';
export type ConfigStatus = 'pending' | 'complete' | 'not-cleared';

export interface RunManifest {
  id: string;
  spec: ExperimentSpec;
  dataset: { name: string; questions: number; classification?: string; warnings: DatasetWarning[] };
  configurations: (Configuration & { indexKey: string; status: ConfigStatus; reason?: string })[];
  skipped: string[];
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Indexes built (not reused) over the life of the run, across resumptions. */
  indexBuilds: number;
  /** Per-index validation warnings (unknown relevant ids…), keyed by index key. */
  indexWarnings: Record<string, DatasetWarning[]>;
}

export interface RunRepo {
  readonly dir: string;
  list(): RunManifest[];
  exists(id: string): boolean;
  read(id: string): RunManifest;
  write(manifest: RunManifest): void;
  /** Results of one configuration read back; a torn last line (the process died mid-write) is ignored. */
  results(id: string, configKey: string): QueryResult[];
  append(id: string, configKey: string, result: QueryResult): void;
  writeFile(id: string, name: string, content: string): string;
  readFile(id: string, name: string): string;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Runs under `<evalDir>/runs` (evalDir: see paths.ts). */
export function createRunRepo(evalDir: string): RunRepo {
  const dir = resolve(evalDir, 'runs');
  const runDir = (id: string) => {
    if (!RUN_ID.test(id)) throw new StrataError('eval', 'invalid-input', `invalid run id "${id}"`);
    return join(dir, id);
  };
  const atomic = (file: string, content: string) => {
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  };
  const notFound = (id: string) => new StrataError('eval', 'not-found', `run "${id}" not found`, { hint: 'list runs with `strata eval list`' });
  return {
    dir,
    exists: (id) => existsSync(join(runDir(id), 'run.json')),
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((d) => existsSync(join(dir, d, 'run.json')))
        .map((d) => JSON.parse(readFileSync(join(dir, d, 'run.json'), 'utf8')) as RunManifest)
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    },
    read(id) {
      const file = join(runDir(id), 'run.json');
      if (!existsSync(file)) throw notFound(id);
      return JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
    },
    write(manifest) {
      mkdirSync(join(runDir(manifest.id), 'results'), { recursive: true });
      atomic(join(runDir(manifest.id), 'run.json'), JSON.stringify(manifest, null, 2));
    },
    results(id, key) {
      const file = join(runDir(id), 'results', `${key}.jsonl`);
      if (!existsSync(file)) return [];
      const text = readFileSync(file, 'utf8');
      // Terminate a torn last line so the next append starts a line of its own.
      if (text.length > 0 && !text.endsWith('\n')) appendFileSync(file, '\n');
      const out: QueryResult[] = [];
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as QueryResult);
        } catch {
          /* a line cut by a crash: that question is simply evaluated again */
        }
      }
      return out;
    },
    append(id, key, result) {
      appendFileSync(join(runDir(id), 'results', `${key}.jsonl`), `${JSON.stringify(result)}\n`);
    },
    writeFile(id, name, content) {
      const file = join(runDir(id), name);
      atomic(file, content);
      return file;
    },
    readFile(id, name) {
      const file = join(runDir(id), name);
      if (!existsSync(file)) throw new StrataError('eval', 'not-found', `run "${id}" has no ${name}`, { hint: 'the run may not be complete: re-run its spec to finish it' });
      return readFileSync(file, 'utf8');
    },
  };
}
