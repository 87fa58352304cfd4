// makeSnippet must give exactly what it gave before it was optimized (regex-free whitespace handling, query
// terms found by analyzer.matches): the previous implementation is kept below, verbatim, as the reference, and both are
// compared on every SciFact abstract (when the corpus is present) and on tricky Unicode text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { getAnalyzer, type Analyzer } from './analyzers.js';
import { createSnippetCache, makeSnippet, type Snippet } from './snippet.js';

// ---- reference: src/search/snippet.ts before the optimization ----
const ELLIPSIS = '…';

/**
 * `queryTerms` are analyzed terms (the analyzer's output for the query), so "running" in the query
 * highlights "runs" in the text when the analyzer stems both to "run".
 */
function referenceSnippet(text: string, queryTerms: ReadonlySet<string>, analyzer: Analyzer, options: { maxChars?: number } = {}): Snippet {
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
// ---- end of reference ----

const analyzers = [getAnalyzer('english'), getAnalyzer('standard')];

/** Compares the reference with makeSnippet, scanning the text and with its token index (as the searcher does). */
function check(text: string, query: string | ReadonlySet<string>, maxChars: number | undefined, analyzer: Analyzer, index = analyzer.tokenIndex(text)): number {
  const terms = typeof query === 'string' ? new Set(analyzer.terms(query)) : query;
  const want = referenceSnippet(text, terms, analyzer, { maxChars });
  const ctx = () => JSON.stringify({ analyzer: analyzer.name, text: text.length > 300 ? `${text.slice(0, 300)}…` : text, terms: [...terms], maxChars });
  assert.deepEqual(makeSnippet(text, terms, analyzer, { maxChars }), want, ctx());
  assert.deepEqual(makeSnippet(text, terms, analyzer, { maxChars, index }), want, ctx());
  return want.highlights.length;
}

const corpus = new URL('../../../shared/datasets/scifact/corpus.jsonl', import.meta.url);
const queriesFile = new URL('../../../shared/datasets/scifact/queries.jsonl', import.meta.url);

test('SciFact: every abstract x several queries and lengths gives the reference snippet', { skip: !existsSync(corpus) && 'SciFact corpus not present' }, () => {
  const docs = readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { title: string; text: string });
  const queries = existsSync(queriesFile)
    ? readFileSync(queriesFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text)
    : [];
  const english = analyzers[0]!;
  let highlights = 0;
  for (const [i, d] of docs.entries()) {
    const texts = i % 8 === 0 ? [`${d.title}\n\n${d.text}`, d.text] : [`${d.title}\n\n${d.text}`];
    for (const text of texts) {
      const index = english.tokenIndex(text);
      // Queries that hit this text: words from its start, middle and end (so windows move), plus SciFact queries.
      const words = text.split(/\s+/).filter(Boolean);
      const pick = (at: number, n: number) => words.slice(Math.floor(at * words.length), Math.floor(at * words.length) + n).join(' ');
      const own = [pick(0, 2), pick(0.5, 3), pick(0.9, 2), `${pick(0.2, 1)} ${pick(0.8, 1)}`, ''];
      const shared = [0, 1, 2].map((k) => queries[(i * 3 + k) % Math.max(queries.length, 1)] ?? 'cancer risk');
      for (const q of [...own, ...shared]) {
        for (const maxChars of i % 8 === 0 ? [240, 60, 16, undefined] : [240, 40]) highlights += check(text, q, maxChars, english, index);
      }
    }
  }
  assert.ok(highlights > docs.length, `only ${highlights} highlights: the queries should match`);
});

test('tricky Unicode, hyphens, apostrophes and whitespace give the reference snippet', () => {
  const pieces = [
    'IL-6', 'COVID‐19', 'HLA‑DR4', 'well-known', 'anti-TNF-α', 'β-cells', "O'Neil's", 'don’t', 'l’homme', 'Smithʼs',
    '0.05', '1,000.5', 'p<0.001', '(95%', 'CI:', 'café', 'CAFÉ', 'naïve', 'ﬁbrosis', 'Straße', 'İstanbul', 'ΣΊΣΥΦΟΣ',
    'Москве', '東京大学', 'ひらがな', 'カタカナ', '😀', '👩‍⚕️', '\ud83d', '\ude00', 'x\u0301', 'e\u0308\u0301', '\ufdfa',
    ' ', '  ', '\n', '\t', '\u00a0', '\u2003', '\u3000', '\u2028', '\u202f', '\ufeff', '\u180e', '\u200b', ' - ', ' — ',
    '...', ',', 'running', 'runs', 'RUNNING', 'Dogs', 'dog', 'the', 'an', 'yes', 'ays', 'aed', '_x_', 'a_b', 'ŉ',
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 1500; round++) {
    let text = '';
    const n = 1 + rand(60);
    for (let i = 0; i < n; i++) text += pieces[rand(pieces.length)]! + (rand(3) === 0 ? '' : ' ');
    for (const analyzer of analyzers) {
      const all = [...new Set(analyzer.terms(text))];
      const terms = new Set(all.filter(() => rand(3) === 0));
      if (rand(4) === 0) terms.add(analyzer.terms(pieces[rand(pieces.length)]!)[0] ?? 'zzz');
      for (const maxChars of [16, 17, 30, 80, 240]) check(text, terms, maxChars, analyzer);
    }
  }
});

test('every UTF-16 code unit is treated as whitespace or not exactly as before', () => {
  const english = analyzers[0]!;
  const terms = new Set(['x', 'y']);
  for (let base = 0; base < 0x10000; base += 128) {
    let text = 'x';
    for (let c = base; c < base + 128; c++) text += `${String.fromCharCode(c)}y ${String.fromCharCode(c)} `;
    for (const maxChars of [100_000, 40, 16]) check(text, terms, maxChars, english);
  }
});

test('the snippet cache is an LRU bounded by tokens, and never serves another text', () => {
  const english = analyzers[0]!;
  const cache = createSnippetCache(10);
  const a = cache.index('a', 'one two three four', english);
  assert.equal(cache.index('a', 'one two three four', english), a);
  cache.index('b', 'five six seven eight', english);
  cache.index('c', 'nine ten eleven twelve', english); // 12 tokens > 10: the least recently used goes
  assert.equal(cache.size, 2);
  assert.ok(cache.tokens <= 10);
  const changed = cache.index('c', 'other text now', english);
  assert.equal(changed.text, 'other text now');
  // A stale or foreign index is ignored: the snippet is the reference one for the given text.
  check('dogs run fast', 'run', 240, english, english.tokenIndex('something else entirely'));
  check('dogs run fast', 'run', 240, english, analyzers[1]!.tokenIndex('dogs run fast'));
});

test('the snippet cache forgets deleted chunks, with their tokens', () => {
  const english = analyzers[0]!;
  const cache = createSnippetCache(100);
  cache.index('a', 'one two three', english);
  cache.index('b', 'four five six', english);
  const before = cache.tokens;
  cache.forget(['a', 'missing']);
  assert.equal(cache.size, 1);
  assert.equal(cache.tokens, before - 3);
});
