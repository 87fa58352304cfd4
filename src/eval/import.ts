// Dataset import: picks the reader from the source (a BEIR folder, .jsonl/.ndjson, .csv), finds the ids the
// relevant documents must match (the BEIR corpus, a given corpus file, or the named collection's documents),
// validates with counted warnings (errors with --strict) and stores the dataset.
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import type { Store } from '../store/types.js';
import { corpusIds, readBeirQuestions, readQuestionsCsv, readQuestionsJsonl, validateQuestions, type DatasetManifest, type DatasetRepo, type DatasetWarning } from './dataset.js';

export interface ImportOptions {
  repo: DatasetRepo;
  name: string;
  /** BEIR folder, or a .jsonl / .csv question file. */
  from: string;
  split?: string;
  /** Documents the questions are about: a corpus file or folder the evaluator ingests itself… */
  corpus?: string;
  /** …or a collection of the workspace (its documents' source ids are the valid relevant ids). */
  collection?: string;
  classification?: Classification;
  strict?: boolean;
  overwrite?: boolean;
  store?: Store;
  workspaceId?: string;
}

export async function collectionSourceIds(store: Store, workspaceId: string, name: string): Promise<{ ids: Set<string>; classification: Classification }> {
  const col = await store.getCollection(workspaceId, name);
  if (!col) throw new StrataError('eval', 'not-found', `collection "${name}" not found`, { hint: 'list collections with `strata collections list`' });
  const ids = new Set<string>();
  for (let offset = 0; ; offset += 1000) {
    const page = await store.listDocuments({ collectionId: col.id, limit: 1000, offset });
    page.forEach((d) => ids.add(d.sourceId));
    if (page.length < 1000) break;
  }
  return { ids, classification: col.classification };
}

export async function importDataset(opts: ImportOptions): Promise<{ manifest: DatasetManifest; warnings: DatasetWarning[] }> {
  const from = resolve(opts.from);
  if (!existsSync(from)) throw new StrataError('eval', 'not-found', `${from} not found`, { hint: 'pass a BEIR folder or a .jsonl/.csv question file' });
  if (opts.corpus && opts.collection) throw new StrataError('eval', 'invalid-input', 'give either --corpus or --collection, not both');
  const isDir = statSync(from).isDirectory();
  const ext = extname(from).toLowerCase();
  let kind: DatasetManifest['source']['kind'];
  let questions;
  let corpus = opts.corpus ? resolve(opts.corpus) : undefined;
  if (isDir) {
    kind = 'beir';
    questions = readBeirQuestions(from, opts.split);
    if (!opts.collection) corpus ??= join(from, 'corpus.jsonl');
  } else if (ext === '.jsonl' || ext === '.ndjson') {
    kind = 'jsonl';
    questions = readQuestionsJsonl(from);
  } else if (ext === '.csv') {
    kind = 'csv';
    questions = readQuestionsCsv(from);
  } else {
    throw new StrataError('eval', 'invalid-input', `cannot import ${from}: unknown format "${ext || '(none)'}"`, { hint: 'use a BEIR folder, a .jsonl or a .csv file' });
  }
  if (corpus && !existsSync(corpus)) throw new StrataError('eval', 'not-found', `corpus ${corpus} not found`);
  let knownIds: Set<string> | undefined;
  let classification = opts.classification;
  if (opts.collection) {
    if (!opts.store || !opts.workspaceId) throw new StrataError('eval', 'invalid-input', 'importing against a collection needs the workspace store');
    const col = await collectionSourceIds(opts.store, opts.workspaceId, opts.collection);
    knownIds = col.ids;
    classification ??= col.classification;
  } else if (corpus && statSync(corpus).isFile() && /\.(jsonl|ndjson)$/i.test(corpus)) {
    knownIds = corpusIds(corpus);
  }
  const { questions: kept, warnings } = validateQuestions(questions, { knownIds, strict: opts.strict });
  const manifest = opts.repo.save(
    {
      name: opts.name,
      source: { kind, path: from, ...(kind === 'beir' ? { split: opts.split ?? 'test' } : {}) },
      ...(corpus ? { corpus } : {}),
      ...(opts.collection ? { collection: opts.collection } : {}),
      ...(classification ? { classification } : {}),
      warnings,
    },
    kept,
    { overwrite: opts.overwrite },
  );
  return { manifest, warnings };
}
