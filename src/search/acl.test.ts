// The permission leak test: a seeded random corpus, directory and query mix, checked against an independent
// reference of who may read what. Two properties, on every search mode and every guarded path:
//   1. nothing a caller may not read is ever returned (hits, snippets, fetches, listings, counts);
//   2. filtering does not starve the top-k: the caller's page equals the same page of the unfiltered
//      ranking restricted to readable documents (same ids, same order, same scores).
// Then a policy change must show on the very next request, both ways, without rebuilding the text index.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operatorCaller } from '../core/access.js';
import type { AccessPolicy, Caller, Collection } from '../core/types.js';
import sqliteStore from '../store/drivers/sqlite.js';
import type { DocumentInput, Store } from '../store/types.js';
import { resolveCaller, syncDirectoryFromConfig } from './directory.js';
import type { Filter } from './filters.js';
import { createSearcher, indexTextWith, type SearchHit, type Searcher } from './service.js';
import { seededDraws } from '../core/random.js';
import { referenceCanRead, referencePrincipals, type Dir } from './acl-reference.testkit.js';

const SEED = 20240611;
const N_DOCS = 240;
const N_USERS = 20;
const N_QUERIES = 500;

const rng = seededDraws;

const WORDS = ('budget audit invoice salary roadmap server deploy travel laptop contract merger pricing hiring ' +
  'benefit outage backup vendor privacy incident forecast payroll quarter revenue pipeline license patent ' +
  'customer warranty compliance training').split(' ');
const DEPTS = ['eng', 'hr', 'fin', 'legal'];

describe('permission-aware retrieval: seeded leak test', () => {
  const r = rng(SEED);
  let store: Store;
  let col: Collection;
  let searcher: Searcher;
  let operator: Caller;
  const dir: Dir = { users: {}, groups: {} };
  const users: string[] = [];
  const callers = new Map<string, Caller>();
  const refPrincipals = new Map<string, Set<string>>();
  /** Policies as the test wrote them, by source id: the reference never asks the code under test. */
  const policyOf = new Map<string, AccessPolicy | null>();
  const textOf = new Map<string, string>(); // chunk text by `${sourceId}#${ordinal}`
  const stats = { searches: 0, hitsChecked: 0, hiddenByAcl: 0, fetches: 0, lists: 0, counts: 0, violations: 0, starved: 0 };
  const readable = (user: string, sourceId: string) => referenceCanRead(policyOf.get(sourceId)!, refPrincipals.get(user)!);

  before(async () => {
    store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('acme');
    const settings = { chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: 'cl100k_base' as const }, analyzer: { name: 'english' } };
    col = await store.createCollection({ workspaceId: ws.id, name: 'kb', settings });
    operator = operatorCaller(ws.id, 'cli');

    // Groups g0..g11: nested upwards at random, plus a cycle (g10 ↔ g11) that must not hang resolution.
    for (let g = 0; g < 12; g++) dir.groups[`g${g}`] = { groups: [] };
    for (let g = 0; g < 10; g++) if (r.next() < 0.5) dir.groups[`g${g}`]!.groups!.push(`g${g + 1 + r.int(10 - g)}`);
    dir.groups.g10!.groups!.push('g11');
    dir.groups.g11!.groups!.push('g10');
    for (let u = 0; u < N_USERS; u++) {
      const id = `u${String(u).padStart(2, '0')}`;
      users.push(id);
      const groups = new Set<string>();
      for (let k = r.int(4); k > 0; k--) groups.add(`g${r.int(12)}`); // 0–3 direct groups: overlapping memberships
      dir.users[id] = { groups: [...groups] };
    }
    await syncDirectoryFromConfig(store, ws.id, { directory: dir });
    for (const u of users) {
      callers.set(u, await resolveCaller(store, ws.id, u));
      refPrincipals.set(u, referencePrincipals(u, dir));
    }

    const analyze = indexTextWith('english');
    const docs: DocumentInput[] = [];
    for (let i = 0; i < N_DOCS; i++) {
      const sourceId = `doc-${String(i).padStart(3, '0')}.md`;
      const p = r.next();
      const principalPool = [...users.map((u) => `user:${u}`), ...Object.keys(dir.groups).map((g) => `group:${g}`), 'group:ghost'];
      const policy: AccessPolicy | null =
        p < 0.2 ? null : p < 0.28 ? { readers: [] } : p < 0.36 ? { readers: ['*'] } : { readers: [...new Set(Array.from({ length: 1 + r.int(3) }, () => r.pick(principalPool)))] };
      policyOf.set(sourceId, policy);
      const nChunks = i % 40 === 0 ? 0 : 1 + r.int(3); // a few documents without text: counted, never ranked
      const chunks = Array.from({ length: nChunks }, (_, ordinal) => {
        const text = Array.from({ length: 8 + r.int(18) }, () => WORDS[Math.floor(WORDS.length * r.next() ** 1.7)]!).join(' ');
        textOf.set(`${sourceId}#${ordinal}`, text);
        return { ordinal, text, tokenCount: text.split(' ').length, location: {}, ...analyze(text) };
      });
      const metadata = { title: `Doc ${i}`, dept: r.pick(DEPTS), year: 2018 + r.int(7) };
      docs.push({ sourceId, sourcePath: sourceId, contentHash: `h${i}`, metadata, accessPolicy: policy, classification: null, chunks });
    }
    await store.write({ collectionId: col.id, upserts: docs });
    // A small bitmap cache, so the 20 users keep evicting each other and the cache path is exercised too.
    searcher = createSearcher(store, { k1: 1.2, b: 0.75 }, { aclCacheSize: 4 });
  });
  after(() => store.close());

  const idOf = (h: SearchHit, collapse: 'document' | 'chunk') => (collapse === 'chunk' ? h.chunkId : h.documentId);

  it(`${N_QUERIES} random queries over every mode and guarded path: zero leaks, no starvation`, async () => {
    const allSourceIds = [...policyOf.keys()];
    for (let q = 0; q < N_QUERIES; q++) {
      const user = r.pick(users);
      const caller = callers.get(user)!;
      const query = Array.from({ length: 1 + r.int(3) }, () => r.pick(WORDS)).join(' ');
      const collapse = r.next() < 0.5 ? 'document' : 'chunk';
      const limit = 1 + r.int(15);
      const offset = r.next() < 0.6 ? 0 : r.int(12);
      const fp = r.next();
      const filter: Filter | undefined = fp < 0.2 ? { dept: r.pick(DEPTS) } : fp < 0.35 ? { year: { gte: 2018 + r.int(7) } } : undefined;
      const snippetChars = r.next() < 0.5 ? 0 : 60 + r.int(200);

      const res = await searcher.search({ caller, collection: col, query, limit, offset, filter, collapse, snippetChars });
      stats.searches++;
      for (const h of res.hits) {
        stats.hitsChecked++;
        if (!readable(user, h.sourceId)) stats.violations++;
        if (snippetChars > 0) {
          const own = textOf.get(`${h.sourceId}#${h.chunkOrdinal}`)!;
          const bare = h.snippet!.text.replace(/^…|…$/g, '');
          assert.ok(own.includes(bare), `snippet of ${h.chunkId} comes from its own chunk`);
        } else assert.equal(h.snippet, undefined);
      }
      // The reference page: the operator's full ranking, restricted afterwards to what the user may read.
      const full = await searcher.search({ caller: operator, collection: col, query, limit: 100_000, filter, collapse, snippetChars: 0 });
      const visible = full.hits.filter((h) => readable(user, h.sourceId));
      stats.hiddenByAcl += full.hits.length - visible.length;
      const expected = visible.slice(offset, offset + limit);
      if (res.hits.length < expected.length) stats.starved++;
      assert.deepEqual(
        res.hits.map((h) => [idOf(h, collapse), h.score]),
        expected.map((h) => [idOf(h, collapse), h.score]),
        `query ${q} (${user}, "${query}", ${collapse}, limit ${limit}, offset ${offset}, filter ${JSON.stringify(filter)})`,
      );
      assert.deepEqual(res.hits.map((h) => h.rank), expected.map((_, i) => offset + i + 1));

      // Document fetch by id or source id: the document when readable, null (never "forbidden") otherwise.
      const target = r.pick(allSourceIds);
      const byId = r.next() < 0.5 ? target : (await store.getDocument(col.id, target))!.id;
      const got = await searcher.getDocumentFor(caller, col, byId);
      stats.fetches++;
      if (got && !readable(user, target)) stats.violations++;
      assert.equal(got?.sourceId ?? null, readable(user, target) ? target : null);

      if (q % 5 === 0) {
        const count = await searcher.countDocumentsFor(caller, col);
        stats.counts++;
        assert.equal(count, allSourceIds.filter((s) => readable(user, s)).length, `count for ${user}`);
        const page = { limit: 1 + r.int(60), offset: r.int(80) };
        const list = await searcher.listDocumentsFor(caller, col, page);
        stats.lists++;
        for (const d of list) if (!readable(user, d.sourceId)) stats.violations++;
        const expectedList = allSourceIds.filter((s) => readable(user, s)).sort().slice(page.offset, page.offset + page.limit);
        assert.deepEqual(list.map((d) => d.sourceId), expectedList);
      }
    }
    console.log(`[acl leak test] seed ${SEED}: ${N_DOCS} docs, ${N_USERS} users, ${JSON.stringify(stats)}`);
    assert.equal(stats.violations, 0);
    assert.equal(stats.starved, 0);
    // The test means something only if the ACL actually hid results and still returned many.
    assert.ok(stats.hiddenByAcl > 1000, `hidden by ACL: ${stats.hiddenByAcl}`);
    assert.ok(stats.hitsChecked > 1000, `hits checked: ${stats.hitsChecked}`);
  });

  it('the operator (bypassAcl) reads everything; other workspaces see nothing', async () => {
    assert.equal(await searcher.countDocumentsFor(operator, col), N_DOCS);
    const res = await searcher.search({ caller: operator, collection: col, query: WORDS.join(' '), limit: 1000 });
    assert.equal(res.hits.length, N_DOCS - N_DOCS / 40, 'every document with text');
    const other = await store.ensureWorkspace('other');
    const stranger: Caller = { workspaceId: other.id, subject: 'u00', role: 'admin', principals: ['user:u00', '*'] };
    await assert.rejects(searcher.search({ caller: stranger, collection: col, query: 'budget' }), /not found/);
    await assert.rejects(searcher.getDocumentFor(stranger, col, 'doc-001.md'), /not found/);
    await assert.rejects(searcher.countDocumentsFor(stranger, col), /not found/);
    // a foreign operator is still confined to its own workspace
    await assert.rejects(searcher.search({ caller: operatorCaller(other.id, 'cli'), collection: col, query: 'budget' }), /not found/);
  });

  it('a policy change shows on the very next request, both ways, without rebuilding the text index', async () => {
    const owner = 'u00';
    const viewer = users.find((u) => u !== owner && !refPrincipals.get(u)!.has(`user:${owner}`))!;
    const text = 'xylophone quarterly tuning schedule';
    await store.write({
      collectionId: col.id,
      upserts: [{ sourceId: 'secret.md', sourcePath: 'secret.md', contentHash: 's', metadata: { title: 'Secret' }, accessPolicy: { readers: [`user:${owner}`] }, classification: null, chunks: [{ ordinal: 0, text, tokenCount: 4, location: {}, ...indexTextWith('english')(text) }] }],
    });
    const ask = async (user: string) => {
      const c = callers.get(user)!;
      const [hits, doc, count] = [
        (await searcher.search({ caller: c, collection: col, query: 'xylophone' })).hits.map((h) => h.sourceId),
        (await searcher.getDocumentFor(c, col, 'secret.md'))?.sourceId ?? null,
        await searcher.countDocumentsFor(c, col),
      ];
      return { hits, doc, count };
    };
    const base = await ask(viewer);
    assert.deepEqual([base.hits, base.doc], [[], null]);
    assert.deepEqual((await ask(owner)).hits, ['secret.md']);
    const loads = searcher.stats.indexLoads;

    await store.setAccessPolicy(col.id, 'secret.md', { readers: [`user:${viewer}`] });
    assert.deepEqual(await ask(viewer), { hits: ['secret.md'], doc: 'secret.md', count: base.count + 1 }, 'granted');
    assert.deepEqual((await ask(owner)).hits, [], 'the old reader lost it');

    await store.setAccessPolicy(col.id, 'secret.md', { readers: [] });
    assert.deepEqual(await ask(viewer), base, 'revoked: an empty list means nobody');
    assert.deepEqual((await ask(owner)).hits, []);
    assert.deepEqual((await searcher.search({ caller: operator, collection: col, query: 'xylophone' })).hits.map((h) => h.sourceId), ['secret.md']);

    await store.setAccessPolicy(col.id, 'secret.md', null);
    assert.deepEqual(await ask(viewer), { hits: ['secret.md'], doc: 'secret.md', count: base.count + 1 }, 'no policy: the whole workspace');

    await store.setAccessPolicy(col.id, 'secret.md', { readers: [`group:nobody-has-this`] });
    assert.deepEqual(await ask(viewer), base);
    assert.equal(searcher.stats.indexLoads, loads, 'policy changes never rebuilt the text index');
    assert.ok(searcher.stats.policyLoads >= 4, 'they reloaded the policies instead');
  });
});
