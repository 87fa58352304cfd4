// Synthetic question/answer pairs generated from a collection's documents by a model through the gateway. The
// documents are sampled with a fixed seed; each reply must be one JSON object {"pairs":[{question, answer}]}.
// A reply that does not parse is counted and skipped with a warning, never half-used.
import { z } from 'zod';
import { describeError, StrataError } from '../core/errors.js';
import type { Classification, Collection } from '../core/types.js';
import type { Gateway } from '../gateway/types.js';
import type { Store } from '../store/types.js';
import type { DatasetWarning, EvalQuestion } from './dataset.js';
import { parseVerdict } from './judge.js';
import { seededRandom } from './stats.js';

export interface SyntheticOptions {
  store: Store;
  collection: Collection;
  gateway: Gateway;
  alias: string;
  /** Questions wanted in total. */
  count: number;
  perDocument?: number;
  seed?: number;
  /** Characters of each document shown to the model. */
  maxChars?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticResult {
  questions: EvalQuestion[];
  warnings: DatasetWarning[];
  costUsd: number;
  classification: Classification;
}

const Pairs = z.object({ pairs: z.array(z.object({ question: z.string().min(1), answer: z.string().min(1) }).strict()).min(1) });

export function syntheticPrompt(text: string, n: number): string {
  return (
    `Document:\n"""\n${text}\n"""\n\n` +
    `Write ${n} question(s) a user might ask that this document alone answers, each with its answer taken from the document. ` +
    'Questions must be self-contained (no "this document"). Reply with one JSON object and nothing else: ' +
    '{"pairs":[{"question":"...","answer":"..."}]}'
  );
}

export async function generateSynthetic(opts: SyntheticOptions): Promise<SyntheticResult> {
  const perDocument = opts.perDocument ?? 1;
  const maxChars = opts.maxChars ?? 6000;
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await opts.store.listDocuments({ collectionId: opts.collection.id, limit: 1000, offset });
    page.forEach((d) => ids.push(d.id));
    if (page.length < 1000) break;
  }
  if (ids.length === 0) throw new StrataError('eval', 'invalid-input', `collection "${opts.collection.name}" has no documents to generate questions from`);
  // Fisher–Yates with a seeded PRNG: the same seed picks the same documents.
  const rand = seededRandom(opts.seed ?? 42);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const docsNeeded = Math.min(ids.length, Math.ceil(opts.count / perDocument));
  const questions: EvalQuestion[] = [];
  const unparsable: string[] = [];
  const failed: string[] = [];
  let costUsd = 0;
  for (const [n, docId] of ids.slice(0, docsNeeded).entries()) {
    if (questions.length >= opts.count) break;
    const doc = await opts.store.getDocument(opts.collection.id, docId);
    if (!doc) continue;
    const text = (await opts.store.getChunks(doc.id)).map((c) => c.text).join('\n').slice(0, maxChars);
    let reply: string;
    try {
      const res = await opts.gateway.complete(
        opts.alias,
        { messages: [{ role: 'user', content: syntheticPrompt(text, perDocument) }], temperature: 0, responseFormat: 'json', maxTokens: 800 },
        { workspaceId: opts.collection.workspaceId, classification: doc.classification ?? opts.collection.classification },
      );
      costUsd += res.costUsd;
      reply = res.text;
    } catch (err) {
      failed.push(`${doc.sourceId}: ${describeError(err)}`);
      continue;
    }
    const parsed = parseVerdict(reply, Pairs);
    if (!parsed.ok) {
      unparsable.push(`${doc.sourceId}: ${parsed.reason}`);
      continue;
    }
    for (const [i, p] of parsed.value.pairs.slice(0, perDocument).entries()) {
      if (questions.length >= opts.count) break;
      questions.push({ id: `syn-${doc.sourceId}-${i + 1}`, question: p.question, reference: p.answer, relevant: { [doc.sourceId]: 1 }, meta: { synthetic: true, model: opts.alias } });
    }
    opts.onProgress?.(n + 1, docsNeeded);
  }
  const warnings: DatasetWarning[] = [];
  if (unparsable.length) warnings.push({ code: 'unparsable', count: unparsable.length, message: `${unparsable.length} model repl(ies) were not the requested JSON and were skipped`, examples: unparsable.slice(0, 5) });
  if (failed.length) warnings.push({ code: 'model-failure', count: failed.length, message: `${failed.length} model call(s) failed and were skipped`, examples: failed.slice(0, 5) });
  return { questions, warnings, costUsd, classification: opts.collection.classification };
}
