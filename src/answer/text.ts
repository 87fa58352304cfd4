// Sentence splitting and content words: the units citation checking and extractive answers work on.
// Splitting is rule-based (no model): a sentence ends at . ! ? … followed by whitespace and anything but a
// lower-case letter, or at a blank line or a list item; common abbreviations, initials and decimals do not end
// one. Citation markers written after the full stop ("… grew. [2] Costs …") stay with the sentence before.
import type { Analyzer } from '../search/analyzers.js';

export interface SentenceSpan {
  text: string;
  /** UTF-16 offsets in the source text. */
  start: number;
  end: number;
}

// Lower-cased words that end with a dot without ending a sentence (the dot itself is not included).
const ABBREVIATIONS = new Set(
  ('e.g i.e etc vs al fig figs dr mr mrs ms prof no nos approx ca cf eq eqs ref refs inc ltd co corp st jr sr ' +
    'u.s u.k vol pp ed eds sec art para resp jan feb mar apr jun jul aug sep sept oct nov dec min max est dept')
    .split(' '),
);

/** One or more citation groups such as ` [1]`, `[2, 3]` or `[4–6]`, possibly with spaces between. */
export const MARKER_GROUP = /\[(?:sources?\s*)?(\d{1,3}(?:\s*(?:,|–|-|—)\s*(?:sources?\s*)?\d{1,3})*)\]/gi;
const LIST_ITEM_AHEAD = /^(?:[-*•]|\d{1,3}[.)])\s/;
const TRAILING_MARKERS = /^(?:\s*\[(?:sources?\s*)?\d{1,3}(?:\s*(?:,|–|-|—)\s*(?:sources?\s*)?\d{1,3})*\])+/i;

function wordBefore(text: string, dot: number): string {
  let i = dot;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  return text.slice(i, dot).toLowerCase();
}

/** Whether the punctuation run ending at `end` (exclusive) closes a sentence, judging by what follows. */
function endsSentence(text: string, punctStart: number, after: number): boolean {
  const next = text[after];
  if (next === undefined) return true;
  // Lenient on what may open the next sentence (headings in capitals, escaped line breaks in exported data),
  // strict on lower case: "e.g. travel", "approx. five" and "vs. control" never end one.
  if (/\p{Ll}/u.test(next)) return false;
  if (text[punctStart] !== '.') return true;
  const word = wordBefore(text, punctStart);
  if (ABBREVIATIONS.has(word)) return false;
  // A single letter ("J. Smith", "A. thaliana"), but not a digit ("in 2020. The") or a one-letter word "I".
  if (/^\p{L}$/u.test(word) && word !== 'i') return false;
  return true;
}

/** Splits text into trimmed sentences with their offsets; empty pieces are skipped. */
export function splitSentences(text: string): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s) out.push({ text: text.slice(s, e), start: s, end: e });
    start = end;
  };
  const re = /([.!?…]+["”'’)\]]*)(\s+)|(\n[ \t]*\n)|(\n)(?=\s*(?:[-*•]|\d{1,3}[.)])\s)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[3] !== undefined || m[4] !== undefined) {
      push(m.index);
      continue;
    }
    const punctEnd = m.index + m[1]!.length;
    const after = punctEnd + m[2]!.length;
    // Citation markers after the full stop belong to the sentence they close.
    const trailing = TRAILING_MARKERS.exec(text.slice(punctEnd));
    if (trailing) {
      const markersEnd = punctEnd + trailing[0].length;
      push(markersEnd);
      re.lastIndex = markersEnd;
      continue;
    }
    // A blank line, or a line break before a list item, ends the sentence whatever follows.
    const gap = m[2]!;
    const hardBreak = /\n[ \t]*\n/.test(gap) || (gap.includes('\n') && LIST_ITEM_AHEAD.test(text.slice(after, after + 8)));
    if (hardBreak || endsSentence(text, m.index, after)) push(punctEnd);
    re.lastIndex = after;
  }
  push(text.length);
  return out;
}

/** Markers cited by a group's inner text: `1, 3` → [1, 3]; `4–6` → [4, 5, 6] (ranges capped at 20 markers). */
export function markersIn(inner: string): number[] {
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const nums = part.match(/\d{1,3}/g)?.map(Number) ?? [];
    if (nums.length === 2 && /[–—-]/.test(part) && nums[1]! >= nums[0]! && nums[1]! - nums[0]! < 20) {
      for (let n = nums[0]!; n <= nums[1]!; n++) out.push(n);
    } else out.push(...nums);
  }
  return out;
}

/** Text without its citation markers (for analysis and display of the claim itself). */
export const stripMarkers = (text: string) => text.replace(MARKER_GROUP, ' ').replace(/\s+([.,;:!?])/g, '$1').replace(/\s{2,}/g, ' ').trim();

// Function words beyond the analyzer's 33 Lucene stopwords: they carry no claim, so they must neither make a
// sentence look supported nor make a question look matched.
const FUNCTION_WORDS = (
  'about above after again against all also am any because been before being below between both can could did do ' +
  'does doing down during each few from further had has have having he her here hers herself him himself his how ' +
  'i its itself just me more most my myself nor now off once only other our ours ourselves out over own same she ' +
  'should so some than those through too under until up very we were what when where which while who whom why ' +
  'would you your yours yourself yourselves may might must shall us them one ones per via whether however thus ' +
  'therefore according based source sources document documents provided answer question please'
).split(' ');

const functionTermsByAnalyzer = new WeakMap<Analyzer, Set<string>>();

/** Distinct analyzed content terms of `text`, markers and function words removed. */
export function contentTerms(text: string, analyzer: Analyzer): Set<string> {
  let fn = functionTermsByAnalyzer.get(analyzer);
  if (!fn) {
    fn = new Set(analyzer.terms(FUNCTION_WORDS.join(' ')));
    functionTermsByAnalyzer.set(analyzer, fn);
  }
  const out = new Set<string>();
  for (const t of analyzer.terms(text.replace(MARKER_GROUP, ' '))) if (!fn.has(t)) out.add(t);
  return out;
}

/** The sentence an answer gives when the caller's documents hold nothing relevant. */
export const NOT_FOUND_ANSWER = 'I could not find this in the documents you can access.';
/** Model phrasings of "not in the sources": such a sentence makes no claim that needs a citation. */
export const NOT_FOUND_PATTERN = /\b(could not|couldn't|cannot|can't|can not|unable to|do not|don't|does not|doesn't)\b[^.]*\b(find|found|contain|mention|say|answer|provide|information)\b/i;
