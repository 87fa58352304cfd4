import { test } from 'node:test';
import assert from 'node:assert/strict';
import sqliteStore from '../store/drivers/sqlite.js';
import { fakeGateway } from './fakes.testkit.js';
import { generateSynthetic } from './synthetic.js';

async function collectionWith(n: number) {
  const store = await sqliteStore({ dataDir: ':memory:' });
  const ws = await store.ensureWorkspace('w');
  const collection = await store.createCollection({
    workspaceId: ws.id,
    name: 'kb',
    settings: { chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: 'cl100k_base' }, analyzer: { name: 'english' } },
    classification: 'confidential',
  });
  await store.write({
    collectionId: collection.id,
    upserts: Array.from({ length: n }, (_, i) => ({
      sourceId: `doc-${i}`,
      sourcePath: 'docs.jsonl',
      contentHash: `h${i}`,
      metadata: {},
      accessPolicy: null,
      classification: null,
      chunks: [{ ordinal: 0, text: `Document ${i} says the answer is ${i * 7}.`, tokenCount: 9, location: {}, terms: '', termCount: 0 }],
    })),
  });
  return { store, collection };
}

test('synthetic pairs: one model call per sampled document, strict JSON, unparsable replies counted and skipped', async () => {
  const { store, collection } = await collectionWith(10);
  let call = 0;
  const gw = fakeGateway((_alias, prompt) => {
    call++;
    const n = /Document (\d+) says/.exec(prompt)![1];
    if (call === 2) return 'Here are some questions: 1. What is it?'; // prose, not JSON
    if (call === 3) return '{"pairs":[{"question":"Q?"}]}'; // answer missing
    return JSON.stringify({ pairs: [{ question: `What does document ${n} say?`, answer: `The answer is ${Number(n) * 7}.` }] });
  });
  const res = await generateSynthetic({ store, collection, gateway: gw, alias: 'writer', count: 6, seed: 3 });
  assert.equal(gw.calls.length, 6);
  assert.ok(gw.calls.every((c) => c.classification === 'confidential' && c.alias === 'writer'));
  assert.equal(res.questions.length, 4);
  assert.deepEqual(res.warnings.map((w) => [w.code, w.count]), [['unparsable', 2]]);
  for (const q of res.questions) {
    const doc = Object.keys(q.relevant!)[0]!;
    assert.equal(q.question, `What does document ${doc.slice(4)} say?`);
    assert.equal(q.reference, `The answer is ${Number(doc.slice(4)) * 7}.`);
  }
  // The same seed samples the same documents.
  const again = await generateSynthetic({ store, collection, gateway: fakeGateway((_a, p) => JSON.stringify({ pairs: [{ question: p.slice(0, 40), answer: 'a' }] })), alias: 'w', count: 6, seed: 3 });
  const firstDocs = gw.calls.map((c) => /Document (\d+)/.exec(c.req.messages[0]!.content)![1]);
  assert.deepEqual(again.questions.map((q) => Object.keys(q.relevant!)[0]!.slice(4)), firstDocs);
  assert.ok(res.costUsd > 0);
  await store.close();
});
