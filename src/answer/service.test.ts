// The answer service end to end over a real in-memory store and searcher, with a fake gateway that records
// what it was sent: citations map to the chunks that were in the prompt, invalid markers are removed, weak
// sentences are flagged, nothing relevant never reaches a model, the classification handed to the gateway is
// that of the text actually sent, the prompt fits the model, and nothing the caller may not read is ever
// sent, cited or quoted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Caller } from '../core/types.js';
import type { ChatMessage } from '../models/types.js';
import { resolveCaller, syncDirectoryFromConfig } from '../search/directory.js';
import { createSearcher, type Searcher } from '../search/service.js';
import { entry, fakeGateway, makeCollection, promptSources, type Fixture } from './answer.testkit.js';
import { loadCounter, MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS } from './pack.js';
import { answer, streamAnswer, type AnswerDeps } from './service.js';
import type { AnswerEvent } from './types.js';

const HANDBOOK = [
  { sourceId: 'vacation.md', title: 'Vacation', headings: ['Leave', 'Vacation'], chunks: ['Employees get 25 vacation days per year. Unused vacation days expire at the end of March.'] },
  { sourceId: 'contractors.md', title: 'Contractors', page: 3, classification: 'confidential' as const, chunks: ['Contractors are not entitled to paid vacation days. Contractors invoice their hours monthly.'] },
  { sourceId: 'salaries.md', title: 'Salary bands', classification: 'restricted' as const, policy: { readers: ['group:hr'] }, chunks: ['Senior employees may negotiate five extra vacation days per year with their salary band.'] },
  { sourceId: 'travel.md', title: 'Travel', chunks: ['Book flights through the travel portal. Economy class applies to flights under six hours.'] },
];

/** A model that cites well: it repeats the first sentence of every source with its marker, then adds extras. */
const echoModel = (extra = '') => (messages: ChatMessage[]) =>
  [...promptSources(messages)].map(([m, text]) => `${text.split('. ')[0]!.replace(/\.$/, '')} [${m}].`).join(' ') + extra;

describe('answer service', () => {
  let fx: Fixture;
  let searcher: Searcher;
  let alice: Caller;
  let hana: Caller;
  const deps = (gateway: AnswerDeps['gateway'], settings: AnswerDeps['settings'] = {}): AnswerDeps => ({ searcher, store: fx.store, gateway, settings });

  before(async () => {
    fx = await makeCollection(HANDBOOK);
    searcher = createSearcher(fx.store, { k1: 1.2, b: 0.75 });
    await syncDirectoryFromConfig(fx.store, fx.workspace.id, { directory: { users: { alice: { groups: [] }, hana: { groups: ['hr'] } }, groups: { hr: {} } } });
    alice = await resolveCaller(fx.store, fx.workspace.id, 'alice');
    hana = await resolveCaller(fx.store, fx.workspace.id, 'hana');
  });
  after(() => fx.store.close());

  it('maps citations to the chunks in the prompt, removes out-of-range markers and flags unsupported sentences', async () => {
    const gw = fakeGateway([entry('m', ['public', 'internal', 'confidential', 'restricted'])], echoModel(' The moon is made of green cheese [1]. Bonus days apply to everyone [9].'));
    const res = await answer({ caller: alice, collection: fx.collection, question: 'How many vacation days do employees and contractors get?', model: 'default' }, deps(gw));
    assert.equal(gw.calls.length, 1);
    assert.equal(res.status, 'answered');
    assert.equal(res.mode, 'generative');
    const prompt = promptSources(gw.calls[0]!.messages);
    assert.equal(prompt.size, res.retrieval.hits.length);
    for (const c of res.citations) {
      const src = res.retrieval.hits.find((h) => h.marker === c.marker)!;
      assert.equal(c.chunkId, src.chunkId);
      const chunk = (await fx.store.getChunks(c.documentId)).find((x) => x.id === c.chunkId)!;
      assert.equal(prompt.get(c.marker), chunk.text, 'marker n is the chunk shown as [n] in the prompt');
      assert.ok(chunk.text.includes(c.quote) && c.quote.length > 0, 'the quote is verbatim text of the cited chunk');
    }
    const vacation = res.citations.find((c) => c.sourceId === 'vacation.md')!;
    assert.deepEqual(vacation.location.headings, ['Leave', 'Vacation']);
    assert.equal(res.citations.find((c) => c.sourceId === 'contractors.md')!.location.pageStart, 3);
    assert.deepEqual(res.removedCitations.map((r) => r.marker), [9]);
    assert.ok(!res.answer.includes('[9]'));
    const moon = res.sentences.find((s) => s.text.includes('moon'))!;
    assert.equal(moon.supported, false);
    const bonus = res.sentences.find((s) => s.text.includes('Bonus'))!;
    assert.deepEqual([bonus.supported, bonus.reason], [false, 'no-citation']);
    assert.ok(res.sentences.filter((s) => s.reason === 'supported').length >= 2);
    assert.equal(res.costUsd, 0.001);
    assert.equal(res.route?.modelId, 'm');
  });

  it('never calls the model when nothing relevant is found, and says so', async () => {
    const gw = fakeGateway([entry('m', ['internal', 'confidential', 'restricted'])], () => 'should not be called [1].');
    for (const question of ['Who won the football world cup in 2014?', 'What is the capital of France?', 'vacation']) {
      const res = await answer({ caller: alice, collection: fx.collection, question: question === 'vacation' ? 'the of and' : question, model: 'default' }, deps(gw));
      assert.equal(res.status, 'not-found');
      assert.equal(res.answer, 'I could not find this in the documents you can access.');
      assert.equal(res.citations.length, 0);
    }
    assert.equal(gw.calls.length, 0);
    assert.equal(gw.resolves.length, 0, 'not even a route was planned');
  });

  it('hands the gateway the highest classification of the chunks actually sent', async () => {
    const chain = [entry('small', ['public', 'internal'], 128_000), entry('cleared', ['public', 'internal', 'confidential', 'restricted'], 128_000)];
    const q = { collection: fx.collection, question: 'How many vacation days do employees get per year?', model: 'default' };
    const cases: [Caller, number | undefined, string][] = [
      [hana, undefined, 'restricted'], // reads salaries.md
      [alice, undefined, 'confidential'], // cannot read it: contractors.md is the highest she sends
    ];
    for (const [caller, maxContextTokens, want] of cases) {
      const gw = fakeGateway(chain, echoModel());
      const res = await answer({ ...q, caller, maxContextTokens }, deps(gw));
      assert.equal(gw.calls[0]!.ctx.classification, want);
      assert.equal(res.classification, want);
      assert.equal(res.route?.modelId, 'cleared');
    }
    // Only the best chunk fits: it is internal (the collection's level), so the first-choice model may take it.
    const gw = fakeGateway(chain, echoModel());
    const one = await answer({ ...q, caller: hana, maxContextTokens: 40 }, deps(gw));
    assert.equal(one.retrieval.hits.length, 1);
    assert.equal(one.retrieval.hits[0]!.sourceId, 'vacation.md');
    assert.equal(gw.calls[0]!.ctx.classification, 'internal');
    assert.equal(one.route?.modelId, 'small');
  });

  it('fits the whole prompt and the answer into the model window, dropping lower-ranked chunks', async () => {
    const count = await loadCounter();
    const window = 380;
    const gw = fakeGateway([entry('tiny', ['internal', 'confidential', 'restricted'], window, 128)], echoModel());
    const res = await answer({ caller: hana, collection: fx.collection, question: 'How many vacation days do employees get per year?', model: 'default' }, deps(gw));
    const call = gw.calls[0]!;
    const promptTokens = call.messages.reduce((n, m) => n + count(m.content) + MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS);
    assert.equal(call.maxTokens, 128);
    assert.ok(promptTokens + call.maxTokens! <= window, `prompt ${promptTokens} + answer ${call.maxTokens} ≤ ${window}`);
    assert.ok(res.retrieval.packing!.droppedChunkIds.length > 0, 'something had to be left out');
    assert.ok(res.retrieval.packing!.usedTokens <= res.retrieval.packing!.budgetTokens);
  });

  it('refuses clearly when no source fits the budget', async () => {
    const gw = fakeGateway([entry('m', ['internal', 'confidential', 'restricted'])], echoModel());
    await assert.rejects(
      answer({ caller: alice, collection: fx.collection, question: 'How many vacation days do employees get?', model: 'default', maxContextTokens: 3 }, deps(gw)),
      (e: Error & { code?: string }) => e.code === 'invalid-input' && /no source fits/.test(e.message),
    );
    assert.equal(gw.calls.length, 0);
  });

  it('a model asked for without a gateway is an input error; without a model the answer is extractive', async () => {
    await assert.rejects(answer({ caller: alice, collection: fx.collection, question: 'vacation days', model: 'gpt' }, deps(null)), /no model gateway is configured/);
    const res = await answer({ caller: alice, collection: fx.collection, question: 'How many vacation days do employees get?' }, deps(null));
    assert.equal(res.mode, 'extractive');
    assert.match(res.answer, /^Employees get 25 vacation days per year\. \[\d\]/);
    assert.equal(res.citations[0]!.sourceId, 'vacation.md');
    assert.equal(res.citations[0]!.quote, 'Employees get 25 vacation days per year.');
  });

  it('streams retrieval, route, tokens, citations and done, and ends with the same answer as a plain call', async () => {
    const gw = fakeGateway([entry('m', ['internal', 'confidential', 'restricted'])], echoModel(' Bonus days apply [7].'));
    const req = { caller: hana, collection: fx.collection, question: 'How many vacation days do employees get per year?', model: 'default' };
    const events: AnswerEvent[] = [];
    for await (const ev of streamAnswer(req, deps(gw))) events.push(ev);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'retrieval');
    assert.equal(types[1], 'route');
    assert.equal(types.at(-1), 'done');
    assert.equal(types.filter((t) => t === 'done').length, 1);
    const firstCitation = types.indexOf('citation');
    assert.ok(firstCitation > 0 && types.slice(firstCitation + 1).includes('token'), 'citations arrive while tokens still stream');
    const done = events.at(-1) as Extract<AnswerEvent, { type: 'done' }>;
    const tokens = events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
    assert.equal(done.result.answer, tokens.replace(' [7]', ''));
    const cited = events.flatMap((e) => (e.type === 'citation' ? [e.citation.marker] : []));
    assert.deepEqual([...new Set(cited)].sort(), done.result.citations.map((c) => c.marker));
    const plain = await answer(req, deps(fakeGateway([entry('m', ['internal', 'confidential', 'restricted'])], echoModel(' Bonus days apply [7].'))));
    assert.deepEqual({ ...done.result, tookMs: 0 }, { ...plain, tookMs: 0 });
  });
});
