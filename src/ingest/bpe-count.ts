// Fast, exact token counts for gpt-tokenizer's encodings on a cold pass: the library's own pre-split regex
// and vocabulary, looked up and merged without allocating per piece, plus a bounded memo of piece counts.
//
// Why: for every unseen piece the library looks up each candidate pair as bytes, validating and decoding
// them to a string per lookup, and splices arrays; every piece also costs a match array and a string. Here
// pieces are found with a sticky test (no match objects), looked up by their range of the text in a hash
// table of the vocabulary, and merged over a linked list in typed arrays. It reads internals of
// gpt-tokenizer 4.0.0 (pinned exactly in package.json): `fastBpeCounter` checks their shape and
// cross-checks a probe text against the library, and returns undefined when either differs, so the caller
// falls back to the library's countTokens (slower, same numbers).

/** The part of gpt-tokenizer's BytePairEncodingCore read here, typed structurally. */
interface BpeCore {
  /** The pre-tokenizer: a global, unicode regex whose matches are encoded independently. */
  readonly tokenSplitRegex: RegExp;
  /** Every token whose bytes are valid UTF-8, by its string. */
  readonly bytePairStringRankEncoder: ReadonlyMap<string, number>;
  /** Rank of a byte sequence (string lookup when valid UTF-8, else a search of the byte-only tokens). */
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  /** The library's merge of one piece into token ranks. */
  bytePairEncode(piece: string): number[];
}

/** Exact counts of ordinary text: special-token markers such as `<|endoftext|>` count as plain text. */
export interface FastBpeCounter {
  count(text: string): number;
  /** Exact count when it is at most `limit`, else false; stops at the first piece past the limit. */
  countWithin(text: string, limit: number): number | false;
}

// Exercises every path: vocabulary hits, ASCII merges (long words, digit runs, upper-case contractions,
// whitespace runs, code), multi-byte merges (accents, CJK, emoji, combining marks, RTL), a lone surrogate
// and marker text.
const PROBE =
  "Hello  world!\n\n  DON'T they'll   x=f(a_b, 0x1F)//ok\r\n 1234567 Pneumonoultramicroscopic " +
  'naïve café 数据治理平台 😀👍🏽 e\u0301 שלום مرحبا \ud800x <|endoftext|> \t\n';

/** The encoding's BPE core when it has the shape this module relies on, else undefined. */
function coreOf(encoding: unknown): BpeCore | undefined {
  if (typeof encoding !== 'object' || encoding === null) return undefined;
  const core: unknown = Reflect.get(encoding, 'bytePairEncodingCoreProcessor');
  if (typeof core !== 'object' || core === null) return undefined;
  const split: unknown = Reflect.get(core, 'tokenSplitRegex');
  const vocab: unknown = Reflect.get(core, 'bytePairStringRankEncoder');
  const methods = ['getBpeRankFromBytes', 'bytePairEncode'].map((m): unknown => Reflect.get(core, m));
  if (!(split instanceof RegExp) || !split.global || !split.unicode) return undefined;
  if (!(vocab instanceof Map) || vocab.size === 0 || methods.some((m) => typeof m !== 'function')) return undefined;
  return core as BpeCore;
}

/** FNV-1a over the UTF-16 code units of text[a, b). */
function hashOf(text: string, a: number, b: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = a; i < b; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Strings → non-negative numbers, looked up by a range of a text (no slice), open addressing. */
interface RangeTable {
  /** The value of text[a, b), whose hash is `h`, or -1. */
  get(text: string, a: number, b: number, h: number): number;
  /** Adds a key that is not in the table; when it holds `capacity` keys it first forgets them all. */
  add(key: string, h: number, value: number): void;
}

function rangeTable(capacity: number): RangeTable {
  let size = 1;
  while (size < 2 * capacity) size <<= 1; // at most half full, so probe runs stay short
  const mask = size - 1;
  const slots = new Int32Array(size); // entry + 1; 0 when free
  const hashes = new Int32Array(capacity);
  const values = new Int32Array(capacity);
  const keys: string[] = [];
  return {
    get(text, a, b, h) {
      for (let s = h & mask; slots[s] !== 0; s = (s + 1) & mask) {
        const e = slots[s]! - 1;
        if (hashes[e] === h && keys[e]!.length === b - a && text.startsWith(keys[e]!, a)) return values[e]!;
      }
      return -1;
    },
    add(key, h, value) {
      if (keys.length === capacity) {
        keys.length = 0;
        slots.fill(0);
      }
      const e = keys.push(key) - 1;
      hashes[e] = h;
      values[e] = value;
      let s = h & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    },
  };
}

const NO_PAIR = 0x7fffffff; // above every rank: the pair is not a token
// Scratch space, grown on demand (one merge runs at a time).
let nextPart = new Int32Array(64);
let pairRank = new Int32Array(64);
let charAt = new Int32Array(64);
let utf8 = new Uint8Array(64);
const encoder = new TextEncoder();

/**
 * Number of tokens BytePairEncodingCore.bytePairMerge makes of `n` bytes, given the rank of bytes [a, b):
 * merge the adjacent pair of parts with the lowest rank, the leftmost of equal ranks, until no adjacent pair
 * is a token. Parts are a linked list (part i spans [i, next[i])) instead of spliced arrays.
 */
function merge(n: number, rankOf: (a: number, b: number) => number): number {
  if (n >= nextPart.length) [nextPart, pairRank] = [new Int32Array(2 * n), new Int32Array(2 * n)];
  const next = nextPart;
  const rank = pairRank; // rank[i]: part i joined with the part after it
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    rank[i] = i + 2 <= n ? rankOf(i, i + 2) : NO_PAIR;
  }
  let parts = n;
  for (;;) {
    let best = NO_PAIR;
    let at = -1;
    let before = -1;
    for (let i = 0, prev = -1; i < n; prev = i, i = next[i]!) {
      if (rank[i]! < best) {
        best = rank[i]!;
        at = i;
        before = prev;
      }
    }
    if (at < 0) return parts;
    const after = next[next[at]!]!; // start of the part following the merged one
    next[at] = after;
    parts--;
    rank[at] = after < n ? rankOf(at, next[after]!) : NO_PAIR;
    if (before >= 0) rank[before] = rankOf(before, after);
  }
}

function isAscii(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * A fast counter over a gpt-tokenizer encoding object (e.g. the default export of
 * `gpt-tokenizer/encoding/cl100k_base`), or undefined when its internals are not the ones expected or its
 * counts differ from `reference` (the library's plain-text count) on a probe text.
 * `memoSize` caps the memo of piece → token count; when full it starts over.
 */
export function fastBpeCounter(
  encoding: unknown,
  reference: (text: string) => number,
  memoSize = 1 << 16,
): FastBpeCounter | undefined {
  const core = coreOf(encoding);
  if (!core) return undefined;
  const vocab = rangeTable(core.bytePairStringRankEncoder.size);
  core.bytePairStringRankEncoder.forEach((rank, key) => vocab.add(key, hashOf(key, 0, key.length), rank));
  const rankOf = (text: string, a: number, b: number): number => {
    const rank = vocab.get(text, a, b, hashOf(text, a, b));
    return rank < 0 ? NO_PAIR : rank;
  };
  const asciiPairs = new Int32Array(128 * 128);
  for (let i = 0; i < asciiPairs.length; i++) asciiPairs[i] = rankOf(String.fromCharCode(i >> 7, i & 127), 0, 2);
  const memo = rangeTable(Math.max(1, memoSize));
  // Sticky, so that each test() must match right where the previous match ended: see tokensUpTo.
  const split = new RegExp(core.tokenSplitRegex.source, core.tokenSplitRegex.flags.replace('g', 'y'));

  // For ASCII, bytes are characters: bytes [a, b) are the piece's characters [a, b).
  const mergeAscii = (piece: string): number =>
    merge(piece.length, (a, b) =>
      b - a === 2 ? asciiPairs[(piece.charCodeAt(a) << 7) | piece.charCodeAt(a + 1)]! : rankOf(piece, a, b),
    );

  // Bytes [a, b) of valid UTF-8 are valid on their own exactly when both ends fall between characters; the
  // library then looks up their string, a range of the piece. Other ranges go to its own byte lookup.
  const mergeUtf8 = (piece: string): number => {
    if (3 * piece.length >= utf8.length) [utf8, charAt] = [new Uint8Array(6 * piece.length), new Int32Array(6 * piece.length)];
    const { written: n } = encoder.encodeInto(piece, utf8);
    const at = charAt; // string index of the character starting at a byte, -1 inside a character
    for (let i = 0, b = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      at[b] = i;
      const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0xd800 || c > 0xdfff ? 3 : 4;
      if (width === 4) {
        const low = piece.charCodeAt(i + 1);
        // A lone surrogate is encoded as U+FFFD, so ranges would not match the bytes: the library counts it.
        if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return core.bytePairEncode(piece).length;
        i++;
      }
      for (let k = 1; k < width; k++) at[b + k] = -1;
      b += width;
    }
    at[n] = piece.length;
    const bytes = utf8;
    return merge(n, (a, b) =>
      at[a]! >= 0 && at[b]! >= 0
        ? rankOf(piece, at[a]!, at[b]!)
        : (core.getBpeRankFromBytes(bytes.subarray(a, b)) ?? NO_PAIR),
    );
  };

  const countPiece = (text: string, a: number, b: number, h: number): number => {
    let n = memo.get(text, a, b, h);
    if (n >= 0) return n;
    const piece = text.slice(a, b);
    n = isAscii(text, a, b) ? mergeAscii(piece) : mergeUtf8(piece);
    // A flat copy as the key: a slice would keep the whole document text alive while it is memoized.
    memo.add(`${piece} `.slice(0, -1), h, n);
    return n;
  };

  // BytePairEncodingCore.countNative with no special tokens allowed: each match of the split regex is one
  // token when it is in the vocabulary, else as many as its merge gives. Returns the count, or a number
  // above `limit` as soon as the count passes it.
  const tokensUpTo = (text: string, limit: number): number => {
    let total = 0;
    split.lastIndex = 0;
    for (let a = 0; a < text.length; ) {
      // Both patterns match at every position (letter, digit, space or other), so the matches tile the text
      // and a sticky test finds the same ones as the library's matchAll. Were that ever not so, the library
      // counts the text.
      if (!split.test(text) || split.lastIndex <= a) return reference(text);
      const b = split.lastIndex;
      const h = hashOf(text, a, b);
      total += vocab.get(text, a, b, h) >= 0 ? 1 : countPiece(text, a, b, h);
      if (total > limit) return total;
      a = b;
    }
    return total;
  };

  const counter: FastBpeCounter = {
    count: (text) => tokensUpTo(text, Infinity),
    countWithin(text, limit) {
      const n = tokensUpTo(text, limit);
      return n <= limit ? n : false;
    },
  };
  return counter.count(PROBE) === reference(PROBE) ? counter : undefined;
}
