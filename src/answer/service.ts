// Cited answers: retrieve with the caller's permissions, pack the best chunks into the model's budget, generate
// through the gateway (or extract sentences when no model is configured), then check every citation against
// the text that was provided. Retrieval goes through the searcher only; chunk texts are read from the store
// for the chunk ids the searcher returned, after re-checking the caller may read their documents.
import { canRead } from '../core/access.js';
import { StrataError } from '../core/errors.js';
import type { Caller, Classification, Document } from '../core/types.js';
import type { Gateway, GatewayCallContext, RegistryEntry, RouteInfo } from '../gateway/types.js';
import type { Usage } from '../models/types.js';
import { getAnalyzer, type Analyzer } from '../search/analyzers.js';
import type { SearchHit, Searcher } from '../search/service.js';
import type { Store } from '../store/types.js';
import { checkAnswer, checkSentence, indexSources, isRelevant, type SourceIndex } from './citations.js';
import { extractAnswer } from './extractive.js';
import { loadCounter, MESSAGE_OVERHEAD_TOKENS, packContext, REPLY_PRIMING_TOKENS, sourceBudget, type CountTokens } from './pack.js';
import { buildMessages, describeLocation, questionBlock, renderSource, SOURCES_HEADING, SYSTEM_PROMPT } from './prompt.js';
import { contentTerms, NOT_FOUND_ANSWER, splitSentences } from './text.js';
import type { AnswerEvent, AnswerRequest, AnswerResult, AnswerSettings, AnswerSource, Citation } from './types.js';

export const ANSWER_DEFAULTS: AnswerSettings = {
  defaultModel: undefined,
  defaultLimit: 8,
  maxAnswerTokens: 1024,
  safetyMargin: 0.05,
  minRelevance: 0.3,
  minSupport: 0.5,
  extractiveSentences: 3,
  extractiveChars: 700,
};

export interface AnswerDeps {
  searcher: Pick<Searcher, 'search'>;
  store: Pick<Store, 'getChunks' | 'getDocumentsByIds'>;
  /** The model gateway; without it only extractive answers are possible. */
  gateway?: Gateway | null;
  settings?: Partial<AnswerSettings>;
  /** Charged credential and request id, passed to the gateway (budgets, audit). */
  keyId?: string;
  traceId?: string;
  /** Aborts retrieval follow-ups and the upstream model call (a client that went away). */
  signal?: AbortSignal;
}

const CLASSIFICATION_RANK: Record<Classification, number> = { public: 0, internal: 1, confidential: 2, restricted: 3 };
const higher = (a: Classification, b: Classification) => (CLASSIFICATION_RANK[b] > CLASSIFICATION_RANK[a] ? b : a);
const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };

interface Candidate {
  hit: SearchHit;
  text: string;
  doc: Document;
  terms: Set<string>;
}

interface Prepared {
  req: AnswerRequest;
  settings: AnswerSettings;
  alias: string | undefined;
  analyzer: Analyzer;
  candidates: Candidate[];
  question: Set<string>;
  t0: number;
}

/** A complete answer (generation through `gateway.complete`). */
export async function answer(req: AnswerRequest, deps: AnswerDeps): Promise<AnswerResult> {
  let result: AnswerResult | undefined;
  for await (const ev of run(req, deps, false)) if (ev.type === 'done') result = ev.result;
  if (!result) throw new StrataError('answer', 'internal', 'the answer ended without a result');
  return result;
}

/** The answer as events: retrieval, route, token and citation events, then done (see AnswerEvent). */
export function streamAnswer(req: AnswerRequest, deps: AnswerDeps): AsyncGenerator<AnswerEvent> {
  return run(req, deps, true);
}

async function* run(req: AnswerRequest, deps: AnswerDeps, streaming: boolean): AsyncGenerator<AnswerEvent> {
  const prep = await prepare(req, deps);
  const relevant = prep.candidates.filter((c) => isRelevant(prep.question, c.terms, prep.settings.minRelevance));
  if (!prep.alias) {
    const result = relevant.length > 0 ? extractive(prep, relevant) : notFound(prep, 'extractive');
    yield* replay(result);
    return;
  }
  if (relevant.length === 0) {
    // Nothing relevant: say so, and never ask a model to guess.
    yield* replay(notFound(prep, 'generative'));
    return;
  }
  const gateway = deps.gateway!;
  const plan = await planGenerative(prep, gateway, await loadCounter());
  yield { type: 'retrieval', sources: plan.sources, status: 'answered', mode: 'generative' };
  const ctx: GatewayCallContext = {
    workspaceId: req.caller.workspaceId,
    keyId: deps.keyId,
    traceId: deps.traceId,
    actor: `user:${req.caller.subject}`,
    classification: plan.classification,
    signal: deps.signal,
  };
  const chat = { messages: plan.messages, maxTokens: plan.answerTokens, temperature: 0 };
  let text = '';
  let usage = ZERO_USAGE;
  let costUsd = 0;
  let route: RouteInfo | null = null;
  let checked = 0;
  if (!streaming) {
    const res = await gateway.complete(prep.alias, chat, ctx);
    ({ text, usage, costUsd, route } = res);
  } else {
    for await (const ev of gateway.stream(prep.alias, chat, ctx)) {
      if (ev.type === 'route') {
        route = ev.route;
        yield ev;
      } else if (ev.type === 'text') {
        text += ev.text;
        yield { type: 'token', text: ev.text };
        // Sentences are checked as soon as the next one has begun, so citations stream with the text.
        const spans = splitSentences(text);
        const last = spans[spans.length - 1];
        const complete = last && /\p{L}/u.test(last.text.replace(/\[[^\]]*\]?/g, '')) ? spans.length - 1 : 0;
        for (; checked < complete; checked++) yield* citationEvents(checked, checkSentence(spans[checked]!, plan.index, prep.settings.minSupport), plan);
      } else if (ev.type === 'usage') usage = ev.usage;
      else if (ev.type === 'cost') ({ usage, costUsd } = ev);
    }
  }
  const check = checkAnswer(text, plan.index, prep.settings.minSupport);
  const result: AnswerResult = {
    answer: check.text,
    status: 'answered',
    mode: 'generative',
    citations: citationsOf(check.sentences, plan.sources),
    sentences: check.sentences,
    removedCitations: check.removed,
    route,
    usage,
    costUsd,
    classification: plan.classification,
    retrieval: { hits: plan.sources, packing: plan.packing },
    tookMs: Math.round(performance.now() - prep.t0),
  };
  if (streaming) {
    // Sentences completed only at the end of the stream get their citation events now.
    for (let i = checked; i < result.sentences.length; i++) yield* citationEvents(i, result.sentences[i]!, plan);
  }
  yield { type: 'done', result };
}

function* citationEvents(sentence: number, s: AnswerResult['sentences'][number], plan: { sources: AnswerSource[] }): Generator<AnswerEvent> {
  for (const e of s.evidence) {
    const src = plan.sources.find((x) => x.marker === e.marker)!;
    yield { type: 'citation', sentence, supported: s.supported, citation: { ...citationBase(src), quote: e.quote, support: e.support } };
  }
}

/** Retrieval for the question, limited to what the caller may read, with each hit's full chunk text. */
async function prepare(req: AnswerRequest, deps: AnswerDeps): Promise<Prepared> {
  const t0 = performance.now();
  const settings = { ...ANSWER_DEFAULTS, ...definedOnly(deps.settings ?? {}) };
  const question = req.question.trim();
  if (question.length === 0) throw new StrataError('answer', 'invalid-input', 'the question is empty', { hint: 'ask a question in words' });
  const limit = req.limit ?? settings.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new StrataError('answer', 'invalid-input', `limit must be a whole number from 1 to 100, got ${limit}`);
  }
  const alias = req.model ?? settings.defaultModel;
  if (alias !== undefined && !deps.gateway) {
    throw new StrataError('answer', 'invalid-input', `model "${alias}" was asked for, but no model gateway is configured`, {
      hint: 'configure models for the gateway, or ask without a model for an extractive answer',
    });
  }
  const res = await deps.searcher.search({ caller: req.caller, collection: req.collection, query: question, limit, collapse: 'chunk', snippetChars: 0 });
  deps.signal?.throwIfAborted();
  const docIds = [...new Set(res.hits.map((h) => h.documentId))];
  const docs = docIds.length ? await deps.store.getDocumentsByIds(docIds) : new Map<string, Document>();
  // The searcher already filtered by permission; a policy changed since then must still win.
  const readable = (d: Document | undefined): d is Document => d !== undefined && mayRead(req.caller, d);
  const texts = new Map<string, string>();
  for (const id of docIds) {
    if (!readable(docs.get(id))) continue;
    const wanted = new Set(res.hits.filter((h) => h.documentId === id).map((h) => h.chunkId));
    for (const c of await deps.store.getChunks(id)) if (wanted.has(c.id)) texts.set(c.id, c.text);
  }
  const analyzer = getAnalyzer(req.collection.settings.analyzer.name);
  const candidates: Candidate[] = [];
  for (const hit of res.hits) {
    const doc = docs.get(hit.documentId);
    const text = texts.get(hit.chunkId);
    if (!readable(doc) || text === undefined) continue;
    candidates.push({ hit, text, doc, terms: contentTerms(text, analyzer) });
  }
  return { req: { ...req, question }, settings, alias, analyzer, candidates, question: contentTerms(question, analyzer), t0 };
}

const mayRead = (caller: Caller, doc: Document) => caller.bypassAcl === true || canRead(doc.accessPolicy, new Set(caller.principals));

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function classificationOf(prep: Prepared, used: readonly Candidate[]): Classification {
  let c = prep.req.collection.classification;
  for (const u of used) if (u.doc.classification) c = higher(c, u.doc.classification);
  return c;
}

function sourceOf(c: Candidate, marker: number, truncated: boolean): AnswerSource {
  const h = c.hit;
  return { marker, chunkId: h.chunkId, documentId: h.documentId, sourceId: h.sourceId, title: h.title, path: h.path, location: h.location, score: h.score, rank: h.rank, truncated };
}

function citationBase(s: AnswerSource): Omit<Citation, 'quote' | 'support'> {
  return { marker: s.marker, chunkId: s.chunkId, documentId: s.documentId, sourceId: s.sourceId, title: s.title, path: s.path, location: s.location };
}

/** One citation per cited marker, quoting the span that best supported any sentence citing it. */
function citationsOf(sentences: AnswerResult['sentences'], sources: AnswerSource[]): Citation[] {
  const best = new Map<number, { quote: string; support: number }>();
  for (const s of sentences) {
    for (const e of s.evidence) {
      const prev = best.get(e.marker);
      if (!prev || e.support > prev.support) best.set(e.marker, { quote: e.quote, support: e.support });
    }
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]).map(([m, q]) => ({ ...citationBase(sources.find((s) => s.marker === m)!), ...q }));
}

/** The plain "not found" answer; the retrieved chunks are listed so the caller sees what was searched. */
function notFound(prep: Prepared, mode: AnswerResult['mode'], sources = prep.candidates.map((c, i) => sourceOf(c, i + 1, false))): AnswerResult {
  return {
    answer: NOT_FOUND_ANSWER,
    status: 'not-found',
    mode,
    citations: [],
    sentences: [{ text: NOT_FOUND_ANSWER, citations: [], supported: true, reason: 'no-claim', evidence: [] }],
    removedCitations: [],
    route: null,
    usage: ZERO_USAGE,
    costUsd: 0,
    classification: prep.req.collection.classification,
    retrieval: { hits: sources, packing: null },
    tookMs: Math.round(performance.now() - prep.t0),
  };
}

/** Sentences quoted from the relevant chunks only; every retrieved chunk keeps its marker in the source list. */
function extractive(prep: Prepared, relevant: readonly Candidate[]): AnswerResult {
  const sources = prep.candidates.map((c, i) => sourceOf(c, i + 1, false));
  const picked = extractAnswer(
    prep.req.question,
    prep.candidates.flatMap((c, i) => (relevant.includes(c) ? [{ marker: i + 1, rank: i + 1, text: c.text }] : [])),
    prep.analyzer,
    { maxSentences: prep.settings.extractiveSentences, maxChars: prep.settings.extractiveChars },
  );
  if (picked.length === 0) return notFound(prep, 'extractive', sources);
  const sentences: AnswerResult['sentences'] = picked.map((p) => ({
    text: `${p.text} [${p.marker}]`,
    citations: [p.marker],
    supported: true,
    reason: 'supported',
    evidence: [{ marker: p.marker, quote: p.quote, support: 1 }],
  }));
  const used = [...new Set(picked.map((p) => p.marker))].map((m) => prep.candidates[m - 1]!);
  return {
    answer: sentences.map((s) => s.text).join(' '),
    status: 'answered',
    mode: 'extractive',
    citations: citationsOf(sentences, sources),
    sentences,
    removedCitations: [],
    route: null,
    usage: ZERO_USAGE,
    costUsd: 0,
    classification: classificationOf(prep, used),
    retrieval: { hits: sources, packing: null },
    tookMs: Math.round(performance.now() - prep.t0),
  };
}

/** Events of an answer that needed no model: retrieval, the text, its citations, done. */
function* replay(result: AnswerResult): Generator<AnswerEvent> {
  yield { type: 'retrieval', sources: result.retrieval.hits, status: result.status, mode: result.mode };
  yield { type: 'token', text: result.answer };
  for (let i = 0; i < result.sentences.length; i++) {
    yield* citationEvents(i, result.sentences[i]!, { sources: result.retrieval.hits });
  }
  yield { type: 'done', result };
}

interface Plan {
  sources: AnswerSource[];
  index: SourceIndex;
  messages: ReturnType<typeof buildMessages>;
  classification: Classification;
  answerTokens: number;
  packing: NonNullable<AnswerResult['retrieval']['packing']>;
}

/**
 * Which chunks go to which model. The model depends on the classification of the text sent and the budget on
 * the model, so: resolve for everything retrieved, pack, resolve again for what was packed; while that model
 * allows fewer tokens, repack within the smaller budget. Budgets only shrink and packs are prefixes of the
 * ranking, so this ends; the classification handed to the gateway is that of the final pack.
 */
async function planGenerative(prep: Prepared, gateway: Gateway, count: CountTokens): Promise<Plan> {
  const { settings, req } = prep;
  const promptTokens =
    count(SYSTEM_PROMPT) + count(SOURCES_HEADING + questionBlock(req.question)) + 2 * MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS;
  const candidates = prep.candidates.map((c, i) => ({
    chunkId: c.hit.chunkId,
    text: c.text,
    candidate: c,
    render: (text: string, truncated: boolean) => renderSource(i + 1, describeLocation(c.hit.title, c.hit.path, c.hit.location), text, truncated),
  }));
  const budgetFor = (entry: RegistryEntry) => {
    const answerTokens = Math.min(entry.maxOutputTokens ?? settings.maxAnswerTokens, settings.maxAnswerTokens);
    return { answerTokens, budget: sourceBudget({ contextWindow: entry.contextWindow, answerTokens, promptTokens, safetyMargin: settings.safetyMargin, cap: req.maxContextTokens }) };
  };
  let entry = gateway.resolve(prep.alias!, classificationOf(prep, prep.candidates));
  let { answerTokens, budget } = budgetFor(entry);
  let packed = packContext(candidates, budget, count);
  let classification = classificationOf(prep, packed.included.map((p) => p.candidate.candidate));
  for (let round = 0; round < 8; round++) {
    const next = gateway.resolve(prep.alias!, classification);
    if (next.id === entry.id) break;
    entry = next;
    const b = budgetFor(next);
    answerTokens = Math.min(answerTokens, b.answerTokens);
    if (b.budget >= budget) break;
    budget = b.budget;
    packed = packContext(candidates, budget, count);
    classification = classificationOf(prep, packed.included.map((p) => p.candidate.candidate));
  }
  if (packed.included.length === 0) {
    throw new StrataError('answer', 'invalid-input', `no source fits the context budget of model "${entry.id}" (${budget} tokens for sources)`, {
      details: { model: entry.id, contextWindow: entry.contextWindow, budgetTokens: budget },
      hint: req.maxContextTokens !== undefined ? 'raise maxContextTokens' : 'use a model with a larger context window',
    });
  }
  const sources = packed.included.map((p, i) => sourceOf(p.candidate.candidate, i + 1, p.truncated));
  return {
    sources,
    index: indexSources(packed.included.map((p, i) => ({ marker: i + 1, text: p.text })), prep.analyzer),
    messages: buildMessages(packed.included.map((p) => p.block), req.question),
    classification,
    answerTokens,
    packing: {
      budgetTokens: budget,
      usedTokens: packed.usedTokens,
      droppedChunkIds: packed.dropped.map((d) => d.chunkId),
      truncatedChunkIds: packed.included.filter((p) => p.truncated).map((p) => p.candidate.chunkId),
    },
  };
}
