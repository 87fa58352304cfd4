// Text analysis for the lexical index: Unicode tokenization with original offsets, normalization,
// stopwords and Porter stemming. Analyzers are declared as data in ANALYZER_SPECS and built on demand.
import { stemmer } from 'stemmer';
import { StrataError } from '../core/errors.js';
import { ASCII_WORD, endsPlainWord, HYPHEN_RE, PIECE_RE, TOKEN_STICKY_RE } from './grammar.js';
import { createTermScanner, type TermFreqs, type TokenIndex } from './term-counter.js';

export type { TermFreqs, TokenIndex } from './term-counter.js';

export interface Token {
  term: string;
  /** UTF-16 offsets into the analyzed text, for highlighting. */
  start: number;
  end: number;
}

export interface Analyzer {
  readonly name: string;
  /** Index/query terms in text order (duplicates kept: they are term frequencies). */
  terms(text: string): string[];
  /** The same terms with their offsets in `text`. */
  tokens(text: string): Token[];
  /** The same terms counted, for indexing: what `terms` returns, without building the full list. */
  termFreqs(text: string): TermFreqs;
  /**
   * The tokens whose term is in `terms` (snippets): what `tokens(text).filter(…)` returns, without building the
   * others; read from `index` instead of scanning the text when it is a current index of this text.
   */
  matches(text: string, terms: ReadonlySet<string>, index?: TokenIndex): Token[];
  /** The text's tokens in a compact form for later `matches`: `cached` if it is still current, else a new one. */
  tokenIndex(text: string, cached?: TokenIndex): TokenIndex;
}

export interface AnalyzerSpec {
  description: string;
  /** Words dropped before stemming; matched after normalization. */
  stopwords: readonly string[];
  /** Porter-stem tokens made only of ASCII letters and digits (other scripts are not English). */
  stem: boolean;
  /** Drop a trailing 's ("Smith's" → smith), as Lucene's EnglishPossessiveFilter does. */
  possessive: boolean;
  /** Inner apostrophes: 'join' ("o'neil" → oneil, "don't" → dont) or 'split' ("l'homme" → l, homme). */
  apostrophe: 'join' | 'split';
  /** Strip accents from Latin letters ("café" → cafe), since English queries are mostly typed without them. */
  foldLatinDiacritics: boolean;
  /** Hyphenated words are split into parts; for ids mixing letters and digits ("IL-6") also emit "il6". */
  catenateIds: boolean;
}

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words), also Anserini's default for BEIR runs. */
export const LUCENE_ENGLISH_STOPWORDS: readonly string[] = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not',
  'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was',
  'will', 'with',
];

/** The registry: adding an analyzer is adding an entry here. */
export const ANALYZER_SPECS = {
  english: {
    description: 'English prose: Lucene stopwords, possessives, Porter stemming, accent folding (default)',
    stopwords: LUCENE_ENGLISH_STOPWORDS,
    stem: true,
    possessive: true,
    apostrophe: 'join',
    foldLatinDiacritics: true,
    catenateIds: true,
  },
  standard: {
    description: 'Any language or code: lowercase and Unicode-normalize only (no stopwords, no stemming)',
    stopwords: [],
    stem: false,
    possessive: false,
    apostrophe: 'split',
    foldLatinDiacritics: false,
    catenateIds: true,
  },
} as const satisfies Record<string, AnalyzerSpec>;

export type AnalyzerName = keyof typeof ANALYZER_SPECS;
export const DEFAULT_ANALYZER: AnalyzerName = 'english';
export const analyzerNames = (): string[] => Object.keys(ANALYZER_SPECS);

const built = new Map<string, Analyzer>();

/** The analyzer registered under `name`; throws a config error naming the valid ones otherwise. */
export function getAnalyzer(name: string = DEFAULT_ANALYZER): Analyzer {
  let a = built.get(name);
  if (a) return a;
  if (!Object.hasOwn(ANALYZER_SPECS, name)) {
    throw new StrataError('search', 'config', `unknown analyzer "${name}"; valid analyzers: ${analyzerNames().join(', ')}`, {
      details: { analyzer: name, allowed: analyzerNames() },
      hint: 'set the collection analyzer to one of the listed names',
    });
  }
  a = createAnalyzer(name, ANALYZER_SPECS[name as AnalyzerName]);
  built.set(name, a);
  return a;
}

const APOSTROPHE_RE = /['’ʼ]/g;
const NON_ASCII_RE = /[\u0080-\uffff]/;
const STEMMABLE_RE = /^[a-z0-9]+$/;
const HAS_DIGIT_RE = /\p{N}/u;
const HAS_LETTER_RE = /\p{L}/u;

/** Above this many distinct raw tokens the memo is dropped and refilled (bounded memory on huge corpora). */
const MEMO_LIMIT = 200_000;

type Emit = (term: string, start: number, end: number) => void;

/** Builds an analyzer from a spec; exported so benchmarks and tests can try variants of the registered ones. */
export function createAnalyzer(name: string, spec: AnalyzerSpec): Analyzer {
  // raw token text → term, or '' when the token is dropped (stopword). Natural text repeats a small
  // vocabulary, so most tokens are one Map lookup. (Indexing keeps its own table: see term-counter.ts.)
  const memo = new Map<string, string>();

  const normalize = (raw: string): string => {
    let s = raw.toLowerCase();
    if (NON_ASCII_RE.test(s)) {
      // NFKC, then the full case folds toLowerCase lacks; NFKC can expand a ligature into words (U+FDFA),
      // and a term must never contain a space.
      s = s.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').replace(/ς/g, 'σ').replace(/\s+/g, '');
      if (spec.foldLatinDiacritics) s = s.normalize('NFD').replace(/([a-z])[\u0300-\u036f]+/g, '$1').normalize('NFC');
      s = s.replace(APOSTROPHE_RE, "'");
    }
    return s;
  };
  const stopwords = new Set(spec.stopwords.map((w) => finishApostrophes(normalize(w), spec)));

  const analyze = (raw: string): string => {
    const term = finishApostrophes(normalize(raw), spec);
    if (stopwords.has(term)) return '';
    return spec.stem && STEMMABLE_RE.test(term) ? stemmer(term) : term;
  };
  const analyzePiece = (raw: string): string => {
    let term = memo.get(raw);
    if (term !== undefined) return term;
    term = analyze(raw);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(raw, term);
    return term;
  };

  // Emits one piece, splitting it at apostrophes first when the spec says so.
  const emitPiece = (raw: string, start: number, emit: Emit): void => {
    if (spec.apostrophe === 'split' && (raw.includes("'") || raw.includes('’') || raw.includes('ʼ'))) {
      let at = 0;
      for (const part of raw.split(APOSTROPHE_RE)) {
        const t = analyzePiece(part);
        if (t) emit(t, start + at, start + at + part.length);
        at += part.length + 1;
      }
      return;
    }
    const t = analyzePiece(raw);
    if (t) emit(t, start, start + raw.length);
  };

  // Emits the token(s) of one regex match: a single piece, or a hyphenated compound split into parts.
  const emitMatch = (raw: string, at: number, emit: Emit): void => {
    if (!HYPHEN_RE.test(raw)) return emitPiece(raw, at, emit);
    PIECE_RE.lastIndex = 0;
    let parts = 0;
    let digits = false;
    let letters = false;
    for (let p = PIECE_RE.exec(raw); p !== null; p = PIECE_RE.exec(raw)) {
      parts++;
      digits ||= HAS_DIGIT_RE.test(p[0]);
      letters ||= HAS_LETTER_RE.test(p[0]);
      emitPiece(p[0], at + p.index, emit);
    }
    // "IL-6", "COVID-19", "HLA-DR4": also index the joined id so "il6" and "IL-6" find each other.
    if (spec.catenateIds && parts <= 3 && digits && letters) {
      const t = analyzePiece(raw.replace(/[-‐‑]/g, ''));
      if (t) emit(t, at, at + raw.length);
    }
  };

  // Plain ASCII words are cut by a char-code loop, anything else by the full grammar (see endsPlainWord).
  const scan = (text: string, emit: Emit): void => {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        if (ASCII_WORD[c] === 0) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d < 128 && ASCII_WORD[d] === 1) j++;
          else break;
        }
        if (endsPlainWord(text, j)) {
          emitPiece(text.slice(i, j), i, emit);
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
      emitMatch(m[0], i, emit);
      i = TOKEN_STICKY_RE.lastIndex;
    }
  };

  const scanner = createTermScanner({ analyze, emitMatch, limit: MEMO_LIMIT });
  return {
    name,
    termFreqs: (text) => scanner.count(text),
    matches: (text, terms, index) => scanner.matches(text, terms, index),
    tokenIndex: (text, cached) => scanner.tokenIndex(text, cached),
    terms(text) {
      const out: string[] = [];
      scan(text, (t) => out.push(t));
      return out;
    },
    tokens(text) {
      const out: Token[] = [];
      scan(text, (term, start, end) => out.push({ term, start, end }));
      return out;
    },
  };
}

function finishApostrophes(s: string, spec: AnalyzerSpec): string {
  if (!s.includes("'")) return s;
  if (spec.possessive && s.endsWith("'s")) s = s.slice(0, -2);
  return spec.apostrophe === 'join' ? s.replace(/'/g, '') : s;
}
