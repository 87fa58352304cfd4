// Query-biased snippets: the window of a chunk that covers the most distinct query terms, cut at word
// boundaries, with the offsets of matched words so any interface (HTML, terminal, JSON) can mark them.
import type { Analyzer } from './analyzers.js';

export interface Snippet {
  text: string;
  /** [start, end) offsets into `text`, sorted and non-overlapping. */
  highlights: [number, number][];
}

export interface SnippetOptions {
  /** Upper bound on the snippet length, ellipses included. */
  maxChars?: number;
}

const ELLIPSIS = '…';

/**
 * `queryTerms` are analyzed terms (the analyzer's output for the query), so "running" in the query
 * highlights "runs" in the text when the analyzer stems both to "run".
 */
export function makeSnippet(text: string, queryTerms: ReadonlySet<string>, analyzer: Analyzer, options: SnippetOptions = {}): Snippet {
  const maxChars = Math.max(options.maxChars ?? 240, 16);
  const matches = queryTerms.size === 0 ? [] : analyzer.tokens(text).filter((t) => queryTerms.has(t.term));
  matches.sort((a, b) => a.start - b.start || a.end - b.end); // joined ids ("il6") come after their parts

  let from = 0;
  let to = text.length;
  if (text.length > maxChars) {
    const budget = maxChars - 2; // room for an ellipsis on each side
    [from, to] = matches.length === 0 ? [0, budget] : bestWindow(matches, budget);
    // Spread the unused budget around the matched span: a third before it, the rest after, clamped to the text.
    const spare = budget - (to - from);
    from = Math.max(0, from - Math.floor(spare / 3));
    to = Math.min(text.length, from + budget);
    from = Math.max(0, to - budget);
    // Cut at word boundaries rather than inside a word, unless that would drop a match (or no space is near,
    // as in CJK text).
    const inside = matches.filter((m) => m.start >= from && m.end <= to);
    const firstStart = inside[0]?.start ?? to;
    const lastEnd = inside.reduce((e, m) => Math.max(e, m.end), from);
    if (from > 0 && !isSpace(text, from - 1)) {
      const ws = text.slice(from, firstStart).search(/\s/);
      if (ws >= 0) from += ws;
    }
    if (to < text.length && !isSpace(text, to)) {
      const ws = lastWhitespace(text, Math.max(from, lastEnd - 1), to);
      if (ws >= lastEnd) to = ws;
    }
    if (isLowSurrogate(text, from)) from++;
    if (to < text.length && isLowSurrogate(text, to)) to--;
  }
  return render(text, from, to, matches);
}

/** The [start, end) span of matched tokens fitting in `budget` chars with the most distinct terms, then most matches. */
function bestWindow(matches: { term: string; start: number; end: number }[], budget: number): [number, number] {
  const counts = new Map<string, number>();
  let best = { distinct: -1, total: -1, from: 0, to: 0 };
  let lo = 0;
  for (let hi = 0; hi < matches.length; hi++) {
    const m = matches[hi]!;
    counts.set(m.term, (counts.get(m.term) ?? 0) + 1);
    while (m.end - matches[lo]!.start > budget && lo < hi) {
      const t = matches[lo++]!.term;
      const n = counts.get(t)! - 1;
      if (n === 0) counts.delete(t);
      else counts.set(t, n);
    }
    const total = hi - lo + 1;
    if (counts.size > best.distinct || (counts.size === best.distinct && total > best.total)) {
      best = { distinct: counts.size, total, from: matches[lo]!.start, to: Math.min(m.end, matches[lo]!.start + budget) };
    }
  }
  return [best.from, best.to];
}

const isSpace = (text: string, i: number): boolean => /\s/.test(text[i] ?? '');
const isLowSurrogate = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
};

function lastWhitespace(text: string, from: number, to: number): number {
  for (let i = to - 1; i > from; i--) if (/\s/.test(text[i]!)) return i;
  return -1;
}

/** Slices [from, to), collapses whitespace runs to one space, adds ellipses, and maps match offsets. */
function render(text: string, from: number, to: number, matches: { start: number; end: number }[]): Snippet {
  const slice = text.slice(from, to);
  const map = new Int32Array(slice.length + 1); // original offset (relative to `from`) → output offset
  let out = from > 0 ? ELLIPSIS : '';
  let prevSpace = true; // leading whitespace is dropped
  for (let i = 0; i < slice.length; i++) {
    map[i] = out.length;
    const ch = slice[i]!;
    if (/\s/.test(ch)) {
      if (!prevSpace) out += ' ';
      prevSpace = true;
    } else {
      out += ch;
      prevSpace = false;
    }
  }
  map[slice.length] = out.length;
  out = out.trimEnd();
  const ranges: [number, number][] = [];
  for (const m of matches) {
    if (m.start < from || m.end > to) continue;
    const s = map[m.start - from]!;
    const e = Math.min(map[m.end - from]!, out.length);
    if (e > s) ranges.push([s, e]);
  }
  if (to < text.length) out += ELLIPSIS;
  return { text: out, highlights: mergeRanges(ranges) };
}

/** Sorts and merges overlapping ranges (hyphenated ids yield "IL", "6" and "IL-6" over the same text). */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Wraps each highlight in `open`/`close`; `escape` is applied to every piece of snippet text (not the marks). */
export function markSnippet(snippet: Snippet, open = '<mark>', close = '</mark>', escape: (s: string) => string = (s) => s): string {
  let out = '';
  let at = 0;
  for (const [s, e] of snippet.highlights) {
    out += escape(snippet.text.slice(at, s)) + open + escape(snippet.text.slice(s, e)) + close;
    at = e;
  }
  return out + escape(snippet.text.slice(at));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Safe to insert as HTML: text is escaped, matches are wrapped in <mark>. */
export const markSnippetHtml = (snippet: Snippet): string => markSnippet(snippet, '<mark>', '</mark>', escapeHtml);

/** Terminal rendering: matches in bold (SGR 1 / 22), so surrounding colours are kept. */
export const markSnippetAnsi = (snippet: Snippet): string => markSnippet(snippet, '\x1b[1m', '\x1b[22m');
