// In-memory BM25 index over analyzed chunks (Lucene's BM25 formula), plus the compact term-frequency
// encoding stored per chunk so an index can be rebuilt from the store without re-analysing text.
import { StrataError } from '../core/errors.js';

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalization, 0 (none) to 1 (full). */
  b: number;
}

/** Anserini's BM25 defaults, tuned for short passages and abstracts (see bench/lexical-tune.ts). */
export const DEFAULT_BM25: Readonly<Bm25Params> = { k1: 0.9, b: 0.4 };

export interface Bm25Hit {
  key: number;
  score: number;
}

export interface Bm25SearchOptions {
  limit: number;
  /** Pre-filter: only keys it accepts compete for the top `limit` (permissions, metadata filters). */
  accept?: (key: number) => boolean;
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
  for (const [t, n] of tf) {
    if (t === '' || t.includes(' ')) {
      throw new StrataError('search', 'internal', `cannot encode the term ${JSON.stringify(t)}: terms must be non-empty and space-free`);
    }
    parts.push(n === 1 && !t.includes(':') ? t : `${t}:${n}`);
  }
  return parts.join(' ');
}

/** Inverse of encodeTermFreqs; calls `fn` once per distinct term. */
export function forEachTermFreq(encoded: string, fn: (term: string, tf: number) => void): void {
  if (encoded === '') return;
  for (const entry of encoded.split(' ')) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) fn(entry, 1);
    else fn(entry.slice(0, colon), Number(entry.slice(colon + 1)));
  }
}

export function decodeTermFreqs(encoded: string): Map<string, number> {
  const out = new Map<string, number>();
  forEachTermFreq(encoded, (t, n) => out.set(t, (out.get(t) ?? 0) + n));
  return out;
}

// Postings are one plain array of small integers, slot and tf interleaved: V8 stores it unboxed
// (PACKED_SMI_ELEMENTS), pushes are amortized and scans are as fast as a typed array, without reallocating
// thousands of small typed arrays while a collection loads; interleaving halves the memory touched.
interface Postings {
  entries: number[];
  /** Live documents containing the term (postings may still hold removed ones until compaction). */
  df: number;
}

const grow = <T extends Float32Array | Float64Array | Uint8Array>(a: T, need: number): T => {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 8));
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
  const termIds = new Map<string, number>();
  const postings: Postings[] = [];
  // Documents live in dense slots so scores accumulate in a flat array; removal leaves a tombstone
  // that compaction reclaims once tombstones are a quarter of the slots.
  let slotKey = new Float64Array(64);
  let slotLen = new Float32Array(64);
  let alive = new Uint8Array(64);
  let slotTerms: (number[] | null)[] = []; // the document's term ids, for df bookkeeping and compaction
  let slotTfs: (number[] | null)[] = [];
  let slots = 0;
  let dead = 0;
  let live = 0;
  let totalLen = 0;
  const slotOf = new Map<number, number>();
  let acc = new Float64Array(64);
  let touched = new Int32Array(64);

  const termId = (t: string): number => {
    let id = termIds.get(t);
    if (id === undefined) {
      id = postings.length;
      termIds.set(t, id);
      postings.push({ entries: [], df: 0 });
    }
    return id;
  };

  const place = (slot: number, ids: number[], tfs: number[]): void => {
    for (let i = 0; i < ids.length; i++) {
      const p = postings[ids[i]!]!;
      p.entries.push(slot, tfs[i]!);
    }
  };

  const compact = (): void => {
    // Terms no live document uses any more are dropped from the dictionary; the rest are renumbered.
    const remap = new Int32Array(postings.length).fill(-1);
    let kept = 0;
    for (let id = 0; id < postings.length; id++) {
      const p = postings[id]!;
      p.entries.length = 0;
      if (p.df > 0) {
        remap[id] = kept;
        postings[kept++] = p;
      }
    }
    postings.length = kept;
    for (const [t, id] of termIds) {
      if (remap[id]! < 0) termIds.delete(t);
      else termIds.set(t, remap[id]!);
    }
    let next = 0;
    const terms2: (number[] | null)[] = [];
    const tfs2: (number[] | null)[] = [];
    for (let s = 0; s < slots; s++) {
      if (!alive[s]) continue;
      const ids = slotTerms[s]!;
      for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]!]!;
      slotKey[next] = slotKey[s]!;
      slotLen[next] = slotLen[s]!;
      alive[next] = 1;
      slotOf.set(slotKey[s]!, next);
      terms2.push(slotTerms[s]!);
      tfs2.push(slotTfs[s]!);
      place(next, slotTerms[s]!, slotTfs[s]!);
      next++;
    }
    alive.fill(0, next);
    slots = next;
    dead = 0;
    slotTerms = terms2;
    slotTfs = tfs2;
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
      if (slotOf.has(key)) index.remove(key);
      // Parsed inline (no per-entry closure): loading a collection is dominated by this loop.
      const ids: number[] = [];
      const tfs: number[] = [];
      const n = encodedTerms.length;
      for (let at = 0, colon = -1, i = 0; i <= n; i++) {
        const c = i < n ? encodedTerms.charCodeAt(i) : 32;
        if (c === 58 /* : */) colon = i;
        if (c !== 32 /* space */) continue;
        if (i > at) {
          const hasTf = colon > at;
          const id = termId(encodedTerms.slice(at, hasTf ? colon : i));
          ids.push(id);
          tfs.push(hasTf ? Number(encodedTerms.slice(colon + 1, i)) : 1);
          postings[id]!.df++;
        }
        at = i + 1;
        colon = -1;
      }
      const slot = slots++;
      slotKey = grow(slotKey, slots);
      slotLen = grow(slotLen, slots);
      alive = grow(alive, slots);
      slotKey[slot] = key;
      slotLen[slot] = termCount;
      alive[slot] = 1;
      slotTerms[slot] = ids;
      slotTfs[slot] = tfs;
      place(slot, ids, tfs);
      slotOf.set(key, slot);
      live++;
      totalLen += termCount;
    },
    remove(key) {
      const slot = slotOf.get(key);
      if (slot === undefined) return false;
      for (const id of slotTerms[slot]!) postings[id]!.df--;
      alive[slot] = 0;
      slotTerms[slot] = null;
      slotTfs[slot] = null;
      slotOf.delete(key);
      live--;
      dead++;
      totalLen -= slotLen[slot]!;
      if (dead > 64 && dead * 4 > slots) compact();
      return true;
    },
    search(queryTerms, { limit, accept }) {
      if (!(limit > 0) || live === 0) return [];
      // distinct query terms with their query frequency, in first-occurrence order (fixed summation order)
      const qf = new Map<number, number>();
      for (const t of queryTerms) {
        const id = termIds.get(t);
        if (id !== undefined && postings[id]!.df > 0) qf.set(id, (qf.get(id) ?? 0) + 1);
      }
      if (qf.size === 0) return [];
      if (acc.length < slots) {
        acc = new Float64Array(slotKey.length);
        touched = new Int32Array(slotKey.length);
      }
      // Lucene: idf · tf / (tf + k1·(1 − b + b·len/avgdl)); the length norm is folded into two constants.
      const avgdl = totalLen / live || 1;
      const normBase = k1 * (1 - b);
      const normPerLen = (k1 * b) / avgdl;
      let nTouched = 0;
      for (const [id, n] of qf) {
        const p = postings[id]!;
        const w = n * Math.log(1 + (live - p.df + 0.5) / (p.df + 0.5));
        const e = p.entries;
        for (let i = 0; i < e.length; i += 2) {
          const s = e[i]!;
          const tf = e[i + 1]!;
          const prev = acc[s]!;
          if (prev === 0) touched[nTouched++] = s;
          acc[s] = prev + (w * tf) / (tf + normBase + normPerLen * slotLen[s]!);
        }
      }
      const top = new TopK(limit);
      for (let i = 0; i < nTouched; i++) {
        const s = touched[i]!;
        const score = acc[s]!;
        acc[s] = 0;
        if (!alive[s]) continue;
        const key = slotKey[s]!;
        if (accept && !accept(key)) continue;
        top.offer(key, score);
      }
      return top.sorted();
    },
  };
  return index;
}

/** Bounded min-heap keeping the best `k` hits; the root is the worst kept (lowest score, then highest key). */
class TopK {
  private readonly keys: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  // a is worse than b
  private worse(a: number, b: number): boolean {
    const sa = this.scores[a]!;
    const sb = this.scores[b]!;
    return sa < sb || (sa === sb && this.keys[a]! > this.keys[b]!);
  }

  offer(key: number, score: number): void {
    const { keys, scores } = this;
    if (keys.length < this.k) {
      keys.push(key);
      scores.push(score);
      let i = keys.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    const rootScore = scores[0]!;
    if (score < rootScore || (score === rootScore && key > keys[0]!)) return;
    keys[0] = key;
    scores[0] = score;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < keys.length && this.worse(l, m)) m = l;
      if (r < keys.length && this.worse(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const { keys, scores } = this;
    const k = keys[i]!;
    keys[i] = keys[j]!;
    keys[j] = k;
    const s = scores[i]!;
    scores[i] = scores[j]!;
    scores[j] = s;
  }

  sorted(): Bm25Hit[] {
    return this.keys
      .map((key, i) => ({ key, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.key - b.key);
  }
}
