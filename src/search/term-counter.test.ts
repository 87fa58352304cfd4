import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzerNames, getAnalyzer } from './analyzers.js';
import { encodeTermFreqs } from './bm25.js';
import { indexTextWith } from './service.js';
import { createTermScanner } from './term-counter.js';

// The store keeps what indexing produces, and queries are analyzed with `terms`: the indexing path must give
// byte-for-byte what encodeTermFreqs(analyzer.terms(text)) gives, or search results would move.
const reference = (name: string, text: string) => {
  const terms = getAnalyzer(name).terms(text);
  return { terms: encodeTermFreqs(terms), termCount: terms.length };
};

const TRICKY = [
  '',
  '   \n\t ',
  'The the THE tHe a an and of: stopwords only',
  'Running runs ran runner RUNNING; connections connected connecting',
  "Smith's O'Neil don’t l'homme rock'n'roll ’quoted’ 'single' it's",
  'IL-6 il6 IL6 COVID-19 HLA-DR4 T-cell well-known x-ray 5-HT1A a-b-c-d anti-IL-6R self-',
  'e.g. i.e. 0.5 mg, 1,000 mice, 3.14.15 v2.0-beta 10,000.5 .5 5. 1. a,b a.b.c',
  'word. word, word- word\' end.',
  'snake_case __init__ _x x_ fooBar ABC123 123abc 00042',
  'Café naïve Zürich Straße ΟΔΟΣ οδος Москва ПРИВЕТ İstanbul ǅemal',
  '東京に住んでいます 한국어 カタカナ 中文混合English混合',
  'ＡＢＣ ﬁle ① ½ ™ \ufdfa cafe\u0301 e\u0301e\u0301',
  'emoji 😀face😀 𝐀𝐁𝐂 math 𝒳 surrogate \ud83d lone \ude00 high',
  'dashes — – ‐‑ non‑breaking‑hyphen ±5 ≥3 μg 37°C α-synuclein β2-microglobulin TNF-α',
  'colons a:b http://x.org/y?z=1 10:30 key:value::',
  'repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat',
  'x'.repeat(300) + ' ' + 'ab-'.repeat(50) + 'z',
];

test('indexing terms equal encodeTermFreqs(terms) on tricky text, for every analyzer', () => {
  for (const name of analyzerNames()) {
    const index = indexTextWith(name);
    for (const text of [...TRICKY, TRICKY.join('\n')]) assert.deepEqual(index(text), reference(name, text), `${name}: ${JSON.stringify(text)}`);
  }
});

test('indexing terms equal encodeTermFreqs(terms) on random text', () => {
  const alphabet = ['a', 'B', 'e', 's', '1', '0', '_', ' ', ' ', '\n', "'", '’', '.', ',', '-', '‑', ':', 'é', 'ß', 'Ω', '東', 'に', '😀', '\u0301', '—', 'the', 'IL', 'ing'];
  let seed = 42;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (const name of analyzerNames()) {
    const index = indexTextWith(name);
    for (let k = 0; k < 2000; k++) {
      let text = '';
      for (let len = next(40); len > 0; len--) text += alphabet[next(alphabet.length)];
      assert.deepEqual(index(text), reference(name, text), `${name}: ${JSON.stringify(text)}`);
    }
  }
});

const scifact = fileURLToPath(new URL('../../../shared/datasets/scifact/corpus.jsonl', import.meta.url));
test('indexing terms equal encodeTermFreqs(terms) on every SciFact abstract', { skip: !existsSync(scifact) && `no corpus at ${scifact}` }, () => {
  const docs = readFileSync(scifact, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { title?: string; text?: string });
  assert.ok(docs.length > 5000);
  for (const name of analyzerNames()) {
    const index = indexTextWith(name);
    for (const d of docs) {
      // As ingestion indexes it: the title as context, then the text.
      const text = `${d.title ?? ''}\n${d.text ?? ''}`;
      const got = index(text);
      const want = reference(name, text);
      if (got.terms !== want.terms || got.termCount !== want.termCount) assert.deepEqual(got, want, `${name}: ${text.slice(0, 80)}`);
    }
  }
});

test('the scanner gives the same counts and matches after its tables start afresh at the memory bound', () => {
  const parts = {
    analyze: (raw: string) => (raw.toLowerCase() === 'the' ? '' : raw.toLowerCase()),
    emitMatch: (match: string, at: number, emit: (term: string, start: number, end: number) => void) => {
      let from = 0;
      for (const p of match.split(/[-‐‑]/)) {
        emit(p.toLowerCase(), at + from, at + from + p.length);
        from += p.length + 1;
      }
    },
  };
  const bounded = createTermScanner({ ...parts, limit: 3 });
  const unbounded = createTermScanner({ ...parts, limit: Infinity });
  const texts = ['The cat and the Dog', 'dog DOG cat-dog x-ray', 'a b c d e f g a b c', 'the THE', 'naïve café-bar cat'];
  const wanted = new Set(['dog', 'cat', 'ray', 'bar', 'the']);
  // Token indexes made before the bounded tables start afresh must not be read with the new ids.
  const early = texts.map((text) => bounded.tokenIndex(text));
  for (let pass = 0; pass < 3; pass++) {
    for (const [i, text] of texts.entries()) {
      assert.deepEqual(bounded.count(text), unbounded.count(text), text);
      assert.deepEqual(bounded.matches(text, wanted), unbounded.matches(text, wanted), text);
      assert.deepEqual(bounded.matches(text, wanted, early[i]), unbounded.matches(text, wanted), text);
      assert.deepEqual(bounded.matches(text, wanted, bounded.tokenIndex(text)), unbounded.matches(text, wanted), text);
    }
  }
  assert.deepEqual(unbounded.count('The cat and the Dog cat'), { terms: ['cat', 'and', 'dog'], freqs: [2, 1, 1], total: 4 });
  assert.deepEqual(unbounded.matches('The cat-dog, Dog', wanted), [
    { term: 'cat', start: 4, end: 7 },
    { term: 'dog', start: 8, end: 11 },
    { term: 'dog', start: 13, end: 16 },
  ]);
});

// Snippets find a query's terms with `matches`: it must give exactly the tokens `tokens` gives for those terms.
const matchesReference = (name: string, text: string, terms: ReadonlySet<string>) => getAnalyzer(name).tokens(text).filter((t) => terms.has(t.term));

test('matches equals tokens(text).filter(term in query) on tricky and random text, for every analyzer', () => {
  let seed = 7;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const alphabet = ['a', 'B', 'e', 's', '1', '0', '_', ' ', ' ', '\n', "'", '’', '.', ',', '-', '‑', ':', 'é', 'ß', 'Ω', '東', 'に', '😀', '\u0301', '—', 'the', 'IL', 'ing'];
  const random = Array.from({ length: 1500 }, () => {
    let text = '';
    for (let len = next(40); len > 0; len--) text += alphabet[next(alphabet.length)];
    return text;
  });
  for (const name of analyzerNames()) {
    const analyzer = getAnalyzer(name);
    for (const text of [...TRICKY, TRICKY.join('\n'), ...random]) {
      const all = [...new Set(analyzer.terms(text))];
      // Some of the text's terms, sometimes all or none, plus terms it lacks.
      const terms = new Set([...all.filter(() => next(3) !== 0), ...(next(2) === 0 ? ['zzz', 'cat'] : [])]);
      assert.deepEqual(analyzer.matches(text, terms), matchesReference(name, text, terms), `${name}: ${JSON.stringify(text)} ${JSON.stringify([...terms])}`);
      assert.deepEqual(analyzer.matches(text, terms, analyzer.tokenIndex(text)), matchesReference(name, text, terms), `${name} (token index): ${JSON.stringify(text)}`);
      assert.deepEqual(analyzer.matches(text, new Set(all)), analyzer.tokens(text), `${name}: every term of ${JSON.stringify(text)}`);
    }
  }
});

test('matches equals tokens(text).filter(term in query) on every SciFact abstract', { skip: !existsSync(scifact) && `no corpus at ${scifact}` }, () => {
  const docs = readFileSync(scifact, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { title?: string; text?: string });
  for (const name of analyzerNames()) {
    const analyzer = getAnalyzer(name);
    for (const [i, d] of docs.entries()) {
      const text = `${d.title ?? ''}\n${d.text ?? ''}`;
      // The terms of another abstract's title: a query that shares some words with this text.
      const other = docs[(i * 7 + 1) % docs.length]!;
      const terms = new Set(analyzer.terms(`${other.title ?? ''} ${d.title?.split(' ').slice(0, 2).join(' ') ?? ''}`));
      const want = matchesReference(name, text, terms);
      for (const got of [analyzer.matches(text, terms), analyzer.matches(text, terms, analyzer.tokenIndex(text))]) {
        if (got.length !== want.length || got.some((t, k) => t.term !== want[k]!.term || t.start !== want[k]!.start || t.end !== want[k]!.end)) {
          assert.deepEqual(got, want, `${name}: ${text.slice(0, 80)}`);
        }
      }
    }
  }
});
