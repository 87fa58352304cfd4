// In-memory BM25 index over analyzed chunks (Lucene's BM25 formula), plus the compact term-frequency
// encoding stored per chunk so an index can be rebuilt from the store without re-analysing text.
import { StrataError } from '../core/errors.js';

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalization, 0 (none) to 1 (full). */
  b: number;
}

/**
 * Lucene's and Elasticsearch's defaults. On SciFact they matched or beat Anserini's k1=0.9 b=0.4 on both
 * halves of a held-out split, and a grid search did no better on the unseen half (bench/lexical-tune.ts).
 */
export const DEFAULT_BM25: Readonly<Bm25Params> = { k1: 1.2, b: 0.75 };

export interface Bm25Hit {
  key: number;
  score: number;
}

export interface Bm25SearchOptions {
  limit: number;
  /** Pre-filter: only keys it accepts compete for the top `limit` (permissions, metadata filters). */
  accept?: (key: number) => boolean;
  /** Called once for every accepted matching key, before the top-k cut (totals and facets). */
  onMatch?: (key: number) => void;
}

export interface Bm25Index {
  /** Adds a document; adding a key that is already present replaces it. */
  add(key: number, encodedTerms: string, termCount: number): void;
  /** Removes a document; unknown keys are ignored. Returns whether something was removed. */
  remove(key: number): boolean;
  has(key: number): boolean;
  /** Live documents. */
  readonly size: number;
  /**
   * Top documents for the analyzed query, by score desc then key asc. A term repeated in the query counts
   * once per occurrence (its weight is multiplied by its query frequency), as in Lucene's BooleanQuery and
   * Anserini's bag-of-words queries.
   */
  search(queryTerms: string[], opts: Bm25SearchOptions): Bm25Hit[];
}

/**
 * Encodes a term list as space-separated `term` or `term:tf` entries (tf written only when > 1), in order of
 * first occurrence. Readable in the database and parsed with one split. A term that itself contains ':'
 * always carries its tf, and decoding splits at the last ':'.
 */
export function encodeTermFreqs(terms: string[]): string {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  const parts: string[] = [];
  for (const [t, n] of tf) parts.push(encodeEntry(t, n));
  return parts.join(' ');
}

/**
 * The same encoding from terms already counted: `terms` distinct, in order of first occurrence, `freqs[i]`
 * the count of `terms[i]` (what Analyzer.termFreqs returns), so indexing needs no term list and no Map.
 */
export function encodeTermCounts(terms: readonly string[], freqs: readonly number[]): string {
  const parts = new Array<string>(terms.length);
  for (let i = 0; i < terms.length; i++) parts[i] = encodeEntry(terms[i]!, freqs[i]!);
  return parts.join(' ');
}

const TF_SUFFIX = Array.from({ length: 64 }, (_, tf) => `:${tf}`); // most tfs are small: no number formatting

function encodeEntry(term: string, tf: number): string {
  if (term === '' || term.includes(' ')) {
    throw new StrataError('search', 'internal', `cannot encode the term ${JSON.stringify(term)}: terms must be non-empty and space-free`);
  }
  if (tf === 1 && !term.includes(':')) return term;
  return term + (TF_SUFFIX[tf] ?? `:${tf}`);
}

/**
 * Inverse of encodeTermFreqs; calls `fn` once per entry. A char-code loop rather than split(): loading a
 * collection's index is dominated by this parse.
 */
export function forEachTermFreq(encoded: string, fn: (term: string, tf: number) => void): void {
  const n = encoded.length;
  for (let at = 0, colon = -1, i = 0; i <= n; i++) {
    const c = i < n ? encoded.charCodeAt(i) : 32;
    if (c === 58 /* : */) colon = i;
    if (c !== 32 /* space */) continue;
    if (i > at) {
      if (colon > at) {
        const tf = Number(encoded.slice(colon + 1, i));
        if (!(tf >= 1)) throw new StrataError('search', 'internal', `corrupt term frequencies near ${JSON.stringify(encoded.slice(at, i))}`);
        fn(encoded.slice(at, colon), tf);
      } else fn(encoded.slice(at, i), 1);
    }
    at = i + 1;
    colon = -1;
  }
}

export function decodeTermFreqs(encoded: string): Map<string, number> {
  const out = new Map<string, number>();
  forEachTermFreq(encoded, (t, n) => out.set(t, (out.get(t) ?? 0) + n));
  return out;
}

type Growable = Int32Array | Float32Array | Float64Array | Uint8Array;
const grow = <T extends Growable>(a: T, need: number): T => {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  next.set(a);
  return next;
};

export function createBm25Index(params: Bm25Params = DEFAULT_BM25): Bm25Index {
  const { k1, b } = params;
  if (!(k1 >= 0) || !(b >= 0 && b <= 1)) {
    throw new StrataError('search', 'config', `invalid BM25 parameters k1=${k1} b=${b}`, {
      details: { k1, b },
      hint: 'use k1 ≥ 0 (typically 0.6–2.0) and b between 0 and 1',
    });
  }
  // Forward index: documents live in dense slots, each with a range of [termId, tf] pairs in one flat
  // array (`fwd`, garbage from removals is reclaimed by the next rebuild). The inverted index
  // is derived from it in one pass (CSR: per-term ranges of two flat typed arrays, slots ascending) the first
  // time a search follows a change. Bulk loading is then parse-and-append only, with no per-term arrays for
  // the garbage collector to move; removals are tombstones until a rebuild renumbers the slots.
  const termIds = new Map<string, number>();
  let df = new Int32Array(1024); // live documents per term, kept exact between rebuilds for idf
  let slotKey = new Float64Array(64);
  let slotLen = new Float32Array(64);
  let alive = new Uint8Array(64);
  let slotFwd = new Int32Array(64); // start of the slot's pairs in fwd; they end where the next slot's begin
  let fwd = new Int32Array(4096);
  let fwdUsed = 0;
  let slots = 0;
  let live = 0;
  let totalLen = 0;
  const slotOf = new Map<number, number>();
  let stale = false;
  let offsets = new Int32Array(1); // postings of term t: [offsets[t], offsets[t + 1])
  let postSlots = new Int32Array(0);
  // Per posting, tf / (tf + k1·(1 − b + b·len/avgdl)) for the average length `impactsAvgdl`: a query then adds
  // idf · impact per posting, with no division and no random read of the document's length.
  let impacts = new Float64Array(0);
  let impactsAvgdl = Number.NaN;
  let acc = new Float64Array(0);
  let touched = new Int32Array(0);

  const rebuild = (): void => {
    // Renumber live slots densely and drop terms no live document uses.
    const remap = new Int32Array(termIds.size).fill(-1);
    let terms = 0;
    for (let t = 0; t < termIds.size; t++) if (df[t]! > 0) remap[t] = terms++;
    for (const [term, t] of termIds) {
      if (remap[t]! < 0) termIds.delete(term);
      else termIds.set(term, remap[t]!);
    }
    const df2 = new Int32Array(Math.max(terms * 2, 1024));
    const fwd2 = new Int32Array(Math.max(fwdUsed, 4096));
    let used = 0;
    let next = 0;
    for (let s = 0; s < slots; s++) {
      if (!alive[s]) continue;
      slotKey[next] = slotKey[s]!;
      slotLen[next] = slotLen[s]!;
      slotOf.set(slotKey[next]!, next);
      const start = used;
      for (let i = slotFwd[s]!, end = slotFwd[s + 1]!; i < end; i += 2) {
        const t = remap[fwd[i]!]!;
        df2[t]!++;
        fwd2[used++] = t;
        fwd2[used++] = fwd[i + 1]!;
      }
      slotFwd[next++] = start;
    }
    slots = next;
    slotFwd[slots] = used;
    alive.fill(1, 0, slots).fill(0, slots);
    fwd = fwd2;
    fwdUsed = used;
    df = df2;
    offsets = new Int32Array(terms + 1);
    for (let t = 0; t < terms; t++) offsets[t + 1] = offsets[t]! + df[t]!;
    postSlots = new Int32Array(offsets[terms]!);
    impacts = new Float64Array(offsets[terms]!);
    const cursor = offsets.slice(0, terms);
    for (let s = 0; s < slots; s++) {
      for (let i = slotFwd[s]!, end = slotFwd[s + 1]!; i < end; i += 2) postSlots[cursor[fwd[i]!]!++] = s;
    }
    impactsAvgdl = Number.NaN;
    acc = new Float64Array(slots);
    touched = new Int32Array(slots);
    stale = false;
  };

  /** Recomputes every posting's impact for this average length (after a rebuild, or removals that moved it). */
  const fillImpacts = (avgdl: number): void => {
    const normBase = k1 * (1 - b);
    const normPerLen = (k1 * b) / avgdl;
    // Postings were laid out slot by slot in forward-index order (rebuild); walk them the same way.
    const cursor = offsets.slice(0, offsets.length - 1);
    for (let s = 0; s < slots; s++) {
      const norm = normBase + normPerLen * slotLen[s]!;
      for (let i = slotFwd[s]!, end = slotFwd[s + 1]!; i < end; i += 2) {
        const tf = fwd[i + 1]!;
        impacts[cursor[fwd[i]!]!++] = tf / (tf + norm);
      }
    }
    impactsAvgdl = avgdl;
  };

  const index: Bm25Index = {
    get size() {
      return live;
    },
    has: (key) => slotOf.has(key),
    add(key, encodedTerms, termCount) {
      if (!Number.isFinite(key) || !(termCount >= 0)) {
        throw new StrataError('search', 'invalid-input', `bad BM25 document: key=${key} termCount=${termCount}`, {
          hint: 'keys must be finite numbers and termCount the number of analyzed terms (≥ 0)',
        });
      }
      const start = fwdUsed;
      try {
        forEachTermFreq(encodedTerms, (term, tf) => {
          let t = termIds.get(term);
          if (t === undefined) {
            t = termIds.size;
            termIds.set(term, t);
            df = grow(df, t + 1);
          }
          df[t]!++;
          fwd = grow(fwd, fwdUsed + 2);
          fwd[fwdUsed++] = t;
          fwd[fwdUsed++] = tf;
        });
      } catch (err) {
        for (let i = start; i < fwdUsed; i += 2) df[fwd[i]!]!--; // leave the index as it was
        fwdUsed = start;
        throw err;
      }
      if (slotOf.has(key)) index.remove(key);
      const slot = slots++;
      slotKey = grow(slotKey, slots);
      slotLen = grow(slotLen, slots);
      alive = grow(alive, slots);
      slotFwd = grow(slotFwd, slots + 1);
      slotFwd[slot] = start;
      slotFwd[slots] = fwdUsed;
      slotKey[slot] = key;
      slotLen[slot] = termCount;
      alive[slot] = 1;
      slotOf.set(key, slot);
      live++;
      totalLen += termCount;
      stale = true;
    },
    remove(key) {
      const slot = slotOf.get(key);
      if (slot === undefined) return false;
      for (let i = slotFwd[slot]!, end = slotFwd[slot + 1]!; i < end; i += 2) df[fwd[i]!]!--;
      alive[slot] = 0;
      slotOf.delete(key);
      live--;
      totalLen -= slotLen[slot]!;
      if ((slots - live) * 4 > slots && slots - live > 64) stale = true; // reclaim tombstones
      return true;
    },
    search(queryTerms, { limit, accept, onMatch }) {
      if (!(limit > 0) || live === 0) return [];
      if (stale) rebuild();
      // distinct query terms with their query frequency, in first-occurrence order (fixed summation order)
      const qf = new Map<number, number>();
      for (const term of queryTerms) {
        const t = termIds.get(term);
        if (t !== undefined && df[t]! > 0) qf.set(t, (qf.get(t) ?? 0) + 1);
      }
      // Lucene: idf · tf / (tf + k1·(1 − b + b·len/avgdl)), the second factor precomputed per posting.
      const avgdl = totalLen / live || 1;
      if (avgdl !== impactsAvgdl) fillImpacts(avgdl);
      let nTouched = 0;
      for (const [t, n] of qf) {
        const w = n * Math.log(1 + (live - df[t]! + 0.5) / (df[t]! + 0.5));
        for (let i = offsets[t]!, end = offsets[t + 1]!; i < end; i++) {
          const s = postSlots[i]!;
          const prev = acc[s]!;
          if (prev === 0) touched[nTouched++] = s;
          acc[s] = prev + w * impacts[i]!;
        }
      }
      const top = new TopK(limit);
      let i = 0;
      try {
        for (; i < nTouched; i++) {
          const s = touched[i]!;
          const score = acc[s]!;
          acc[s] = 0;
          if (!alive[s]) continue;
          const key = slotKey[s]!;
          // A document that cannot enter the full heap needs no access check, unless every match is wanted.
          if (!onMatch && !top.admits(key, score)) continue;
          if (accept && !accept(key)) continue;
          onMatch?.(key);
          top.offer(key, score);
        }
      } finally {
        // A throwing accept/onMatch must not leave scores behind for the next search.
        for (; i < nTouched; i++) acc[touched[i]!] = 0;
      }
      return top.sorted();
    },
  };
  return index;
}

/** Bounded min-heap of the best `k` hits; the root is the worst kept (lowest score, then highest key). */
class TopK {
  private readonly heap: Bm25Hit[] = [];
  constructor(private readonly k: number) {}

  /** Whether `offer` would keep this hit (always while the heap is not full). */
  admits(key: number, score: number): boolean {
    const h = this.heap;
    return h.length < this.k || score > h[0]!.score || (score === h[0]!.score && key < h[0]!.key);
  }

  offer(key: number, score: number): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push({ key, score });
      for (let i = h.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(h[i]!, h[parent]!)) break;
        [h[i], h[parent]] = [h[parent]!, h[i]!];
        i = parent;
      }
    } else if (score > h[0]!.score || (score === h[0]!.score && key < h[0]!.key)) {
      h[0] = { key, score };
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let m = i;
        if (l < h.length && worse(h[l]!, h[m]!)) m = l;
        if (l + 1 < h.length && worse(h[l + 1]!, h[m]!)) m = l + 1;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
  }

  sorted(): Bm25Hit[] {
    return this.heap.sort((a, b) => b.score - a.score || a.key - b.key);
  }
}

const worse = (a: Bm25Hit, b: Bm25Hit): boolean => a.score < b.score || (a.score === b.score && a.key > b.key);
