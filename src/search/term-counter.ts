// Counting an analyzer's terms for indexing: what `Analyzer.terms` gives, as distinct terms with frequencies.
// Ingestion analyzes every chunk once, so this path avoids what `terms` + encodeTermFreqs pay per token: a
// sliced string, a Map lookup that hashes it, a list entry and a second Map for the counts. Plain ASCII
// tokens are looked up by a hash computed while they are cut, in a table of the raw tokens seen so far, and
// counted by term id. Tests check it against `terms` on every SciFact abstract.
import { ASCII_WORD, endsPlainWord, TOKEN_STICKY_RE } from './grammar.js';

export interface TermFreqs {
  /** Distinct terms, in order of first occurrence. */
  terms: string[];
  /** `freqs[i]` is how often `terms[i]` occurs. */
  freqs: number[];
  /** All occurrences: the length of `terms(text)`. */
  total: number;
}

/** What the counter needs from its analyzer. */
export interface TermCounterParts {
  /** A plain raw token's term, or '' when it is dropped (a stopword). Called once per distinct raw token. */
  analyze(raw: string): string;
  /** Emits, in order, the terms of one TOKEN_STICKY_RE match (hyphenated parts, apostrophes, ids). */
  emitMatch(match: string, at: number, emit: (term: string) => void): void;
  /** Above this many remembered raw tokens, or terms, the tables start afresh (bounded memory). */
  limit: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Not reentrant (one call at a time, which a synchronous function guarantees). */
export function createTermCounter({ analyze, emitMatch, limit }: TermCounterParts): (text: string) => TermFreqs {
  let termOf: string[] = []; // term id → term
  let idOf = new Map<string, number>();
  // Buffers start small so that their growth paths run before the JIT optimizes this code: a path first
  // taken in optimized code costs a deoptimization and a recompile.
  let counts: Int32Array = new Int32Array(16); // per call, by term id; all zero between calls
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
  // Tokens for the full grammar (hyphenated, decimals, non-ASCII): match text → where its term ids are in
  // `matchTerms`, as [count, ...ids]. One flat buffer rather than an array per match, which the garbage
  // collector would have to move to the old generation.
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

  const countMatch = (match: string, at: number): void => {
    let start = matchAt.get(match);
    if (start === undefined) {
      const ids: number[] = [];
      emitMatch(match, at, (term) => ids.push(idFor(term)));
      start = matchUsed;
      matchUsed += ids.length + 1;
      if (matchUsed > matchTerms.length) matchTerms = grown(matchTerms, matchUsed);
      matchTerms[start] = ids.length;
      matchTerms.set(ids, start + 1);
      matchAt.set(match, start);
    }
    for (let k = start + 1, end = k + matchTerms[start]!; k < end; k++) count(matchTerms[k]!);
  };

  return (text) => {
    for (const id of order) counts[id] = 0; // only after a call that threw
    order.length = 0;
    if (entries + matchAt.size >= limit || termOf.length >= limit) {
      termOf = [];
      idOf = new Map();
      slots.fill(0);
      entries = 0;
      poolUsed = 0;
      matchAt = new Map();
      matchUsed = 0;
    }
    total = 0;
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
          if (id >= 0) count(id);
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
      countMatch(m[0], i);
      i = TOKEN_STICKY_RE.lastIndex;
    }
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
  };
}

function grown<T extends Int32Array | Uint8Array>(a: T, need: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}
