// Deterministic answer metrics: no judge model, only lexical evidence, so they are free, fast and
// reproducible. Definitions (documented in docs/EVAL.md; the judge-model variants live in judge.ts):
//
// Terms are the search layer's English analysis (lowercase, Lucene stopwords removed, Porter stems).
// A claim is a sentence of the answer (the answerer's sentences, else split after . ! ? or a line break) with at
// least one term; citation markers like [1] are not content.
// A text T *supports* a claim C when |terms(C) ∩ terms(T)| / |terms(C)| ≥ supportThreshold (sets; default 0.6).
//
// - faithfulness        supported claims ÷ claims, support judged against the union of the retrieved context.
// - answerRelevance     share of the question's distinct terms that the answer contains.
// - correctness         term-level F1 (with multiplicities, as SQuAD) between answer and reference answer.
// - citationRecall      claims supported by the chunks cited for them ÷ claims (ALCE-style). A citation with a
//                       `sentence` index is cited for that claim; citations without one count for every claim.
// - citationPrecision   citations whose cited chunk alone supports a claim it is cited for ÷ citations; a
//                       citation of a chunk that is not in the context, or whose quote is not in that chunk, is wrong.
// A metric that cannot be computed (no claims, no reference, no citations, no question terms) is null, never 0:
// reports average over the queries where it is defined and say how many those are.
import { getAnalyzer } from '../search/analyzers.js';

export interface Citation {
  chunkId: string;
  documentId?: string;
  sourceId?: string;
  /** Text the answer quotes from the chunk, if the answerer gives one. */
  quote?: string;
  /** Index of the sentence the citation supports: into `AnswerInput.sentences` when given, else into splitSentences(answer). */
  sentence?: number;
}

export interface ContextChunk {
  chunkId: string;
  sourceId: string;
  text: string;
}

export interface AnswerInput {
  question: string;
  answer: string;
  context: readonly ContextChunk[];
  citations: readonly Citation[];
  /** The answer's sentences as the answerer split them (citations refer to these); else split here. */
  sentences?: readonly string[];
  reference?: string;
}

export interface AnswerScores {
  faithfulness: number | null;
  answerRelevance: number | null;
  correctness: number | null;
  citationPrecision: number | null;
  citationRecall: number | null;
}

export const ANSWER_METRICS = ['faithfulness', 'answerRelevance', 'correctness', 'citationPrecision', 'citationRecall'] as const;
export type AnswerMetric = (typeof ANSWER_METRICS)[number];

const analyzer = getAnalyzer('english');
export const termsOf = (text: string): string[] => analyzer.terms(text);

/** Citation markers like [1] or [2, 3] are not content: dropped before any answer text is analyzed. */
export const stripMarkers = (answer: string) => answer.replace(/\[\d+(?:\s*,\s*\d+)*\]/g, ' ');

/** Sentences of an answer: split after . ! ? or at line breaks. */
export function splitSentences(answer: string): string[] {
  return answer
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Sentences of an answer that carry at least one term (claims). */
export function splitClaims(answer: string): string[] {
  return splitSentences(stripMarkers(answer)).filter((s) => termsOf(s).length > 0);
}

/** Share of the claim's distinct terms found in the text (0 when the claim has none). */
export function overlap(claim: string, text: string | ReadonlySet<string>): number {
  const c = new Set(termsOf(claim));
  if (c.size === 0) return 0;
  const t = typeof text === 'string' ? new Set(termsOf(text)) : text;
  let hit = 0;
  for (const term of c) if (t.has(term)) hit++;
  return hit / c.size;
}

/** Term F1 with multiplicities (SQuAD's token F1 over analyzed terms). */
export function termF1(prediction: string, reference: string): number {
  const p = termsOf(prediction);
  const r = termsOf(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      common++;
      counts.set(t, n - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

export function deterministicAnswerScores(input: AnswerInput, supportThreshold = 0.6): AnswerScores {
  // Claims keep the index of their sentence, which is what citations point to.
  const claims = (input.sentences ?? splitSentences(input.answer))
    .map((text, index) => ({ text: stripMarkers(text).trim(), index }))
    .filter((c) => termsOf(c.text).length > 0);
  const supports = (claim: string, text: string | ReadonlySet<string>) => overlap(claim, text) >= supportThreshold;
  const contextTerms = new Set(input.context.flatMap((c) => termsOf(c.text)));
  const faithfulness = claims.length === 0 ? null : claims.filter((c) => supports(c.text, contextTerms)).length / claims.length;

  const q = new Set(termsOf(input.question));
  const a = new Set(termsOf(stripMarkers(input.answer)));
  const answerRelevance = q.size === 0 ? null : [...q].filter((t) => a.has(t)).length / q.size;

  const correctness = input.reference === undefined || input.reference.trim() === '' ? null : termF1(stripMarkers(input.answer), input.reference);

  const chunkText = new Map(input.context.map((c) => [c.chunkId, c.text]));
  // A citation is usable evidence only if it points into the context and its quote (if any) is really there.
  const valid = input.citations.map((c) => {
    const text = chunkText.get(c.chunkId);
    if (text === undefined) return undefined;
    if (c.quote !== undefined && c.quote.trim() !== '' && !normalize(text).includes(normalize(c.quote))) return undefined;
    return text;
  });
  const citedFor = (sentence: number) =>
    input.citations.map((c, i) => ({ c, text: valid[i] })).filter(({ c }) => c.sentence === undefined || c.sentence === sentence);

  let citationRecall: number | null = null;
  let citationPrecision: number | null = null;
  if (claims.length > 0) {
    let covered = 0;
    for (const claim of claims) {
      const texts = citedFor(claim.index).map((x) => x.text).filter((t): t is string => t !== undefined);
      if (texts.length > 0 && supports(claim.text, new Set(texts.flatMap(termsOf)))) covered++;
    }
    citationRecall = covered / claims.length;
  }
  if (input.citations.length > 0) {
    let good = 0;
    input.citations.forEach((c, i) => {
      const text = valid[i];
      if (text === undefined) return;
      const targets = c.sentence === undefined ? claims : claims.filter((claim) => claim.index === c.sentence);
      if (targets.some((claim) => supports(claim.text, text))) good++;
    });
    citationPrecision = good / input.citations.length;
  }
  return { faithfulness, answerRelevance, correctness, citationPrecision, citationRecall };
}
