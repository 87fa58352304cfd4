// Production capture: turns what users asked and said into a dataset. A search is an audit entry
// (`search.query`: the query, the collection, the returned documents) under its request id; feedback names that
// request id. Joining them gives, per rated search: the question, the retrieved source ids, and graded
// relevance from document-level ratings (+1 → relevant, grade 1; −1 → judged not relevant, grade 0; 0 ignored).
// A search rated as a whole (no document) keeps its rating in `meta.feedback` and has no relevance labels.
import { StrataError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import type { DatasetWarning, EvalQuestion } from './dataset.js';

export interface CaptureOptions {
  store: Store;
  workspaceId: string;
  /** Only searches of this collection (required when rated searches span several). */
  collection?: string;
  /** Only feedback at or after this ISO time. */
  since?: string;
  /** Most feedback records read (newest first). */
  limit?: number;
}

export interface CaptureResult {
  collection: string;
  questions: EvalQuestion[];
  warnings: DatasetWarning[];
}

export async function captureDataset(opts: CaptureOptions): Promise<CaptureResult> {
  const feedback = (await opts.store.listFeedback(opts.workspaceId, { limit: opts.limit ?? 10_000 })).filter((f) => !opts.since || f.createdAt >= opts.since);
  const traces = new Set(feedback.map((f) => f.traceId));
  const searches = new Map<string, { query: string; collection: string; documents: string[]; answer?: string }>();
  const answers = new Map<string, string>();
  for (let after = 0; ; ) {
    const page = await opts.store.listAudit({ workspaceId: opts.workspaceId, afterSeq: after, limit: 5000 });
    for (const e of page) {
      if (!traces.has(e.traceId)) continue;
      if (e.action === 'search.query' && typeof e.details.query === 'string') {
        searches.set(e.traceId, {
          query: e.details.query,
          collection: String(e.details.collection ?? ''),
          documents: e.resources.filter((r) => r.startsWith('document:')).map((r) => r.slice('document:'.length)),
        });
      } else if (e.action.startsWith('answer.') && typeof e.details.answer === 'string') {
        answers.set(e.traceId, e.details.answer);
      }
    }
    if (page.length < 5000) break;
    after = page[page.length - 1]!.seq;
  }
  const collections = [...new Set([...searches.values()].map((s) => s.collection))];
  const collection = opts.collection ?? (collections.length === 1 ? collections[0] : undefined);
  if (!collection) {
    throw new StrataError('eval', 'invalid-input', collections.length ? `rated searches span several collections: ${collections.join(', ')}` : 'no feedback matches a recorded search', {
      hint: collections.length ? 'pass --collection to capture one of them' : 'users rate searches with POST /v1/feedback and the search’s requestId',
    });
  }
  const col = await opts.store.getCollection(opts.workspaceId, collection);
  if (!col) throw new StrataError('eval', 'not-found', `collection "${collection}" not found`);
  // Audit entries and document feedback name internal document ids; datasets use source ids.
  const internal = new Set([...searches.values()].flatMap((s) => s.documents).concat(feedback.flatMap((f) => (f.documentId ? [f.documentId] : []))));
  const docs = await opts.store.getDocumentsByIds([...internal]);
  const sourceOf = (id: string) => docs.get(id)?.sourceId ?? id;

  const orphan: string[] = [];
  const byTrace = new Map<string, EvalQuestion>();
  // Oldest first, so a later rating of the same document overrides an earlier one.
  for (const f of [...feedback].reverse()) {
    const s = searches.get(f.traceId);
    if (!s) {
      orphan.push(f.traceId);
      continue;
    }
    if (s.collection !== collection) continue;
    const q = byTrace.get(f.traceId) ?? {
      id: `cap-${f.traceId}`,
      question: s.query,
      meta: { traceId: f.traceId, retrieved: s.documents.map(sourceOf), ...(answers.has(f.traceId) ? { answer: answers.get(f.traceId) } : {}) },
    };
    if (f.documentId) {
      if (f.rating !== 0) q.relevant = { ...(q.relevant ?? {}), [sourceOf(f.documentId)]: f.rating > 0 ? 1 : 0 };
    } else {
      q.meta = { ...q.meta, feedback: f.rating, ...(f.comment ? { comment: f.comment } : {}) };
    }
    byTrace.set(f.traceId, q);
  }
  const warnings: DatasetWarning[] = [];
  const uniqueOrphans = [...new Set(orphan)];
  if (uniqueOrphans.length) {
    warnings.push({ code: 'unmatched-feedback', count: uniqueOrphans.length, message: `${uniqueOrphans.length} feedback trace id(s) match no recorded search and were skipped`, examples: uniqueOrphans.slice(0, 5) });
  }
  return { collection, questions: [...byTrace.values()], warnings };
}
