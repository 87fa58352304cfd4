// The analyzer's two hot paths over whole texts: counting terms for indexing (what `Analyzer.terms` gives, as
// distinct terms with frequencies) and finding a query's terms in a text for snippets (what
// `Analyzer.tokens(text).filter(…)` gives). Both avoid what `terms`/`tokens` pay per token: a sliced string,
// a Map lookup that hashes it, and an object or list entry. Plain ASCII tokens are looked up by a hash
// computed while they are cut, in a table of the raw tokens seen so far, which gives their term id. Tests
// check both against `terms`/`tokens` on every SciFact abstract and on random text.
import { ASCII_WORD, endsPlainWord, TOKEN_STICKY_RE } from './grammar.js';

export interface TermFreqs {
  /** Distinct terms, in order of first occurrence. */
  terms: string[];
  /** `freqs[i]` is how often `terms[i]` occurs. */
  freqs: number[];
  /** All occurrences: the length of `terms(text)`. */
  total: number;
}

/** A term found in a text, with its UTF-16 offsets (the analyzer's Token). */
export interface TermMatch {
  term: string;
  start: number;
  end: number;
}

/**
 * A text's tokens as [term id, start, end] triples of one scanner, for repeated `matches` on the same text
 * (snippets of a chunk many queries find). 12 bytes a token. Valid while the scanner keeps its term ids.
 */
export interface TokenIndex {
  readonly text: string;
  readonly tokens: Int32Array;
  /** The scanner whose ids these are, and its table generation. */
  readonly scanner: object;
  readonly epoch: number;
}

export interface TermScanner {
  /** The text's terms counted, for indexing. */
  count(text: string): TermFreqs;
  /**
   * The tokens of `text` whose term is in `terms`, in the order `Analyzer.tokens` gives them; from `index`
   * (no scan) when it is a current index of this text.
   */
  matches(text: string, terms: ReadonlySet<string>, index?: TokenIndex): TermMatch[];
  /** `cached` if it is a current index of `text`, else a new one. */
  tokenIndex(text: string, cached?: TokenIndex): TokenIndex;
}

/** What the scanner needs from its analyzer. */
export interface TermCounterParts {
  /** A plain raw token's term, or '' when it is dropped (a stopword). Called once per distinct raw token. */
  analyze(raw: string): string;
  /** Emits, in order, the terms of one TOKEN_STICKY_RE match (hyphenated parts, apostrophes, ids) with offsets. */
  emitMatch(match: string, at: number, emit: (term: string, start: number, end: number) => void): void;
  /** Above this many remembered raw tokens, or terms, the tables start afresh (bounded memory). */
  limit: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Not reentrant (one call at a time, which synchronous functions guarantee). */
export function createTermScanner({ analyze, emitMatch, limit }: TermCounterParts): TermScanner {
  let termOf: string[] = []; // term id → term
  let idOf = new Map<string, number>();
  // Buffers start small so that their growth paths run before the JIT optimizes this code: a path first
  // taken in optimized code costs a deoptimization and a recompile.
  let counts: Int32Array = new Int32Array(16); // per call, by term id; all zero between calls
  let wanted: Uint8Array = new Uint8Array(16); // per `matches` call, 1 for the query's term ids; all zero between calls
  const order: number[] = []; // term ids of this call, in order of first occurrence
  let total = 0;
  // Raw ASCII tokens seen so far: records of four ints [hash, length, term id (-1 = dropped), offset of the
  // token's bytes in `pool`] in order of first sight (so frequent tokens sit together), found through an
  // open-addressing table of record index + 1 (0 = empty) with linear probing, at most half full.
  let slots: Int32Array = new Int32Array(16);
  let records: Int32Array = new Int32Array(16);
  let entries = 0;
  let pool: Uint8Array = new Uint8Array(64);
  let poolUsed = 0;
  // Tokens for the full grammar (hyphenated, decimals, non-ASCII): match text → where its terms are in
  // `matchTerms`, as [count, then per term: id, start, end (offsets within the match)]. One flat buffer rather
  // than an array per match, which the garbage collector would have to move to the old generation.
  let matchAt = new Map<string, number>();
  let matchTerms: Int32Array = new Int32Array(64);
  let matchUsed = 0;

  const count = (id: number): void => {
    const seen = counts[id]!;
    counts[id] = seen + 1;
    if (seen === 0) order.push(id);
    total++;
  };
  const idFor = (term: string): number => {
    let id = idOf.get(term);
    if (id === undefined) {
      id = termOf.length;
      termOf.push(term);
      idOf.set(term, id);
      if (id >= counts.length) counts = grown(counts, id + 1);
      if (id >= wanted.length) wanted = grown(wanted, id + 1);
    }
    return id;
  };

  const slotOf = (h: number, mask: number): number => (h ^ (h >>> 15)) & mask;
  // The term id of the raw token text[i, j) whose FNV-1a hash is h; -1 when it is dropped.
  const asciiTermId = (text: string, i: number, j: number, h: number): number => {
    const len = j - i;
    const mask = slots.length - 1;
    let s = slotOf(h, mask);
    for (let e = slots[s]!; e !== 0; s = (s + 1) & mask, e = slots[s]!) {
      const r = (e - 1) << 2;
      if (records[r] !== h || records[r + 1] !== len) continue;
      let p = records[r + 3]!;
      let k = i;
      while (k < j && pool[p] === text.charCodeAt(k)) {
        k++;
        p++;
      }
      if (k === j) return records[r + 2]!;
    }
    // A new raw token: analyze it once, keep its bytes (all ASCII) and take the empty slot `s`.
    const term = analyze(text.slice(i, j));
    const id = term === '' ? -1 : idFor(term);
    if (poolUsed + len > pool.length) pool = grown(pool, poolUsed + len);
    for (let k = i; k < j; k++) pool[poolUsed++] = text.charCodeAt(k);
    const r = entries << 2;
    if (r + 4 > records.length) records = grown(records, r + 4);
    records[r] = h;
    records[r + 1] = len;
    records[r + 2] = id;
    records[r + 3] = poolUsed - len;
    slots[s] = ++entries;
    if (entries * 2 > slots.length) {
      slots = new Int32Array(slots.length * 2);
      const mask2 = slots.length - 1;
      for (let e = 0; e < entries; e++) {
        let t = slotOf(records[e << 2]!, mask2);
        while (slots[t] !== 0) t = (t + 1) & mask2;
        slots[t] = e + 1;
      }
    }
    return id;
  };

  /** Calls `visit` for each of the match's terms, with offsets in the text (the match starts at `at`). */
  const visitMatch = (match: string, at: number, visit: (id: number, start: number, end: number) => void): void => {
    let start = matchAt.get(match);
    if (start === undefined) {
      const found: number[] = [];
      emitMatch(match, 0, (term, s, e) => found.push(idFor(term), s, e));
      start = matchUsed;
      matchUsed += found.length + 1;
      if (matchUsed > matchTerms.length) matchTerms = grown(matchTerms, matchUsed);
      matchTerms[start] = found.length / 3;
      matchTerms.set(found, start + 1);
      matchAt.set(match, start);
    }
    for (let k = start + 1, end = k + 3 * matchTerms[start]!; k < end; k += 3) visit(matchTerms[k]!, at + matchTerms[k + 1]!, at + matchTerms[k + 2]!);
  };

  let epoch = 0; // bumped whenever the tables start afresh (term ids change meaning)
  /** Bounds memory: called before a scan, never during one (term ids stay valid through a call). */
  const startAfreshIfFull = (): void => {
    if (entries + matchAt.size < limit && termOf.length < limit) return;
    epoch++;
    termOf = [];
    idOf = new Map();
    slots.fill(0);
    entries = 0;
    poolUsed = 0;
    matchAt = new Map();
    matchUsed = 0;
  };

  /** Calls `visit` for every token of `text` that is not dropped, in order, with its term id and offsets. */
  const scan = (text: string, visit: (id: number, start: number, end: number) => void): void => {
    const n = text.length;
    let i = 0;
    // The loop of the analyzer's `scan`, with the hash of a plain ASCII word computed as it is cut.
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        if (ASCII_WORD[c] === 0) {
          i++;
          continue;
        }
        let h = FNV_OFFSET;
        let j = i;
        for (; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d >= 128 || ASCII_WORD[d] === 0) break;
          h = Math.imul(h ^ d, FNV_PRIME);
        }
        if (endsPlainWord(text, j)) {
          const id = asciiTermId(text, i, j, h);
          if (id >= 0) visit(id, i, j);
          i = j;
          continue;
        }
      }
      TOKEN_STICKY_RE.lastIndex = i;
      const m = TOKEN_STICKY_RE.exec(text);
      if (m === null) {
        i += c >= 0xd800 && c <= 0xdbff ? 2 : 1; // not a word character (keep surrogate pairs together)
        continue;
      }
      visitMatch(m[0], i, visit);
      i = TOKEN_STICKY_RE.lastIndex;
    }
  };

  let found: TermMatch[] = [];
  const collect = (id: number, start: number, end: number): void => {
    if (wanted[id] === 1) found.push({ term: termOf[id]!, start, end });
  };
  let triples: Int32Array = new Int32Array(96);
  let used = 0;
  const record = (id: number, start: number, end: number): void => {
    if (used + 3 > triples.length) triples = grown(triples, used + 3);
    triples[used++] = id;
    triples[used++] = start;
    triples[used++] = end;
  };
  const self = {};
  const isCurrent = (index: TokenIndex | undefined, text: string): index is TokenIndex =>
    index !== undefined && index.scanner === self && index.epoch === epoch && index.text === text;

  return {
    count(text) {
      for (const id of order) counts[id] = 0; // only after a call that threw
      order.length = 0;
      total = 0;
      startAfreshIfFull();
      scan(text, count);
      const terms = new Array<string>(order.length);
      const freqs = new Array<number>(order.length);
      for (let k = 0; k < order.length; k++) {
        const id = order[k]!;
        terms[k] = termOf[id]!;
        freqs[k] = counts[id]!;
        counts[id] = 0;
      }
      order.length = 0;
      return { terms, freqs, total };
    },
    matches(text, terms, index) {
      if (terms.size === 0) return [];
      startAfreshIfFull();
      const ids: number[] = [];
      for (const t of terms) ids.push(idFor(t));
      for (const id of ids) wanted[id] = 1;
      found = [];
      try {
        if (isCurrent(index, text)) {
          const tokens = index.tokens;
          for (let k = 0; k < tokens.length; k += 3) collect(tokens[k]!, tokens[k + 1]!, tokens[k + 2]!);
        } else scan(text, collect);
        return found;
      } finally {
        for (const id of ids) wanted[id] = 0;
        found = [];
      }
    },
    tokenIndex(text, cached) {
      startAfreshIfFull();
      if (isCurrent(cached, text)) return cached;
      used = 0;
      scan(text, record);
      return { text, tokens: triples.slice(0, used), scanner: self, epoch };
    },
  };
}

function grown<T extends Int32Array | Uint8Array>(a: T, need: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}
