// The extractive answer, used when no generative model is configured: the sentences of the retrieved chunks
// that best answer the question, quoted verbatim, each with its source marker. Scoring is BM25 over sentences
// (question terms, IDF over the candidate sentences, saturated term frequency, length-normalised), times a
// small prior for the chunk's retrieval rank (÷ 1 + 0.2·(rank − 1)) and for sentences early in their chunk.
// A sentence must share at least two content words with the question (one if the question has only one).
// Near-duplicates (overlapping chunks repeat sentences) are skipped; at most `maxSentences` and `maxChars`.
// Headings (a short line without closing punctuation), sentences that only restate the question, and
// "sentences" over 80 words or table rows (code blocks, tables, run-on lists) match it best and answer nothing well: they
// are used only when no other sentence qualifies.
import type { Analyzer } from '../search/analyzers.js';
import { contentTerms, splitSentences } from './text.js';

export interface ExtractiveSource {
  marker: number;
  /** 1 = best retrieved. */
  rank: number;
  text: string;
}

export interface ExtractedSentence {
  marker: number;
  /** The sentence with whitespace runs collapsed (for the answer text). */
  text: string;
  /** The sentence exactly as the chunk has it. */
  quote: string;
  score: number;
}

export interface ExtractiveOptions {
  maxSentences: number;
  maxChars: number;
  /** A sentence scoring below this share of the best one is not worth adding. */
  minRelativeScore?: number;
}

const K1 = 1.2;
const B = 0.75;
/** Sentences sharing this share of their content terms with a chosen one say the same thing. */
const DUPLICATE_JACCARD = 0.6;
/** Shorter sentences are mostly headings or fragments. */
const MIN_WORDS = 4;

interface Candidate {
  marker: number;
  rank: number;
  position: number;
  text: string;
  quote: string;
  tf: Map<string, number>;
  length: number;
  terms: Set<string>;
  /** A heading or a restatement of the question (see above). */
  weak: boolean;
}

/** Longest unpunctuated line still read as a heading. */
const HEADING_MAX_WORDS = 12;
/** Markdown table rows read as sentences by the splitter. */
const TABLE_ROW = /\|.*\|.*\|/;
/** Longer is not a sentence a reader wants quoted. */
const SENTENCE_MAX_WORDS = 80;

export function extractAnswer(question: string, sources: readonly ExtractiveSource[], analyzer: Analyzer, options: ExtractiveOptions): ExtractedSentence[] {
  const query = contentTerms(question, analyzer);
  if (query.size === 0) return [];
  const candidates: Candidate[] = [];
  for (const s of sources) {
    splitSentences(s.text).forEach((sp, position) => {
      // Display text: whitespace collapsed, and the literal "\n" some exported corpora carry (SciFact) read as a break.
      const text = sp.text.replace(/\\n/g, ' ').replace(/\s+/g, ' ').trim();
      if (text.split(' ').length < MIN_WORDS) return;
      const terms = contentTerms(text, analyzer);
      const tf = new Map<string, number>();
      const all = analyzer.terms(text);
      for (const t of all) if (query.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
      // One shared word is chance, not an answer (unless the question has a single content word).
      if (tf.size < Math.min(2, query.size)) return;
      const words = text.split(' ').length;
      const heading = words <= HEADING_MAX_WORDS && !/[.!?…:;)\]"”’'](\s*\[\d+\])*$/.test(text);
      const restatement = [...terms].every((t) => query.has(t));
      candidates.push({ marker: s.marker, rank: s.rank, position, text, quote: sp.text, tf, length: all.length, terms, weak: heading || restatement || words > SENTENCE_MAX_WORDS || TABLE_ROW.test(text) });
    });
  }
  if (candidates.length === 0) return [];
  if (candidates.some((c) => !c.weak)) candidates.splice(0, candidates.length, ...candidates.filter((c) => !c.weak));
  const n = candidates.length;
  const avgLength = candidates.reduce((a, c) => a + c.length, 0) / n;
  const df = new Map<string, number>();
  for (const c of candidates) for (const t of c.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => {
    const d = df.get(t) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const scored = candidates
    .map((c) => {
      let bm25 = 0;
      for (const [t, f] of c.tf) bm25 += (idf(t) * f * (K1 + 1)) / (f + K1 * (1 - B + (B * c.length) / avgLength));
      const prior = (1 / (1 + 0.2 * (c.rank - 1))) * (1 + 0.1 / (1 + c.position));
      return { c, score: bm25 * prior };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.c.rank - b.c.rank || a.c.position - b.c.position);
  if (scored.length === 0) return [];
  const floor = scored[0]!.score * (options.minRelativeScore ?? 0.5);
  const chosen: { c: Candidate; score: number }[] = [];
  let chars = 0;
  for (const s of scored) {
    if (chosen.length >= options.maxSentences || s.score < floor) break;
    if (chosen.some((x) => jaccard(x.c.terms, s.c.terms) >= DUPLICATE_JACCARD)) continue;
    // The best sentence always goes in, even when long; the rest only while within the length limit.
    if (chosen.length > 0 && chars + s.c.text.length > options.maxChars) continue;
    chosen.push(s);
    chars += s.c.text.length;
  }
  return chosen.map((s) => ({ marker: s.c.marker, text: s.c.text, quote: s.c.quote, score: Math.round(s.score * 1000) / 1000 }));
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}
