import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getAnalyzer } from './analyzers.js';
import { makeSnippet, markSnippet, markSnippetAnsi, markSnippetHtml } from './snippet.js';

const english = getAnalyzer('english');
const q = (s: string) => new Set(english.terms(s));
const marked = (text: string, query: string, maxChars?: number) =>
  markSnippet(makeSnippet(text, q(query), english, { maxChars }), '[', ']');

test('a short text is returned whole, with stemmed matches marked', () => {
  assert.equal(marked('The dog runs fast. Dogs love running.', 'running dog'), 'The [dog] [runs] fast. [Dogs] love [running].');
});

test('highlight offsets point at the matched words in the returned text', () => {
  const s = makeSnippet('Interleukin IL-6 rises in sepsis.', q('il-6 sepsis'), english);
  assert.deepEqual(
    s.highlights.map(([a, b]) => s.text.slice(a, b)),
    ['IL-6', 'sepsis'],
  );
});

const filler = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const long = `${filler(40, 'intro')} the protein binds calcium here ${filler(30, 'middle')} calcium alone ${filler(40, 'tail')}`;

test('a long text yields the window with the most distinct matches, cut at words with ellipses', () => {
  const s = makeSnippet(long, q('protein calcium'), english, { maxChars: 100 });
  assert.ok(s.text.length <= 100, `${s.text.length} chars`);
  assert.ok(s.text.startsWith('…') && s.text.endsWith('…'));
  // both distinct terms are in the window (not the lone second "calcium")
  assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['protein', 'calcium']);
  // no word is cut: every word in the snippet is a whole word of the text
  const words = new Set(long.split(' '));
  for (const w of s.text.replace(/…/g, '').split(' ').filter(Boolean)) assert.ok(words.has(w), `cut word "${w}"`);
});

test('without matches the snippet is the beginning of the text', () => {
  const s = makeSnippet(long, q('unicorn'), english, { maxChars: 60 });
  assert.ok(s.text.startsWith('intro0 intro1') && s.text.endsWith('…'));
  assert.ok(s.text.length <= 60);
  assert.deepEqual(s.highlights, []);
});

test('whitespace runs collapse without shifting highlights', () => {
  const s = makeSnippet('alpha\n\n   beta\t\tgamma', q('gamma'), english);
  assert.equal(s.text, 'alpha beta gamma');
  assert.equal(markSnippet(s, '<', '>'), 'alpha beta <gamma>');
});

test('HTML marking escapes the text; terminal marking uses bold', () => {
  const s = makeSnippet('<b>x</b> & toxin', q('toxin'), english);
  assert.equal(markSnippetHtml(s), '&lt;b&gt;x&lt;/b&gt; &amp; <mark>toxin</mark>');
  assert.equal(markSnippetAnsi(s), '<b>x</b> & \x1b[1mtoxin\x1b[22m');
});

test('works on non-Latin text', () => {
  assert.equal(marked('Я живу в Москве, Москве', 'москве', 240), 'Я живу в [Москве], [Москве]');
});
