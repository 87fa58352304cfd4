// What a token is: the Unicode grammar, and the ASCII shortcut that cuts plain words without it. Shared by the
// analyzer's scanner (search/analyzers.ts) and the indexing term counter (search/term-counter.ts).

// A token is a run of letters/digits/marks/connectors (Han and Hiragana excluded: they have no spaces
// between words, so each ideograph is its own token, as in Lucene's StandardTokenizer), optionally joined
// by inner apostrophes, with decimals ("0.5", "1,000") kept whole; hyphens join parts that are split later.
// Built with `new RegExp` because the `v` flag (set subtraction) postdates the ES2022 target's syntax.
const W = String.raw`[[\p{L}\p{N}\p{M}\p{Pc}]--[\p{sc=Han}\p{sc=Hiragana}]]`;
const PIECE = String.raw`(?:\p{Nd}+(?:[.,]\p{Nd}+)+${W}*|${W}+(?:['’ʼ]${W}+)*)`;
export const TOKEN_STICKY_RE = new RegExp(String.raw`${PIECE}(?:[\-‐‑]${PIECE})*|[\p{sc=Han}\p{sc=Hiragana}]`, 'yv');
export const HYPHEN_RE = /[-‐‑]/;
export const PIECE_RE = new RegExp(PIECE, 'gv');

const asciiTable = (re: RegExp): Uint8Array => Uint8Array.from({ length: 128 }, (_, c) => (re.test(String.fromCharCode(c)) ? 1 : 0));
/** 1 for the ASCII characters a plain word is made of. */
export const ASCII_WORD = asciiTable(/[A-Za-z0-9_]/);
const ASCII_JOINER = asciiTable(/['.,-]/);

/**
 * Whether a run of ASCII word characters ending at `end` is a whole token by itself. Plain ASCII words (most
 * tokens of most text) are cut by a char-code loop; a run that may need the full grammar (followed by a
 * joiner such as ' . , - and then a word character, or by any non-ASCII character) goes to TOKEN_STICKY_RE
 * from the same start instead, so both ways give identical tokens.
 */
export function endsPlainWord(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const d = text.charCodeAt(end);
  if (d >= 128) return false;
  if (ASCII_JOINER[d] === 0 || end + 1 >= text.length) return true;
  const e = text.charCodeAt(end + 1);
  return e < 128 && ASCII_WORD[e] === 0;
}
