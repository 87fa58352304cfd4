// Citation checking: deterministic, lexical, explainable. The rule, applied to each answer sentence:
//  1. Markers `[n]` that name no provided source are removed from the text and reported.
//  2. The sentence's content terms T (analyzer terms minus function words and markers) are weighted by how
//     rare they are among the provided sources' sentences: w(t) = ln(1 + (N + 1) / (df(t) + 0.5)), so a term
//     found in no source weighs most and a word every source repeats weighs least.
//  3. For each cited source, every window of one or two adjacent sentences of its chunk is scored by the
//     weighted share of T it contains; the best window is the quoted span.
//  4. The sentence is supported when the union of its cited sources' best windows covers at least
//     `minSupport` (default 0.5) of T's weight and at least min(2, |T|) distinct terms.
//  5. A sentence without markers is flagged when it makes a claim: it has two or more content terms and is
//     not the "could not find" sentence. Sentences with fewer content terms ("In short:") need no citation.
import type { Analyzer } from '../search/analyzers.js';
import { contentTerms, MARKER_GROUP, markersIn, NOT_FOUND_PATTERN, splitSentences, type SentenceSpan } from './text.js';
import type { AnswerSentence, RemovedCitation } from './types.js';

/** A provided source as the checker sees it: its marker and full text. */
export interface CheckSource {
  marker: number;
  text: string;
}

interface Window {
  text: string;
  terms: Set<string>;
}

export interface SourceIndex {
  /** Weight of a term (rarer among the sources' sentences → heavier). */
  weight(term: string): number;
  windows(marker: number): Window[] | undefined;
  analyzer: Analyzer;
}

/** Pre-splits every source into sentence windows and counts document frequencies over those sentences. */
export function indexSources(sources: readonly CheckSource[], analyzer: Analyzer): SourceIndex {
  const df = new Map<string, number>();
  let n = 0;
  const byMarker = new Map<number, Window[]>();
  for (const s of sources) {
    const spans = splitSentences(s.text);
    const sentences = spans.map((sp) => ({ text: sp.text, terms: contentTerms(sp.text, analyzer) }));
    n += sentences.length;
    for (const sen of sentences) for (const t of sen.terms) df.set(t, (df.get(t) ?? 0) + 1);
    const windows: Window[] = [...sentences];
    for (let i = 0; i + 1 < spans.length; i++) {
      windows.push({
        text: s.text.slice(spans[i]!.start, spans[i + 1]!.end),
        terms: new Set([...sentences[i]!.terms, ...sentences[i + 1]!.terms]),
      });
    }
    byMarker.set(s.marker, windows);
  }
  return {
    analyzer,
    weight: (t) => Math.log(1 + (n + 1) / ((df.get(t) ?? 0) + 0.5)),
    windows: (m) => byMarker.get(m),
  };
}

/** Weighted share of `terms` found in `window`, and how many distinct terms matched. */
export function coverage(terms: ReadonlySet<string>, window: ReadonlySet<string>, weight: (t: string) => number) {
  let total = 0;
  let hit = 0;
  let matched = 0;
  for (const t of terms) {
    const w = weight(t);
    total += w;
    if (window.has(t)) {
      hit += w;
      matched++;
    }
  }
  return { share: total === 0 ? 0 : hit / total, matched };
}

/** The window of a source that best supports `terms`; ties keep the earlier (single-sentence) window. */
function bestWindow(terms: ReadonlySet<string>, windows: readonly Window[], weight: (t: string) => number) {
  let best: { window: Window; share: number; matched: number } | undefined;
  for (const w of windows) {
    const c = coverage(terms, w.terms, weight);
    // A two-sentence window must add something over its better half to be preferred (shorter quotes read better).
    if (!best || c.share > best.share + 1e-9) best = { window: w, ...c };
  }
  return best;
}

export interface CheckResult {
  /** The text with out-of-range markers removed (valid markers untouched). */
  text: string;
  sentences: AnswerSentence[];
  removed: RemovedCitation[];
}

/** Checks one answer text against the provided sources (see the rule at the top of this file). */
export function checkAnswer(raw: string, index: SourceIndex, minSupport: number): CheckResult {
  const removed: RemovedCitation[] = [];
  const spans = splitSentences(raw);
  // Rewrite marker groups without the invalid markers; remember which sentence each removal was in.
  const sentenceAt = (offset: number) => Math.max(0, spans.findIndex((s) => offset < s.end));
  const text = raw
    .replace(MARKER_GROUP, (group: string, inner: string, offset: number) => {
      const valid: number[] = [];
      const all = markersIn(inner);
      for (const m of all) {
        if (index.windows(m)) {
          if (!valid.includes(m)) valid.push(m);
        } else removed.push({ marker: m, sentence: sentenceAt(offset) });
      }
      if (valid.length === all.length) return group;
      return valid.length === 0 ? '' : `[${valid.join(', ')}]`;
    })
    .replace(/[ \t]+([.,;:!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  const sentences = splitSentences(text).map((s) => checkSentence(s, index, minSupport));
  return { text, sentences, removed };
}

/** Support of one sentence by the sources it cites. */
export function checkSentence(span: SentenceSpan, index: SourceIndex, minSupport: number): AnswerSentence {
  const cited: number[] = [];
  for (const m of span.text.matchAll(MARKER_GROUP)) for (const n of markersIn(m[1]!)) if (index.windows(n) && !cited.includes(n)) cited.push(n);
  const terms = contentTerms(span.text, index.analyzer);
  const base = { text: span.text, citations: cited };
  if (cited.length === 0) {
    const claim = terms.size >= 2 && !NOT_FOUND_PATTERN.test(span.text);
    return { ...base, supported: !claim, reason: claim ? 'no-citation' : 'no-claim', evidence: [] };
  }
  const evidence: AnswerSentence['evidence'] = [];
  const union = new Set<string>();
  for (const m of cited) {
    const best = bestWindow(terms, index.windows(m)!, index.weight);
    if (!best) {
      evidence.push({ marker: m, quote: '', support: 0 });
      continue;
    }
    // A source that shares nothing with the sentence has no span to quote.
    evidence.push({ marker: m, quote: best.share > 0 ? best.window.text : '', support: round(best.share) });
    for (const t of best.window.terms) if (terms.has(t)) union.add(t);
  }
  if (terms.size === 0) return { ...base, supported: true, reason: 'no-claim', evidence };
  const { share, matched } = coverage(terms, union, index.weight);
  const ok = share >= minSupport && matched >= Math.min(2, terms.size);
  return { ...base, supported: ok, reason: ok ? 'supported' : 'weak-support', evidence };
}

/**
 * How relevant a source is to the question: the share of the question's distinct content terms it contains,
 * with at least min(2, |Q|) of them present. Below `minRelevance` for every source, nothing relevant was found.
 */
export function relevance(question: ReadonlySet<string>, source: ReadonlySet<string>): { share: number; matched: number } {
  let matched = 0;
  for (const t of question) if (source.has(t)) matched++;
  return { share: question.size === 0 ? 0 : matched / question.size, matched };
}

export function isRelevant(question: ReadonlySet<string>, source: ReadonlySet<string>, minRelevance: number): boolean {
  const r = relevance(question, source);
  return question.size > 0 && r.share >= minRelevance && r.matched >= Math.min(2, question.size);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
