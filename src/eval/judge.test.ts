import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { fakeGateway } from './fakes.testkit.js';
import { judgeAnswer, parseVerdict } from './judge.js';

const input = {
  question: 'What is the capital of France?',
  answer: 'Paris is the capital. It has museums.',
  context: [{ chunkId: 'c1', sourceId: 'd1', text: 'Paris is the capital of France.' }],
  citations: [{ chunkId: 'c1', sentence: 0 }],
  reference: 'Paris.',
};

/** Replies by what the prompt asks for, like a well-behaved judge model. */
const goodJudge = (_alias: string, prompt: string) => {
  if (prompt.includes('atomic factual claims')) return '```json\n{"claims":[{"claim":"Paris is the capital","supported":true},{"claim":"It has museums","supported":false}]}\n```';
  if (prompt.includes('Reference answer')) return '{"score": 0.9, "reason": "same city"}';
  if (prompt.includes('How directly')) return '{"score": 0.75}';
  return '{"sentences":[{"supported":true},{"supported":false}],"citations":[{"supports":true}]}';
};

test('judge verdicts become scores; costs and tokens add up over the calls', async () => {
  const gw = fakeGateway(goodJudge);
  const out = await judgeAnswer(input, { gateway: gw, alias: 'judge', workspaceId: 'ws', classification: 'confidential' });
  assert.deepEqual(out.scores, { faithfulness: 0.5, answerRelevance: 0.75, correctness: 0.9, citationPrecision: 1, citationRecall: 0.5 });
  assert.deepEqual(out.failures, []);
  assert.equal(gw.calls.length, 4);
  assert.ok(gw.calls.every((c) => c.classification === 'confidential' && c.req.temperature === 0 && c.req.responseFormat === 'json'));
  assert.ok(out.costUsd > 0 && out.inputTokens > 0);
});

test('unparsable or malformed verdicts are counted and leave the metric null, not 0', async () => {
  const gw = fakeGateway((alias, prompt) => {
    if (prompt.includes('atomic factual claims')) return 'The answer looks faithful to me!';
    if (prompt.includes('How directly')) return '{"score": 7}'; // out of range
    if (prompt.includes('Reference answer')) return '{"score": 1} trailing words';
    return '{"sentences":[{"supported":true}],"citations":[{"supports":true}]}'; // 1 sentence of 2
  });
  const out = await judgeAnswer(input, { gateway: gw, alias: 'judge', workspaceId: 'ws' });
  assert.deepEqual(out.scores, { faithfulness: null, answerRelevance: null, correctness: null, citationPrecision: null, citationRecall: null });
  assert.deepEqual(out.failures.map((f) => f.metric).sort(), ['answerRelevance', 'citationPrecision', 'citationRecall', 'correctness', 'faithfulness']);
  assert.match(out.failures.find((f) => f.metric === 'citationRecall')!.reason, /expected 2 sentences and 1 citations/);
});

test('a failing judge call is a counted failure, not a crash', async () => {
  const gw = fakeGateway(() => {
    throw new Error('provider down');
  });
  const out = await judgeAnswer({ ...input, citations: [], reference: undefined }, { gateway: gw, alias: 'judge', workspaceId: 'ws' });
  assert.equal(out.failures.length, 2);
  assert.match(out.failures[0]!.reason, /provider down/);
});

test('parseVerdict accepts one JSON object (optionally fenced) and nothing else', () => {
  const s = z.object({ score: z.number() });
  assert.deepEqual(parseVerdict(' {"score": 1} ', s), { ok: true, value: { score: 1 } });
  assert.deepEqual(parseVerdict('```\n{"score": 0}\n```', s), { ok: true, value: { score: 0 } });
  assert.equal(parseVerdict('Sure! {"score": 1}', s).ok, false);
  assert.equal(parseVerdict('{"score": "high"}', s).ok, false);
});
