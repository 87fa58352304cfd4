import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fastBpeCounter, type FastBpeCounter } from './bpe-count.js';

interface Encoding {
  countTokens(text: string, opts: { disallowedSpecial: Set<string> }): number;
  isWithinTokenLimit(text: string, limit: number, opts: { disallowedSpecial: Set<string> }): number | false;
}
const PLAIN = { disallowedSpecial: new Set<string>() };
const encodings: [string, Encoding][] = [
  ['cl100k_base', (await import('gpt-tokenizer/encoding/cl100k_base')).default],
  ['o200k_base', (await import('gpt-tokenizer/encoding/o200k_base')).default],
];
const scifact = fileURLToPath(new URL('../../../shared/datasets/scifact/corpus.jsonl', import.meta.url));

/** Deterministic pseudo-random numbers (LCG), so a failure always reproduces. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

// Fragments chosen to reach every branch of both split patterns and of the merge: letters in both cases,
// upper-case contractions, digit runs, punctuation before newlines, whitespace runs, marker text, code,
// accents (precomposed and combining), CJK, Korean, Thai, Devanagari, RTL, emoji (ZWJ, skin tones, flags),
// unusual spaces and a lone surrogate.
const FRAGMENTS = [
  'a', 'Z', 'the', ' The', 'tokenization', ' Pneumonoultramicroscopicsilicovolcanoconiosis', 'camelCaseWord',
  "DON'T", "WE'LL", "it'S", "they've", "'re", "O'Neil", "rock'n'roll", '1', '42', '123456789012', '3.14159',
  ' ', '  ', '    ', '\t', '\n', '\n\n', '\r\n', ' \n', '.\n', ')\n\n', '!!!', '...', '?!', '—', '–', '"', '«»',
  '<|endoftext|>', '<|fim_prefix|>', '<|im_start|>', 'const x = f(a_b, 0x1F); // ok', '{"k": [1, 2]}', '=>', '</div>',
  '#include <stdio.h>', 'é', 'e\u0301', 'naïve', 'Ångström', 'ß', 'İ', 'ﬁ', 'Ω', 'μm', '±', '°C', 'β-catenin',
  '数据治理平台', '中', '。', '！', 'ありがとう', '한국어', 'ภาษาไทย', 'हिन्दी', 'שלום', 'مرحبا', 'Привет',
  '😀', '👍🏽', '👩‍💻', '🇺🇸', '\u200b', '\u00a0', '\u3000', '\ufeff', '\ud800', '\udc00x', '\u0000', '\u007f',
];

function randomText(next: () => number, maxParts: number): string {
  let s = '';
  const n = 1 + Math.floor(next() * maxParts);
  for (let k = 0; k < n; k++) s += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  return s;
}

// Long pieces: the merge runs over hundreds of bytes, as in DNA sequences, base64, rules and indentation.
const LONG = [
  'ACGT'.repeat(150), 'a'.repeat(300), 'ab'.repeat(200), '='.repeat(200), '-'.repeat(120), ' '.repeat(500),
  '\t'.repeat(64) + 'x', '9'.repeat(100), 'Zm9vYmFyYmF6cXV4'.repeat(20), 'é'.repeat(150), '中文'.repeat(100),
  '😀'.repeat(80), 'e\u0301'.repeat(100), `${'x'.repeat(50)}😀${'y'.repeat(50)}`, "DON'T ".repeat(50),
];

/** Texts on which `fast` and the library disagree, at most a few, for the failure message. */
function mismatches(fast: FastBpeCounter, enc: Encoding, texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const expected = enc.countTokens(text, PLAIN);
    const got = fast.count(text);
    if (got !== expected && out.push(`${JSON.stringify(text.slice(0, 200))}: ${got} ≠ ${expected}`) >= 5) break;
  }
  return out;
}

function* generated(seed: number, count: number, maxParts: number): Generator<string> {
  const next = rng(seed);
  for (let k = 0; k < count; k++) yield randomText(next, maxParts);
}

for (const [name, enc] of encodings) {
  const reference = (text: string): number => enc.countTokens(text, PLAIN);
  const fast = fastBpeCounter(enc, reference);

  describe(`fastBpeCounter (${name})`, () => {
    it('accepts the installed gpt-tokenizer (else counting silently falls back to the slow path)', () => {
      assert.ok(fast, 'the internals of gpt-tokenizer changed: revisit src/ingest/bpe-count.ts');
    });

    it('counts every SciFact title and abstract exactly like countTokens', { skip: !existsSync(scifact) && 'SciFact corpus not present' }, () => {
      assert.ok(fast);
      const texts = readFileSync(scifact, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => Object.values(JSON.parse(line) as { title?: string; text?: string }).filter((v) => typeof v === 'string'));
      assert.ok(texts.length > 10_000);
      assert.deepEqual(mismatches(fast, enc, texts), []);
    });

    it('counts generated Unicode, code, whitespace, digit and marker text exactly', () => {
      assert.ok(fast);
      assert.deepEqual(mismatches(fast, enc, generated(1, 4000, 12)), []);
      assert.deepEqual(mismatches(fast, enc, generated(2, 300, 200)), []);
      assert.deepEqual(mismatches(fast, enc, LONG), []);
      assert.deepEqual(mismatches(fast, enc, LONG.map((s) => ` ${s}\n`)), []);
      assert.equal(fast.count(''), 0);
    });

    it('stays exact while its memo evicts', () => {
      const tiny = fastBpeCounter(enc, reference, 3);
      assert.ok(tiny);
      const texts = [...generated(3, 500, 20)];
      assert.deepEqual(mismatches(tiny, enc, [...texts, ...texts]), []);
    });

    it('countWithin: the exact count up to the limit, false past it, like isWithinTokenLimit', () => {
      assert.ok(fast);
      const next = rng(4);
      for (const text of generated(5, 500, 40)) {
        const n = reference(text);
        assert.equal(fast.countWithin(text, n), n);
        assert.equal(fast.countWithin(text, n + 1 + Math.floor(next() * 10)), n);
        assert.equal(fast.countWithin(text, n - 1), n === 0 ? n : false);
        const limit = Math.floor(next() * (n + 2));
        assert.equal(fast.countWithin(text, limit), enc.isWithinTokenLimit(text, limit, PLAIN), JSON.stringify([text, limit]));
      }
      assert.equal(fast.countWithin('', 0), 0);
      assert.equal(fast.countWithin('word '.repeat(5000), 100), false);
    });
  });
}

describe('fastBpeCounter guard', () => {
  const [, enc] = encodings[0]!;
  it('declines an object without the expected internals', () => {
    assert.equal(fastBpeCounter({}, () => 0), undefined);
    assert.equal(fastBpeCounter(null, () => 0), undefined);
    assert.equal(fastBpeCounter({ bytePairEncodingCoreProcessor: { tokenSplitRegex: /x/g } }, () => 0), undefined);
  });

  it('hands a text to the reference when the split regex would skip part of it', () => {
    // A toy encoding whose pattern does not tile every text, unlike the real ones.
    const toy = {
      bytePairEncodingCoreProcessor: {
        tokenSplitRegex: /[a-z]+/gu,
        bytePairStringRankEncoder: new Map([['a', 0], ['b', 1], ['ab', 2]]),
        getBpeRankFromBytes: () => undefined,
        bytePairEncode: (piece: string) => [...piece],
      },
    };
    const reference = (text: string): number => 1000 + text.length;
    const counter = fastBpeCounter(toy, reference);
    assert.ok(counter);
    assert.equal(counter.count('abab'), 2); // merged as ab|ab by the toy vocabulary
    assert.equal(counter.count('ab ab'), reference('ab ab'));
  });

  it('declines when its count of the probe text differs from the reference', () => {
    assert.equal(fastBpeCounter(enc, (text) => enc.countTokens(text, PLAIN) + 1), undefined);
  });
});
