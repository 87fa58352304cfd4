import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrataError } from '../core/errors.js';
import { countWithin, loadTokenCounter, splitByTokens, tailByTokens, type TokenCounter } from './tokenizer.js';

const cl100k = await loadTokenCounter('cl100k_base');
const o200k = await loadTokenCounter('o200k_base');

/** Deterministic pseudo-random numbers (LCG), so a failure always reproduces. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

// Letters, digits, punctuation that likes to merge with newlines, CJK, combining marks, emoji, odd spaces.
const ALPHABET = [
  'a', 'Z', 'é', 'e\u0301', '中', '文', '。', '！', '.', '!', '?', ')', '"', "'", 's', 't', '1', '9', '|', '-', '/',
  '😀', ' ', '\n', '\t', '’', 'ß', 'İ', 'ﬁ', '\u200b', '<', '>', '#', '*', '_', '\u00a0', '\u3000', 'Ω', 'д', 'ע', 'ا',
  "'s", "'ll", ' the', 'The', '...', '\r\n', '<|endoftext|>',
];

function randomText(next: () => number, maxParts: number): string {
  let s = '';
  const n = 1 + Math.floor(next() * maxParts);
  for (let k = 0; k < n; k++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

describe('loadTokenCounter', () => {
  it('keeps one counter per encoding', async () => {
    assert.equal(await loadTokenCounter('cl100k_base'), cl100k);
    assert.notEqual(cl100k, o200k);
    assert.equal(cl100k.name, 'cl100k_base');
    assert.equal(o200k.name, 'o200k_base');
  });

  it('counts like the encodings do', () => {
    assert.equal(cl100k.count('hello world'), 2);
    assert.equal(o200k.count('hello world'), 2);
    assert.equal(cl100k.count(''), 0);
    // "tokenization" is two cl100k tokens: the counter is BPE, not words.
    assert.equal(cl100k.count('tokenization'), 2);
  });

  it('counts exactly like gpt-tokenizer for both encodings (see bpe-count.test.ts for the full check)', async () => {
    const plain = { disallowedSpecial: new Set<string>() };
    const pairs = [
      [cl100k, (await import('gpt-tokenizer/encoding/cl100k_base')).default],
      [o200k, (await import('gpt-tokenizer/encoding/o200k_base')).default],
    ] as const;
    const next = rng(11);
    for (const [counter, library] of pairs) {
      for (let k = 0; k < 500; k++) {
        const text = randomText(next, 60);
        assert.equal(counter.count(text), library.countTokens(text, plain), JSON.stringify(text));
      }
    }
  });

  it('treats special-token text in documents as plain text', () => {
    const n = cl100k.count('see <|endoftext|> here');
    assert.ok(n > 3, `expected the marker to be spelled out, got ${n} tokens`);
  });

  it('rejects an unknown encoding with a config error naming the setting', async () => {
    await assert.rejects(loadTokenCounter('p50k_base' as never), (e: unknown) => {
      assert.ok(e instanceof StrataError);
      assert.equal(e.code, 'config');
      assert.equal(e.details.key, 'chunking.tokenizer');
      return true;
    });
  });
});

describe('separator capability', () => {
  for (const counter of [cl100k, o200k]) {
    it(`${counter.name}: block counts add up exactly across the separator`, () => {
      const sep = counter.separator;
      assert.ok(sep);
      assert.equal(counter.count(sep.text), sep.tokens);
      const next = rng(42);
      let checked = 0;
      for (let k = 0; k < 3000; k++) {
        const a = randomText(next, 10).trim();
        const b = randomText(next, 10).trim();
        if (!a || !b) continue;
        checked++;
        const joined = counter.count(a + sep.text + b);
        assert.equal(joined, counter.count(a) + sep.tokens + counter.count(b), JSON.stringify([a, b]));
      }
      assert.ok(checked > 2000);
    });
  }

  it('a bare blank line would not be additive (why the separator has a space)', () => {
    // "end." + "\n\n" merge into one pre-token; the test documents the trap the separator avoids.
    const a = 'The end.';
    assert.notEqual(cl100k.count(`${a}\n\nNext`), cl100k.count(a) + cl100k.count('\n\n') + cl100k.count('Next'));
  });
});

describe('countWithin', () => {
  it('returns the exact count up to the limit and false past it', () => {
    const text = 'one two three four five six seven eight nine ten';
    const n = cl100k.count(text);
    assert.equal(countWithin(cl100k, text, n), n);
    assert.equal(countWithin(cl100k, text, n - 1), false);
    const long = 'word '.repeat(5000);
    assert.equal(countWithin(cl100k, long, 100), false);
    assert.equal(countWithin(cl100k, long, 10_000), cl100k.count(long));
  });

  it('works with a counter that only has count()', () => {
    const plain: TokenCounter = { name: 'chars', count: (t) => t.length };
    assert.equal(countWithin(plain, 'abc', 3), 3);
    assert.equal(countWithin(plain, 'abcd', 3), false);
  });
});

describe('splitByTokens', () => {
  const rebuild = (pieces: { text: string; glue: string }[]): string => pieces.map((p) => p.glue + p.text).join('');

  it('cuts spaced text at word boundaries into pieces within the limit', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i % 37}`);
    const text = words.join(' ');
    const pieces = splitByTokens(cl100k, text, 32);
    assert.ok(pieces.length > 5);
    for (const p of pieces) {
      assert.equal(p.tokens, cl100k.count(p.text));
      assert.ok(p.tokens <= 32, `${p.tokens} tokens`);
      assert.ok(p.tokens >= 16, `pieces should be reasonably full, got ${p.tokens}`);
      assert.equal(p.text, p.text.trim());
      for (const w of p.text.split(' ')) assert.match(w, /^word\d+$/);
    }
    assert.equal(rebuild(pieces), text);
  });

  it('cuts text without spaces (CJK, emoji) without breaking a code point', () => {
    const text = '数据治理平台支持检索增强生成😀'.repeat(60);
    const pieces = splitByTokens(o200k, text, 20);
    for (const p of pieces) {
      assert.ok(p.tokens <= 20 && p.tokens === o200k.count(p.text));
      assert.ok(!/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p.text), 'split inside a surrogate pair');
    }
    assert.equal(rebuild(pieces), text);
  });

  it('holds the limit on random text', () => {
    const next = rng(7);
    for (let k = 0; k < 60; k++) {
      const text = randomText(next, 400);
      const max = 4 + Math.floor(next() * 40);
      const pieces = splitByTokens(cl100k, text, max);
      for (const p of pieces) assert.ok(cl100k.count(p.text) <= max, JSON.stringify(p));
      assert.equal(rebuild(pieces), text.trimEnd());
    }
  });
});

describe('tailByTokens', () => {
  it('returns the end of the text, starting at a word, within the limit', () => {
    const text = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const tail = tailByTokens(cl100k, text, 12);
    assert.ok(tail);
    assert.ok(text.endsWith(tail.text));
    assert.ok(text.endsWith(` ${tail.text}`), 'should start at a word');
    assert.ok(tail.tokens <= 12 && tail.tokens >= 6, `${tail.tokens} tokens`);
    assert.equal(tail.tokens, cl100k.count(tail.text));
  });

  it('returns the whole text when it fits', () => {
    assert.deepEqual(tailByTokens(cl100k, 'short text', 10), { text: 'short text', tokens: 2, glue: '' });
  });
});
