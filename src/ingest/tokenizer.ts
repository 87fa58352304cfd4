// Token counting for chunking, backed by gpt-tokenizer's BPE encodings, plus token-bounded text splitting.
// The encoding tables are large, so each is imported on first use and one counter per encoding is kept.
// Counts go through bpe-count.ts (same numbers, ~3× faster on a cold pass) when the library's internals
// are the expected ones, else through the library's countTokens.
import { StrataError } from '../core/errors.js';
import type { ChunkingSettings } from '../core/types.js';
import { fastBpeCounter } from './bpe-count.js';

export type EncodingName = ChunkingSettings['tokenizer'];

/** What chunking needs from a tokenizer. Only `count` is required; the rest are capabilities. */
export interface TokenCounter {
  /** Encoding name, e.g. `cl100k_base`. */
  readonly name: string;
  /** Exact number of tokens in `text`. */
  count(text: string): number;
  /** Exact count when `text` has at most `limit` tokens, else false; may stop encoding once past the limit. */
  countWithin?(text: string, limit: number): number | false;
  /**
   * A block separator whose tokens add up exactly: for non-empty texts a and b without leading or trailing
   * whitespace, count(a + text + b) === count(a) + tokens + count(b). It lets the chunker count each block
   * once and sum, instead of encoding every chunk a second time. Counters that cannot promise it omit it.
   */
  readonly separator?: { readonly text: string; readonly tokens: number };
}

/** A trimmed piece of a longer text; `glue` is the whitespace that preceded it in the original. */
export interface TextPiece {
  text: string;
  tokens: number;
  glue: string;
}

/** The part of a gpt-tokenizer encoding module we use, typed structurally. */
interface BpeEncoding {
  countTokens(text: string, opts: PlainText): number;
  isWithinTokenLimit(text: string, limit: number, opts: PlainText): number | false;
}
type PlainText = { disallowedSpecial: Set<string> };

// Documents are data: `<|endoftext|>` in a file is ordinary text, not a control token (the library's
// default would throw on it).
const PLAIN: PlainText = { disallowedSpecial: new Set<string>() };

const LOADERS: Record<EncodingName, () => Promise<BpeEncoding>> = {
  cl100k_base: async () => (await import('gpt-tokenizer/encoding/cl100k_base')).default,
  o200k_base: async () => (await import('gpt-tokenizer/encoding/o200k_base')).default,
};

// For both encodings the pre-tokenizer puts " \n\n" into one piece of its own (`\s*[\r\n]+`): trailing
// punctuation only absorbs newlines, never a space, so nothing merges across the separator. A bare
// "\n\n" would not do: "end.\n\n" encodes differently from "end." + "\n\n". Checked in tokenizer.test.ts.
const SEPARATOR = ' \n\n';

function bpeCounter(name: EncodingName, enc: BpeEncoding): TokenCounter {
  const separator = { text: SEPARATOR, tokens: enc.countTokens(SEPARATOR, PLAIN) };
  const fast = fastBpeCounter(enc, (text) => enc.countTokens(text, PLAIN));
  if (fast) return { name, count: fast.count, countWithin: fast.countWithin, separator };
  // gpt-tokenizer's internals are not the expected ones (another version?): the library counts, slower.
  return {
    name,
    count: (text) => enc.countTokens(text, PLAIN),
    countWithin(text, limit) {
      // A plain count is ~10% faster than the library's early-stopping generator; use it when the text
      // likely fits (English prose averages 4–5 characters a token), the generator when it likely does not.
      if (text.length > limit * 5) return enc.isWithinTokenLimit(text, limit, PLAIN);
      const n = enc.countTokens(text, PLAIN);
      return n <= limit ? n : false;
    },
    separator,
  };
}

const counters = new Map<EncodingName, Promise<TokenCounter>>();

/** The shared counter for an encoding, loaded on first use. */
export function loadTokenCounter(encoding: EncodingName): Promise<TokenCounter> {
  let counter = counters.get(encoding);
  if (counter) return counter;
  const load = Object.hasOwn(LOADERS, encoding) ? LOADERS[encoding] : undefined;
  if (!load) {
    return Promise.reject(
      new StrataError('tokenizer', 'config', `unknown tokenizer "${String(encoding)}"`, {
        details: { key: 'chunking.tokenizer', value: encoding, allowed: Object.keys(LOADERS) },
        hint: `Set chunking.tokenizer to one of: ${Object.keys(LOADERS).join(', ')}.`,
      }),
    );
  }
  counter = load().then(
    (enc) => bpeCounter(encoding, enc),
    (cause: unknown) => {
      counters.delete(encoding); // let a later call retry
      throw new StrataError('tokenizer', 'unavailable', `could not load the ${encoding} encoding`, {
        cause,
        hint: 'Reinstall dependencies (npm ci); the gpt-tokenizer package is required for chunking.',
      });
    },
  );
  counters.set(encoding, counter);
  return counter;
}

/** `countWithin` when the counter has it, else a full count compared with the limit. */
export function countWithin(counter: TokenCounter, text: string, limit: number): number | false {
  if (counter.countWithin) return counter.countWithin(text, limit);
  const n = counter.count(text);
  return n <= limit ? n : false;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
// Never cut between the two halves of a surrogate pair.
const onCodePoint = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 ? i - 1 : i;
};

/**
 * Splits `text` into trimmed pieces of at most `max` tokens each (exact counts), for a sentence or line
 * too long for one chunk. Cuts go where the encoding's count allows, moved back to the last whitespace
 * when that keeps at least half the piece — BPE tokens start at a space, so that is also a token boundary.
 * Assumes `max` covers any single code point (≥ 4 tokens).
 */
export function splitByTokens(counter: TokenCounter, text: string, max: number): TextPiece[] {
  const out: TextPiece[] = [];
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let s = pos;
    while (s < n && isSpace(text.charCodeAt(s))) s++;
    if (s >= n) break;
    const glue = text.slice(pos, s);
    const rest = text.slice(s).trimEnd();
    const whole = countWithin(counter, rest, max);
    if (whole !== false) {
      out.push({ text: rest, tokens: whole, glue });
      break;
    }
    // Invariant: the prefix ending at `lo` fits (`loTokens`, 0 while unmeasured) and the one ending at `hi`
    // does not. Probes interpolate by the characters per token seen so far, so a cut takes a few encodes
    // of about `max` tokens each; a piece within ~6% of `max` is full enough to stop.
    let lo = onCodePoint(text, s + 1) === s ? s + 2 : s + 1;
    let loTokens = 0;
    let hi = s + rest.length;
    let guess = s + max * 4;
    while (hi - lo > 1) {
      const mid = onCodePoint(text, guess > lo && guess < hi ? guess : (lo + hi) >>> 1);
      if (mid <= lo) break;
      const count = countWithin(counter, text.slice(s, mid), max);
      if (count === false) hi = mid;
      else [lo, loTokens] = [mid, count];
      if (loTokens >= max - (max >> 4)) break;
      guess = loTokens > 0 ? s + Math.floor(((lo - s) / loTokens) * max) : (lo + hi) >>> 1;
    }
    let end = lo;
    for (let i = lo; i > s + (lo - s) / 2; i--) {
      if (isSpace(text.charCodeAt(i))) {
        end = i;
        break;
      }
    }
    let piece = text.slice(s, end).trimEnd();
    let tokens = countWithin(counter, piece, max);
    if (tokens === false) {
      // BPE counts are not strictly monotonic in the prefix; the probed cut itself is known to fit.
      piece = text.slice(s, lo);
      tokens = counter.count(piece);
    }
    out.push({ text: piece, tokens, glue });
    pos = s + piece.length;
  }
  return out;
}

/**
 * The longest suffix of `text` with at most `max` tokens, started at a word when that keeps at least half
 * of it; undefined when not even one code point fits. Used for overlap when no whole sentence fits.
 */
export function tailByTokens(counter: TokenCounter, text: string, max: number): TextPiece | undefined {
  const n = text.length;
  // Invariant: the suffix from `hi` fits (the empty one does), the one from `lo` does not.
  let lo = -1;
  let hi = n;
  for (let w = max * 4; n - w > 0; w *= 2) {
    const s = onCodePoint(text, n - w);
    if (countWithin(counter, text.slice(s), max) === false) {
      lo = s;
      break;
    }
    hi = s;
  }
  if (lo < 0) {
    if (countWithin(counter, text, max) !== false) hi = 0;
    else lo = 0;
  }
  while (lo >= 0 && hi - lo > 1) {
    const mid = onCodePoint(text, (lo + hi) >>> 1);
    if (mid <= lo) break;
    if (countWithin(counter, text.slice(mid), max) !== false) hi = mid;
    else lo = mid;
  }
  let start = hi;
  for (let i = hi; i < hi + (n - hi) / 2; i++) {
    if (isSpace(text.charCodeAt(i))) {
      start = i;
      break;
    }
  }
  const piece = text.slice(start).trim();
  if (!piece) return undefined;
  const tokens = countWithin(counter, piece, max);
  return tokens === false ? undefined : { text: piece, tokens, glue: '' };
}
