// Context packing: the prompt's sources never exceed the budget, the lowest-ranked chunks are the ones left
// out, and a chunk is only ever shortened at a sentence boundary, visibly.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadCounter, packContext, sourceBudget, type CountTokens } from './pack.js';
import { renderSource } from './prompt.js';

const sentence = (i: number) => `Sentence number ${i} talks about the quarterly budget review and its many careful findings.`;
const chunk = (n: number, from: number) => Array.from({ length: n }, (_, i) => sentence(from + i)).join(' ');

function candidates(texts: string[]) {
  return texts.map((text, i) => ({ chunkId: `c${i + 1}`, text, render: (t: string, truncated: boolean) => renderSource(i + 1, `Doc ${i + 1}`, t, truncated) }));
}

describe('packContext', () => {
  let count: CountTokens;
  before(async () => {
    count = await loadCounter();
  });

  it('fits everything when the budget allows, in rank order', () => {
    const packed = packContext(candidates([chunk(2, 0), chunk(2, 10)]), 10_000, count);
    assert.deepEqual(packed.included.map((p) => p.candidate.chunkId), ['c1', 'c2']);
    assert.equal(packed.dropped.length, 0);
    assert.equal(packed.usedTokens, packed.included.reduce((n, p) => n + count(p.block), 0));
  });

  it('never exceeds the budget, drops the lowest-ranked first and cuts only at sentence ends, saying so', () => {
    const texts = [chunk(6, 0), chunk(6, 10), chunk(6, 20), chunk(6, 30)];
    const full = texts.map((t, i) => count(renderSource(i + 1, `Doc ${i + 1}`, t, false)));
    let truncations = 0;
    for (const budget of [40, full[0]! - 5, full[0]! + 30, full[0]! + full[1]! + 60, full[0]! + full[1]! + full[2]!]) {
      const packed = packContext(candidates(texts), budget, count);
      const used = packed.included.reduce((n, p) => n + count(p.block), 0);
      assert.ok(used <= budget, `budget ${budget}: used ${used}`);
      assert.equal(used, packed.usedTokens);
      // A prefix of the ranking goes in; everything after it is dropped.
      const ids = packed.included.map((p) => p.candidate.chunkId);
      assert.deepEqual(ids, ['c1', 'c2', 'c3', 'c4'].slice(0, ids.length));
      assert.deepEqual(packed.dropped.map((d) => d.chunkId), ['c1', 'c2', 'c3', 'c4'].slice(ids.length));
      for (const p of packed.included) {
        if (!p.truncated) {
          assert.equal(p.text, p.candidate.text);
          continue;
        }
        assert.ok(p.candidate.text.startsWith(p.text) && p.text.endsWith('findings.'), 'a truncated chunk ends at a sentence end');
        assert.match(p.block, /\[excerpt: the rest of this passage did not fit\]/);
      }
      assert.ok(packed.included.filter((p) => p.truncated).length <= 1);
      truncations += packed.included.filter((p) => p.truncated).length;
    }
    assert.ok(truncations >= 2, 'the budgets above cut inside a chunk at least twice');
  });

  it('leaves a chunk out rather than cut its only sentence', () => {
    const packed = packContext(candidates([sentence(1)]), 5, count);
    assert.equal(packed.included.length, 0);
    assert.equal(packed.dropped.length, 1);
  });
});

describe('sourceBudget', () => {
  it('is the window minus answer, prompt and margin, capped, never negative', () => {
    assert.equal(sourceBudget({ contextWindow: 8000, answerTokens: 1000, promptTokens: 200, safetyMargin: 0.05 }), 8000 - 1000 - 200 - 400);
    assert.equal(sourceBudget({ contextWindow: 8000, answerTokens: 1000, promptTokens: 200, safetyMargin: 0.05, cap: 500 }), 500);
    assert.equal(sourceBudget({ contextWindow: 1000, answerTokens: 1000, promptTokens: 200, safetyMargin: 0 }), 0);
  });
});
