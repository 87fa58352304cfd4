// Evaluation datasets: questions with optional reference answers and graded relevant document ids (source
// ids of the collection). Imported from BEIR folders, JSONL or CSV, generated (synthetic.ts) or captured from
// production (capture.ts); validated with counted warnings; stored as files under the data directory:
//   <evalDir>/datasets/<name>.jsonl   one question per line
//   <evalDir>/datasets/<name>.json    the manifest (source, corpus or collection, counts, warnings)
// Files are written to a temporary name and renamed, so a dataset is never half-written.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import { readBeir } from './beir.js';

export interface EvalQuestion {
  id: string;
  question: string;
  reference?: string;
  /** Relevant document source ids with grades (> 0 relevant; 0 judged not relevant). */
  relevant?: Record<string, number>;
  meta?: Record<string, unknown>;
}

export type DatasetWarningCode =
  | 'empty-question'
  | 'duplicate-question'
  | 'duplicate-id'
  | 'unknown-document'
  | 'no-known-relevant'
  | 'unparsable'
  | 'model-failure'
  | 'unmatched-feedback';

export interface DatasetWarning {
  code: DatasetWarningCode;
  /** How many items it concerns (questions, or ids for unknown-document). */
  count: number;
  message: string;
  examples: string[];
}

export interface DatasetManifest {
  name: string;
  createdAt: string;
  source: { kind: 'beir' | 'jsonl' | 'csv' | 'synthetic' | 'capture'; path?: string; split?: string; model?: string };
  /** Documents to evaluate against: a corpus file or folder the runner ingests itself… */
  corpus?: string;
  /** …or a collection of the workspace, used as it is. */
  collection?: string;
  classification?: Classification;
  questions: number;
  withReference: number;
  withRelevant: number;
  warnings: DatasetWarning[];
}

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const invalid = (message: string, hint?: string, details?: Record<string, unknown>) => new StrataError('eval', 'invalid-input', message, { hint, details });

// ---- readers ----

function asRelevant(value: unknown, where: string): Record<string, number> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return Object.fromEntries(value.map((v) => [String(v), 1]));
  if (typeof value === 'string') {
    const ids = value.split(/[|;,\s]+/).filter(Boolean);
    return ids.length ? Object.fromEntries(ids.map((id) => [id, 1])) : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${where}: relevance grade of "${k}" must be a number`);
      out[k] = v;
    }
    return out;
  }
  throw invalid(`${where}: relevant ids must be a list, an object of grades or a "|"-separated string`);
}

const pick = (o: Record<string, unknown>, keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);
const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

function fromRecord(o: Record<string, unknown>, n: number, where: string): EvalQuestion {
  const relevant = asRelevant(pick(o, ['relevant', 'relevant_ids', 'relevantIds', 'doc_ids', 'docIds']), where);
  const reference = text(pick(o, ['reference', 'answer', 'reference_answer', 'ground_truth']));
  const meta = o.meta && typeof o.meta === 'object' ? (o.meta as Record<string, unknown>) : undefined;
  return {
    id: text(pick(o, ['id', '_id', 'qid'])) ?? `q${n}`,
    question: text(pick(o, ['question', 'query', 'text'])) ?? '',
    ...(reference !== undefined && reference.trim() !== '' ? { reference } : {}),
    ...(relevant ? { relevant } : {}),
    ...(meta ? { meta } : {}),
  };
}

/** JSONL: one object per line with `question` (or `query`), optional `reference`/`answer`, `relevant`/`relevant_ids`, `id`. */
export function readQuestionsJsonl(path: string): EvalQuestion[] {
  const out: EvalQuestion[] = [];
  for (const [i, line] of readFileText(path).split('\n').entries()) {
    if (!line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw invalid(`${path} line ${i + 1} is not valid JSON`, 'each line must be one JSON object: {"question": "...", "reference": "...", "relevant": ["doc-id"]}');
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw invalid(`${path} line ${i + 1} is not a JSON object`);
    out.push(fromRecord(o as Record<string, unknown>, out.length + 1, `${path} line ${i + 1}`));
  }
  return out;
}

/** CSV with a header row: `question` (or `query`), optional `reference`/`answer`, `relevant_ids` ("|"-separated), `id`. */
export function readQuestionsCsv(path: string): EvalQuestion[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(readFileText(path), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, relax_column_count: false });
  } catch (cause) {
    throw new StrataError('eval', 'invalid-input', `${path} is not valid CSV: ${(cause as Error).message}`, { cause });
  }
  if (rows.length > 0 && !('question' in rows[0]!) && !('query' in rows[0]!)) {
    throw invalid(`${path} has no "question" column`, 'the header row must name a "question" column (and optionally "reference", "relevant_ids", "id")');
  }
  return rows.map((r, i) => fromRecord(r, i + 1, `${path} row ${i + 2}`));
}

/** A BEIR folder's test queries with their qrels as graded relevance; the corpus is the folder's corpus.jsonl. */
export function readBeirQuestions(dir: string, split = 'test'): EvalQuestion[] {
  const data = readBeir(dir, split);
  return [...data.queries].map(([id, question]) => ({ id, question, relevant: Object.fromEntries(data.qrels.get(id)!) }));
}

/** Ids (`_id` or `id`) of a JSONL corpus, as the ingest pipeline names its documents. */
export function corpusIds(path: string): Set<string> {
  const ids = new Set<string>();
  for (const line of readFileText(path).split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as { _id?: unknown; id?: unknown };
      const id = o._id ?? o.id;
      if (id !== undefined && id !== null) ids.add(String(id));
    } catch {
      /* the ingest pipeline reports bad corpus lines; here they simply name no id */
    }
  }
  return ids;
}

function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new StrataError('eval', 'not-found', `cannot read ${path}`, { cause, hint: 'check the path' });
  }
}

// ---- validation ----

export interface ValidationResult {
  questions: EvalQuestion[];
  warnings: DatasetWarning[];
}

const norm = (q: string) => q.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Drops empty questions, repeated ids and repeated questions (keeping the first; a duplicate would weigh a
 * question twice), and counts relevant ids missing from `knownIds` (kept: the score then shows they cannot be
 * found, and the warning says why). With `strict`, any warning is an error naming the counts instead.
 */
export function validateQuestions(input: readonly EvalQuestion[], options: { knownIds?: ReadonlySet<string>; strict?: boolean } = {}): ValidationResult {
  const warnings: DatasetWarning[] = [];
  const add = (code: DatasetWarningCode, items: string[], message: string) => {
    if (items.length) warnings.push({ code, count: items.length, message: `${items.length} ${message}`, examples: items.slice(0, 5) });
  };
  const empty: string[] = [];
  const dupIds: string[] = [];
  const dupQuestions: string[] = [];
  const seenIds = new Set<string>();
  const seenQ = new Set<string>();
  const kept: EvalQuestion[] = [];
  for (const q of input) {
    if (!q.question.trim()) {
      empty.push(q.id);
      continue;
    }
    if (seenIds.has(q.id)) {
      dupIds.push(q.id);
      continue;
    }
    if (seenQ.has(norm(q.question))) {
      dupQuestions.push(q.id);
      continue;
    }
    seenIds.add(q.id);
    seenQ.add(norm(q.question));
    kept.push(q);
  }
  add('empty-question', empty, 'empty question(s) dropped');
  add('duplicate-id', dupIds, 'question(s) with an id already used dropped');
  add('duplicate-question', dupQuestions, 'duplicated question(s) dropped (the first copy is kept)');
  if (options.knownIds) {
    const unknown = new Set<string>();
    const orphaned: string[] = [];
    for (const q of kept) {
      const rel = Object.entries(q.relevant ?? {}).filter(([, g]) => g > 0).map(([id]) => id);
      const missing = rel.filter((id) => !options.knownIds!.has(id));
      missing.forEach((id) => unknown.add(id));
      if (rel.length > 0 && missing.length === rel.length) orphaned.push(q.id);
    }
    add('unknown-document', [...unknown], 'relevant document id(s) do not exist in the collection (they can never be retrieved: recall is capped)');
    add('no-known-relevant', orphaned, 'question(s) have no relevant document that exists in the collection');
  }
  if (options.strict && warnings.length) {
    throw invalid(`dataset rejected (--strict): ${warnings.map((w) => w.message).join('; ')}`, 'fix the dataset, or drop --strict to import it with these warnings', { warnings });
  }
  return { questions: kept, warnings };
}

// ---- storage ----

export interface DatasetRepo {
  readonly dir: string;
  list(): DatasetManifest[];
  get(name: string): { manifest: DatasetManifest; questions: EvalQuestion[] };
  exists(name: string): boolean;
  save(manifest: Omit<DatasetManifest, 'questions' | 'withReference' | 'withRelevant' | 'createdAt'>, questions: EvalQuestion[], options?: { overwrite?: boolean }): DatasetManifest;
}

/** Datasets under `<evalDir>/datasets` (evalDir: see paths.ts). */
export function createDatasetRepo(evalDir: string): DatasetRepo {
  const dir = resolve(evalDir, 'datasets');
  const checkName = (name: string) => {
    if (!DATASET_NAME.test(name)) throw invalid(`invalid dataset name "${name}"`, 'use 1–64 letters, digits, "_", "." or "-", starting with a letter or digit');
  };
  const manifestPath = (name: string) => join(dir, `${name}.json`);
  return {
    dir,
    exists: (name) => (checkName(name), existsSync(manifestPath(name))),
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DatasetManifest)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    get(name) {
      checkName(name);
      if (!existsSync(manifestPath(name))) {
        throw new StrataError('eval', 'not-found', `dataset "${name}" not found`, { hint: 'list datasets with `strata eval dataset list`; import one with `strata eval dataset import`' });
      }
      const manifest = JSON.parse(readFileSync(manifestPath(name), 'utf8')) as DatasetManifest;
      const questions = readFileSync(join(dir, `${name}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EvalQuestion);
      return { manifest, questions };
    },
    save(partial, questions, { overwrite = false } = {}) {
      checkName(partial.name);
      if (questions.length === 0) throw invalid(`dataset "${partial.name}" has no usable question`, 'see the warnings: every question was empty or duplicated');
      if (!overwrite && existsSync(manifestPath(partial.name))) {
        throw new StrataError('eval', 'conflict', `dataset "${partial.name}" already exists`, { hint: 'choose another name, or pass --overwrite' });
      }
      mkdirSync(dir, { recursive: true });
      const manifest: DatasetManifest = {
        ...partial,
        createdAt: new Date().toISOString(),
        questions: questions.length,
        withReference: questions.filter((q) => q.reference !== undefined).length,
        withRelevant: questions.filter((q) => q.relevant && Object.values(q.relevant).some((g) => g > 0)).length,
      };
      const write = (file: string, content: string) => {
        const tmp = `${file}.tmp-${process.pid}`;
        writeFileSync(tmp, content);
        renameSync(tmp, file);
      };
      // Questions first, manifest last: a dataset is listed only once both are complete.
      write(join(dir, `${partial.name}.jsonl`), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
      write(manifestPath(partial.name), JSON.stringify(manifest, null, 2));
      return manifest;
    },
  };
}
