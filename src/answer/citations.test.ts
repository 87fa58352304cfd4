// Citation checking and sentence splitting: what a reader of an answer relies on — every [n] points to a
// provided source, each supported sentence quotes text that is really in that source, and claims without
// support or without a citation are flagged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAnalyzer } from '../search/analyzers.js';
import { checkAnswer, indexSources, isRelevant } from './citations.js';
import { contentTerms, markersIn, splitSentences } from './text.js';

const en = getAnalyzer('english');
const SOURCES = [
  { marker: 1, text: 'The company reported that revenue grew by 5% in 2020. Travel costs were reduced by a third.' },
  { marker: 2, text: 'Employees get 25 vacation days per year. Contractors are not entitled to paid vacation.' },
];

describe('splitSentences', () => {
  it('splits at sentence ends, not at abbreviations, initials or decimals', () => {
    const text = 'Costs fell, e.g. travel. Dr. Smith left in 2020. J. Doe measured 3.5 mg. Values vs. control were flat.';
    assert.deepEqual(
      splitSentences(text).map((s) => s.text),
      ['Costs fell, e.g. travel.', 'Dr. Smith left in 2020.', 'J. Doe measured 3.5 mg.', 'Values vs. control were flat.'],
    );
  });

  it('keeps markers written after the full stop with their sentence, and breaks at blank lines and list items', () => {
    const text = 'Revenue grew. [1] Costs fell [2].\n\nSummary\n- item one\n- item two';
    assert.deepEqual(
      splitSentences(text).map((s) => s.text),
      ['Revenue grew. [1]', 'Costs fell [2].', 'Summary', '- item one', '- item two'],
    );
  });

  it('reports offsets into the original text', () => {
    const text = '  First one.   Second one!  ';
    for (const s of splitSentences(text)) assert.equal(text.slice(s.start, s.end), s.text);
  });
});

describe('markersIn', () => {
  it('reads lists and ranges', () => {
    assert.deepEqual(markersIn('1, 3'), [1, 3]);
    assert.deepEqual(markersIn('2–4'), [2, 3, 4]);
    assert.deepEqual(markersIn('Source 5'), [5]);
  });
});

describe('checkAnswer', () => {
  const index = indexSources(SOURCES, en);

  it('maps each sentence to its markers and quotes the supporting span of the cited source', () => {
    const res = checkAnswer('Revenue grew 5% in 2020 [1]. Employees receive 25 vacation days a year [2].', index, 0.5);
    assert.equal(res.removed.length, 0);
    assert.deepEqual(res.sentences.map((s) => [s.citations, s.supported, s.reason]), [
      [[1], true, 'supported'],
      [[2], true, 'supported'],
    ]);
    assert.equal(res.sentences[0]!.evidence[0]!.quote, 'The company reported that revenue grew by 5% in 2020.');
    assert.equal(res.sentences[1]!.evidence[0]!.quote, 'Employees get 25 vacation days per year.');
    // A quote is always verbatim text of the cited source.
    for (const s of res.sentences) for (const e of s.evidence) assert.ok(SOURCES[e.marker - 1]!.text.includes(e.quote));
  });

  it('removes out-of-range markers from the text and reports them', () => {
    const res = checkAnswer('Employees receive 25 vacation days [2][7]. Travel costs fell by a third [0, 1].', index, 0.5);
    assert.equal(res.text, 'Employees receive 25 vacation days [2]. Travel costs fell by a third [1].');
    assert.deepEqual(res.removed, [
      { marker: 7, sentence: 0 },
      { marker: 0, sentence: 1 },
    ]);
    assert.deepEqual(res.sentences.map((s) => s.citations), [[2], [1]]);
  });

  it('a sentence citing only invalid markers loses them and becomes an uncited claim', () => {
    const res = checkAnswer('Revenue grew 5% in 2020 [9].', index, 0.5);
    assert.equal(res.text, 'Revenue grew 5% in 2020.');
    assert.equal(res.sentences[0]!.reason, 'no-citation');
    assert.equal(res.sentences[0]!.supported, false);
  });

  it('flags a cited sentence its source does not support, and an uncited claim', () => {
    const res = checkAnswer('The CEO resigned in March [1]. Contractors receive stock options. In short:', index, 0.5);
    assert.deepEqual(res.sentences.map((s) => [s.supported, s.reason]), [
      [false, 'weak-support'],
      [false, 'no-citation'],
      [true, 'no-claim'],
    ]);
    assert.equal(res.sentences[0]!.evidence[0]!.quote, '', 'nothing to quote when the source shares no content word');
  });

  it('cites the wrong source: flagged even though the right one would support it', () => {
    const res = checkAnswer('Employees receive 25 vacation days [1].', index, 0.5);
    assert.equal(res.sentences[0]!.supported, false);
  });

  it('support can come from two cited sources together', () => {
    const res = checkAnswer('Revenue grew 5% while contractors are not entitled to paid vacation [1, 2].', index, 0.5);
    assert.equal(res.sentences[0]!.supported, true);
    assert.deepEqual(res.sentences[0]!.citations, [1, 2]);
  });

  it('the "not found" sentence needs no citation', () => {
    const res = checkAnswer('I could not find this in the documents you can access.', index, 0.5);
    assert.equal(res.sentences[0]!.reason, 'no-claim');
  });
});

describe('isRelevant', () => {
  it('needs a share of the question and at least two of its words', () => {
    const q = contentTerms('How many vacation days do contractors get?', en);
    assert.ok(isRelevant(q, contentTerms(SOURCES[1]!.text, en), 0.3));
    assert.ok(!isRelevant(q, contentTerms(SOURCES[0]!.text, en), 0.3));
    assert.ok(!isRelevant(contentTerms('the of and', en), contentTerms(SOURCES[0]!.text, en), 0.3), 'a question without content words matches nothing');
  });
});
