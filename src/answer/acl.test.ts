// Randomized leak test for answers (fixed seed): a few users and groups, documents with random policies and
// classifications, and questions drawn from the documents' words. For every answer, generative (a fake model
// that cites every marker it was given, plus invalid ones) and extractive, nothing the caller may not read is
// sent to the model, listed as a source, cited or quoted — checked against the test's own reading of the rule.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AccessPolicy, Caller } from '../core/types.js';
import type { ChatMessage } from '../models/types.js';
import { resolveCaller, syncDirectoryFromConfig } from '../search/directory.js';
import { createSearcher, type Searcher } from '../search/service.js';
import { entry, fakeGateway, makeCollection, promptSources, type Fixture, type FixtureDoc } from './answer.testkit.js';
import { answer } from './service.js';
import type { AnswerResult } from './types.js';
import { seededDraws } from '../core/random.js';

const rng = seededDraws;

const WORDS = 'budget audit invoice salary roadmap server deploy travel laptop contract merger pricing hiring benefit outage backup vendor privacy incident forecast'.split(' ');
const USERS = { ana: ['fin'], ben: ['eng'], cy: ['fin', 'legal'], dee: [] as string[], eve: ['eng', 'legal'] };
const GROUPS = ['fin', 'eng', 'legal'];
const CLASSES = ['public', 'internal', 'confidential', 'restricted'] as const;

/** Every source the model received, and every source it may cite, plus invalid markers. */
const citeEverything = (messages: ChatMessage[]) =>
  [...promptSources(messages)].map(([m, text]) => `${text.split('. ')[0]} [${m}].`).join(' ') + ' Extra claim about the merger [0][99].';

describe('answers never leak across permissions (seeded)', () => {
  const r = rng(7_2024);
  let fx: Fixture;
  let searcher: Searcher;
  const callers = new Map<string, Caller>();
  const policyOf = new Map<string, AccessPolicy | null>();
  const textsOf = new Map<string, string[]>();

  before(async () => {
    const docs: FixtureDoc[] = [];
    for (let i = 0; i < 60; i++) {
      const sourceId = `d${i}.md`;
      const p = r.next();
      const policy: AccessPolicy | null = p < 0.25 ? null : p < 0.3 ? { readers: [] } : { readers: [r.pick([...GROUPS.map((g) => `group:${g}`), ...Object.keys(USERS).map((u) => `user:${u}`)])] };
      const chunks = Array.from({ length: 1 + r.int(2) }, () =>
        Array.from({ length: 2 + r.int(3) }, () => `The ${Array.from({ length: 6 + r.int(6) }, () => r.pick(WORDS)).join(' ')} of document ${i}.`).join(' '),
      );
      policyOf.set(sourceId, policy);
      textsOf.set(sourceId, chunks);
      docs.push({ sourceId, chunks, policy, classification: r.pick(CLASSES) });
    }
    fx = await makeCollection(docs);
    searcher = createSearcher(fx.store, { k1: 1.2, b: 0.75 });
    const directory = { users: Object.fromEntries(Object.entries(USERS).map(([u, g]) => [u, { groups: g }])), groups: Object.fromEntries(GROUPS.map((g) => [g, {}])) };
    await syncDirectoryFromConfig(fx.store, fx.workspace.id, { directory });
    for (const u of Object.keys(USERS)) callers.set(u, await resolveCaller(fx.store, fx.workspace.id, u));
  });
  after(() => fx.store.close());

  const mayRead = (user: string, sourceId: string) => {
    const policy = policyOf.get(sourceId)!;
    const principals = new Set([`user:${user}`, '*', ...USERS[user as keyof typeof USERS].map((g) => `group:${g}`)]);
    return policy === null || policy.readers.some((x) => principals.has(x));
  };

  it('120 questions × generative and extractive: zero leaks', async () => {
    let checkedCitations = 0;
    let hiddenSomewhere = 0;
    const chain = [entry('any', [...CLASSES])];
    for (let q = 0; q < 120; q++) {
      const user = r.pick(Object.keys(USERS));
      const caller = callers.get(user)!;
      const question = `What about the ${Array.from({ length: 2 + r.int(3) }, () => r.pick(WORDS)).join(' and the ')}?`;
      const gw = fakeGateway(chain, citeEverything);
      const results: AnswerResult[] = [
        await answer({ caller, collection: fx.collection, question, model: 'default', limit: 1 + r.int(10) }, { searcher, store: fx.store, gateway: gw }),
        await answer({ caller, collection: fx.collection, question, limit: 1 + r.int(10) }, { searcher, store: fx.store }),
      ];
      // What reached the model: every source block is a chunk of a document the caller may read.
      for (const call of gw.calls) {
        for (const text of promptSources(call.messages).values()) {
          const owner = [...textsOf].find(([, chunks]) => chunks.includes(text));
          assert.ok(owner, 'a prompt source is the full text of a stored chunk');
          assert.ok(mayRead(user, owner[0]), `${user} sent ${owner[0]} to a model`);
        }
      }
      for (const res of results) {
        for (const h of res.retrieval.hits) assert.ok(mayRead(user, h.sourceId), `${user} was shown ${h.sourceId}`);
        for (const c of res.citations) {
          checkedCitations++;
          assert.ok(mayRead(user, c.sourceId), `${user} cited ${c.sourceId}`);
          assert.ok(c.quote === '' || textsOf.get(c.sourceId)!.some((t) => t.includes(c.quote)), 'quotes come from the cited document');
        }
        for (const s of res.sentences) for (const e of s.evidence) assert.ok(res.retrieval.hits.some((h) => h.marker === e.marker));
      }
      if ([...policyOf.keys()].some((id) => !mayRead(user, id))) hiddenSomewhere++;
    }
    assert.ok(checkedCitations > 100, `the test exercised citations (${checkedCitations})`);
    assert.ok(hiddenSomewhere > 100, 'most callers had documents they may not read');
  });
});
