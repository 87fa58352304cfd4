// Query-biased snippets: the window of a chunk that covers the most distinct query terms, cut at word
// boundaries, with the offsets of matched words so any interface (HTML, terminal, JSON) can mark them.
import type { Analyzer, TokenIndex } from './analyzers.js';

export interface Snippet {
  text: string;
  /** [start, end) offsets into `text`, sorted and non-overlapping. */
  highlights: [number, number][];
}

export interface SnippetOptions {
  /** Upper bound on the snippet length, ellipses included. */
  maxChars?: number;
  /** The text's token index (SnippetCache), used when it is a current index of this text. */
  index?: TokenIndex;
}

export interface SnippetCache {
  /** The token index cached under `key` if it is still current for this text, else a new one, cached. */
  index(key: string, text: string, analyzer: Analyzer): TokenIndex;
  /** Drops the entries of these keys (chunks deleted or replaced: their text must not linger in memory). */
  forget(keys: Iterable<string>): void;
  /** Cached texts and their total tokens, and the bound on those tokens. */
  readonly size: number;
  readonly tokens: number;
  readonly maxTokens: number;
}

/**
 * A least-recently-used cache of token indexes (analyzer.tokenIndex) of chunks, bounded by their total tokens
 * at ~12 bytes each plus ~100 per text, so the default 2,000,000 tokens (~8,000 chunks of 250 tokens) take
 * about 25 MB. A chunk found by one query is often found by others; a snippet of a cached chunk reads its
 * matches from the index (~1 µs) instead of scanning the text (~20 µs for 1,500 characters), and building an
 * index costs no more than that scan.
 */
export function createSnippetCache(maxTokens = 2_000_000): SnippetCache {
  const entries = new Map<string, TokenIndex>();
  let tokens = 0;
  const drop = (key: string, e: TokenIndex) => {
    entries.delete(key);
    tokens -= e.tokens.length / 3;
  };
  return {
    index(key, text, analyzer) {
      const hit = entries.get(key);
      const index = analyzer.tokenIndex(text, hit);
      if (hit !== undefined) drop(key, hit);
      entries.set(key, index); // most recently used last
      tokens += index.tokens.length / 3;
      for (const [k, old] of entries) {
        if (tokens <= maxTokens || old === index) break;
        drop(k, old);
      }
      return index;
    },
    forget(keys) {
      for (const k of keys) {
        const e = entries.get(k);
        if (e !== undefined) drop(k, e);
      }
    },
    get size() {
      return entries.size;
    },
    get tokens() {
      return tokens;
    },
    maxTokens,
  };
}

const ELLIPSIS = '…';

/**
 * `queryTerms` are analyzed terms (the analyzer's output for the query), so "running" in the query
 * highlights "runs" in the text when the analyzer stems both to "run".
 */
export function makeSnippet(text: string, queryTerms: ReadonlySet<string>, analyzer: Analyzer, options: SnippetOptions = {}): Snippet {
  const maxChars = Math.max(options.maxChars ?? 240, 16);
  // Only the query's tokens are built: read from the text's token index when there is one, else found by a scan.
  const matches = queryTerms.size === 0 ? [] : analyzer.matches(text, queryTerms, options.index);
  // Joined ids ("il6") come after their parts; otherwise matches are in order, and sorting (which allocates) is skipped.
  if (!inOrder(matches)) matches.sort(byStartThenEnd);

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
      for (let i = from; i < firstStart; i++) {
        if (isSpaceCode(text.charCodeAt(i))) {
          from = i;
          break;
        }
      }
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

/** Whether a UTF-16 code unit is matched by /\s/ (WhiteSpace or LineTerminator), without a regex. */
function isSpaceCode(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0x1680) return c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
// charCodeAt is NaN past the end, which is not a space (as /\s/.test('') is false).
const isSpace = (text: string, i: number): boolean => isSpaceCode(text.charCodeAt(i));
const isLowSurrogate = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
};

function lastWhitespace(text: string, from: number, to: number): number {
  for (let i = to - 1; i > from; i--) if (isSpaceCode(text.charCodeAt(i))) return i;
  return -1;
}

// Any whitespace other than a lone ASCII space (what isSpaceCode accepts, minus ' '), or two spaces in a row.
const MULTI_OR_OTHER_SPACE = /[\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]| {2}/;

/** Slices [from, to), collapses whitespace runs to one space, adds ellipses, and maps match offsets. */
function render(text: string, from: number, to: number, matches: { start: number; end: number }[]): Snippet {
  const n = to - from;
  // Fast path (most prose): no whitespace but single ASCII spaces, so collapsing changes nothing but a
  // leading space and trailing spaces, and offsets shift by a constant. Same output as the loop below.
  const slice = text.slice(from, to);
  if (!MULTI_OR_OTHER_SPACE.test(slice)) {
    const lead = slice.charCodeAt(0) === 32 ? 1 : 0;
    const prefix = from > 0 ? ELLIPSIS : '';
    const body = (lead ? slice.slice(1) : slice).trimEnd();
    const shift = prefix.length - from - lead;
    const limit = prefix.length + body.length;
    const ranges: [number, number][] = [];
    for (const m of matches) {
      if (m.start < from || m.end > to) continue;
      const s = Math.max(m.start + shift, prefix.length);
      const e = Math.min(m.end + shift, limit);
      if (e > s) ranges.push([s, e]);
    }
    return { text: prefix + body + (to < text.length ? ELLIPSIS : ''), highlights: mergeRanges(ranges) };
  }
  const map = new Int32Array(n + 1); // original offset (relative to `from`) → output offset
  // Runs of non-space text are copied whole, each run of spaces becomes one ' ' (none before the first run).
  let out = from > 0 ? ELLIPSIS : '';
  let len = out.length;
  let run = -1; // start of the current non-space run, or -1 inside spaces
  let prevSpace = true; // leading whitespace is dropped
  for (let i = 0; i < n; i++) {
    map[i] = len;
    if (isSpaceCode(text.charCodeAt(from + i))) {
      if (run >= 0) {
        out += text.slice(from + run, from + i);
        run = -1;
      }
      if (!prevSpace) {
        out += ' ';
        len++;
      }
      prevSpace = true;
    } else {
      if (run < 0) run = i;
      len++;
      prevSpace = false;
    }
  }
  if (run >= 0) out += text.slice(from + run, to);
  map[n] = len;
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

const byStartThenEnd = (a: { start: number; end: number }, b: { start: number; end: number }): number => a.start - b.start || a.end - b.end;

function inOrder(matches: readonly { start: number; end: number }[]): boolean {
  for (let i = 1; i < matches.length; i++) if (byStartThenEnd(matches[i - 1]!, matches[i]!) > 0) return false;
  return true;
}

/** Merges overlapping ranges (hyphenated ids yield "IL", "6" and "IL-6" over the same text); they come sorted by start. */
function mergeRanges(ranges: [number, number][]): [number, number][] {
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
