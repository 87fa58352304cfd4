import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StrataError } from '../core/errors.js';
import { analyzerNames, getAnalyzer } from './analyzers.js';

const english = getAnalyzer('english');
const standard = getAnalyzer('standard');

test('english: inflections of a word share one term, so "running" finds "runs"', () => {
  assert.deepEqual(english.terms('running'), english.terms('runs'));
  assert.deepEqual(english.terms('Connections connected CONNECTING'), ['connect', 'connect', 'connect']);
});

test('english: Lucene stopwords are dropped, content words kept', () => {
  assert.deepEqual(english.terms('The effect of the drug on a patient'), ['effect', 'drug', 'patient']);
  assert.deepEqual(english.terms('the and of'), []);
});

test('english: possessives and inner apostrophes', () => {
  assert.deepEqual(english.terms("Smith's O'Neil don’t"), ['smith', 'oneil', 'dont']);
  // a curly apostrophe and a straight one give the same term
  assert.deepEqual(english.terms('O’Neil'), english.terms("O'Neil"));
});

test('hyphenated ids split into parts and also match their joined form', () => {
  assert.deepEqual(english.terms('IL-6'), ['il', '6', 'il6']);
  assert.ok(english.terms('IL6 levels').includes('il6'));
  assert.deepEqual(english.terms('p53 COVID-19'), ['p53', 'covid', '19', 'covid19']);
  // plain hyphenated words are only split
  assert.deepEqual(english.terms('well-known'), ['well', 'known']);
});

test('numbers are kept, decimals stay whole', () => {
  assert.deepEqual(english.terms('0.5 mg in 2019, 1,000 mice'), ['0.5', 'mg', '2019', '1,000', 'mice']);
});

test('Unicode: accents, ß, Cyrillic, Greek, CJK and NFKC forms', () => {
  assert.deepEqual(standard.terms('Café Straße'), ['café', 'strasse']);
  assert.deepEqual(english.terms('café naïve'), english.terms('cafe naive'));
  assert.deepEqual(standard.terms('Москва ПРИВЕТ'), ['москва', 'привет']);
  assert.deepEqual(standard.terms('ΟΔΟΣ οδος'), ['οδοσ', 'οδοσ']);
  // Han and Hiragana have no spaces between words: one token per character
  assert.deepEqual(standard.terms('東京に'), ['東', '京', 'に']);
  assert.deepEqual(standard.terms('한국어 カタカナ'), ['한국어', 'カタカナ']);
  // full-width letters and ligatures are folded by NFKC
  assert.deepEqual(standard.terms('ＡＢＣ ﬁle'), ['abc', 'file']);
  // combining marks stay inside the token
  assert.deepEqual(standard.terms('cafe\u0301 x'), ['café', 'x']);
  // a compatibility ligature that NFKC expands into several words still yields one space-free term
  const ligature = standard.terms('\ufdfa');
  assert.equal(ligature.length, 1);
  assert.ok(!ligature[0]!.includes(' '));
});

test('tokens report offsets into the original text', () => {
  const text = 'Über IL-6, the café’s menu';
  const toks = english.tokens(text);
  for (const t of toks) assert.ok(t.end > t.start && t.end <= text.length);
  assert.deepEqual(
    toks.map((t) => text.slice(t.start, t.end)),
    ['Über', 'IL', '6', 'IL-6', 'café’s', 'menu'],
  );
  assert.deepEqual(toks.map((t) => t.term), ['uber', 'il', '6', 'il6', 'cafe', 'menu']);
});

test('standard keeps stopwords and word forms, and splits elisions', () => {
  assert.deepEqual(standard.terms('The running dogs'), ['the', 'running', 'dogs']);
  assert.deepEqual(standard.terms("l'homme"), ['l', 'homme']);
  assert.deepEqual(standard.terms('snake_case fooBar'), ['snake_case', 'foobar']);
});

test('terms and tokens agree, on ASCII and mixed text', () => {
  const texts = ['Plain ASCII text, with punctuation. e.g. x-ray; 5\'s', 'Mixed: naïve—Zürich «quoted» 😀emoji😀 a.b.c'];
  for (const a of [english, standard]) {
    for (const t of texts) assert.deepEqual(a.tokens(t).map((x) => x.term), a.terms(t));
  }
});

test('getAnalyzer: unknown names are a config error listing the valid ones', () => {
  assert.deepEqual(analyzerNames(), ['english', 'standard']);
  assert.equal(getAnalyzer().name, 'english');
  assert.throws(
    () => getAnalyzer('klingon'),
    (e: unknown) => e instanceof StrataError && e.code === 'config' && /english, standard/.test(e.message),
  );
  assert.throws(() => getAnalyzer('toString'), StrataError);
});
