import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deterministicAnswerScores, overlap, splitClaims, termF1, termsOf } from './answer-metrics.js';

const close = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

const context = [
  { chunkId: 'c1', sourceId: 'd1', text: 'Paris is the capital of France. Paris has many museums.' },
  { chunkId: 'c2', sourceId: 'd2', text: 'The Eiffel Tower was built in 1889 in Paris.' },
];
// Claim 1 terms {pari, capit, franc}: all in the context. Claim 2 terms {eiffel, tower, built, 1901, gustav, lyon}:
// 3 of 6 in the context = 0.5 < 0.6, unsupported.
const answer = 'Paris is the capital of France [1]. The Eiffel Tower was built in 1901 by Gustave Eiffel in Lyon.';

test('claims are the answer sentences with terms; citation markers are dropped', () => {
  assert.deepEqual(splitClaims(answer).map(termsOf), [
    ['pari', 'capit', 'franc'],
    ['eiffel', 'tower', 'built', '1901', 'gustav', 'eiffel', 'lyon'],
  ]);
  assert.deepEqual(splitClaims('Of the. \n  '), []);
});

test('faithfulness, relevance and correctness against hand-computed values', () => {
  const s = deterministicAnswerScores({ question: 'What is the capital of France?', answer, context, citations: [], reference: 'The capital of France is Paris.' });
  close(s.faithfulness, 1 / 2);
  // question terms {what, capit, franc}: the answer has capit and franc
  close(s.answerRelevance, 2 / 3);
  // answer has 10 terms, reference 3 (capit, franc, pari), all 3 shared: P = 3/10, R = 1, F1 = 0.6/1.3
  close(s.correctness, (2 * 0.3 * 1) / 1.3);
  assert.equal(s.citationPrecision, null); // no citations: undefined, not 0
  close(s.citationRecall, 0); // no claim is supported by a citation
});

test('citation precision and recall: out-of-context chunks and quotes not in the chunk are wrong', () => {
  const s = deterministicAnswerScores({
    question: 'q',
    answer,
    context,
    citations: [
      { chunkId: 'c1', sentence: 0, quote: 'capital  of FRANCE' }, // supports claim 1
      { chunkId: 'c2', sentence: 1 }, // cited for claim 2, which c2 does not support (3/6)
      { chunkId: 'nope' }, // not in the context
      { chunkId: 'c1', quote: 'Berlin is big' }, // the quote is not in c1
    ],
  });
  close(s.citationPrecision, 1 / 4);
  close(s.citationRecall, 1 / 2);
});

test('undefined metrics are null, never 0', () => {
  const s = deterministicAnswerScores({ question: 'the of', answer: '', context, citations: [] });
  assert.deepEqual(s, { faithfulness: null, answerRelevance: null, correctness: null, citationPrecision: null, citationRecall: null });
});

test('support threshold and term F1 edge cases', () => {
  close(overlap('Eiffel Tower built 1901', context[1]!.text), 3 / 4);
  const strict = deterministicAnswerScores({ question: 'q', answer: 'The Eiffel Tower was built in 1901.', context, citations: [] }, 0.8);
  close(strict.faithfulness, 0);
  const lenient = deterministicAnswerScores({ question: 'q', answer: 'The Eiffel Tower was built in 1901.', context, citations: [] }, 0.75);
  close(lenient.faithfulness, 1);
  close(termF1('Paris', 'Paris'), 1);
  close(termF1('Berlin', 'Paris'), 0);
  // multiplicities count: prediction [pari, pari], reference [pari] → P = 1/2, R = 1, F1 = 2/3
  close(termF1('Paris Paris', 'Paris'), 2 / 3);
});
