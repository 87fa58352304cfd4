// The permission leak test of acl.test.ts, extended to vector and hybrid retrieval (fixed seed). On every
// query: nothing the caller may not read comes back, and the page is exactly what the unfiltered ranking
// restricted to readable documents gives — vector: the operator's similarity ranking filtered afterwards;
// hybrid: the fusion of the operator's lexical and vector rankings, each filtered afterwards and cut at the
// same depth — so the filter inside the ANN search never starves the top-k.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operatorCaller } from '../core/access.js';
import type { AccessPolicy, Caller, Collection } from '../core/types.js';
import sqliteStore from '../store/drivers/sqlite.js';
import type { DocumentInput, Store } from '../store/types.js';
import { resolveCaller, syncDirectoryFromConfig } from './directory.js';
import type { Filter } from './filters.js';
import { fuse, type Candidate } from './fusion.js';
import { createHybridRanker, DEFAULT_FUSION } from './hybrid.js';
import { createSearcher, indexTextWith, type SearchHit, type SearchRequest, type Searcher } from './service.js';
import { fakeEmbedder } from './vector-fakes.testkit.js';
import { createVectorSearcher } from './vector-search.js';
import { createIndexBuilder } from './versions.js';
import { seededDraws } from '../core/random.js';
import { referenceCanRead, referencePrincipals, type Dir } from './acl-reference.testkit.js';

const SEED = 977;
const N_DOCS = 240;
const N_USERS = 20;
const N_QUERIES = 400;

const rng = seededDraws;

const WORDS = ('budget audit invoice salary roadmap server deploy travel laptop contract merger pricing hiring ' +
  'benefit outage backup vendor privacy incident forecast payroll quarter revenue pipeline license patent').split(' ');
const DEPTS = ['eng', 'hr', 'fin', 'legal'];

describe('permission-aware vector and hybrid retrieval: seeded leak test', () => {
  const r = rng(SEED);
  let store: Store;
  let col: Collection;
  let searcher: Searcher;
  let operator: Caller;
  const dir: Dir = { users: {}, groups: {} };
  const users: string[] = [];
  const callers = new Map<string, Caller>();
  const refPrincipals = new Map<string, Set<string>>();
  const policyOf = new Map<string, AccessPolicy | null>();
  const embedder = fakeEmbedder(48);
  const stats = { vector: 0, hybrid: 0, hitsChecked: 0, hiddenByAcl: 0, violations: 0, starved: 0 };
  const readable = (user: string, sourceId: string) => referenceCanRead(policyOf.get(sourceId)!, refPrincipals.get(user)!);

  before(async () => {
    store = await sqliteStore({ dataDir: ':memory:' });
    const ws = await store.ensureWorkspace('acme');
    const settings = { chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: 'cl100k_base' as const }, analyzer: { name: 'english' } };
    col = await store.createCollection({ workspaceId: ws.id, name: 'kb', settings });
    operator = operatorCaller(ws.id, 'cli');
    for (let g = 0; g < 10; g++) dir.groups[`g${g}`] = { groups: [] };
    for (let g = 0; g < 8; g++) if (r.next() < 0.5) dir.groups[`g${g}`]!.groups!.push(`g${g + 1 + r.int(9 - g)}`);
    for (let u = 0; u < N_USERS; u++) {
      const id = `u${String(u).padStart(2, '0')}`;
      users.push(id);
      dir.users[id] = { groups: [...new Set(Array.from({ length: r.int(4) }, () => `g${r.int(10)}`))] };
    }
    await syncDirectoryFromConfig(store, ws.id, { directory: dir });
    for (const u of users) {
      callers.set(u, await resolveCaller(store, ws.id, u));
      refPrincipals.set(u, referencePrincipals(u, dir));
    }
    const analyze = indexTextWith('english');
    const pool = [...users.map((u) => `user:${u}`), ...Object.keys(dir.groups).map((g) => `group:${g}`)];
    const docs: DocumentInput[] = [];
    for (let i = 0; i < N_DOCS; i++) {
      const sourceId = `doc-${String(i).padStart(3, '0')}.md`;
      const p = r.next();
      const policy: AccessPolicy | null =
        p < 0.2 ? null : p < 0.28 ? { readers: [] } : p < 0.34 ? { readers: ['*'] } : { readers: [...new Set(Array.from({ length: 1 + r.int(3) }, () => r.pick(pool)))] };
      policyOf.set(sourceId, policy);
      const chunks = Array.from({ length: i % 40 === 0 ? 0 : 1 + r.int(3) }, (_, ordinal) => {
        const text = Array.from({ length: 6 + r.int(14) }, () => WORDS[Math.floor(WORDS.length * r.next() ** 1.5)]!).join(' ');
        return { ordinal, text, tokenCount: text.split(' ').length, location: {}, ...analyze(text) };
      });
      docs.push({ sourceId, sourcePath: sourceId, contentHash: `h${i}`, metadata: { title: `Doc ${i}`, dept: r.pick(DEPTS), year: 2018 + r.int(7) }, accessPolicy: policy, classification: null, chunks });
    }
    await store.write({ collectionId: col.id, upserts: docs });
    const resolveEmbedder = (name: string) => {
      if (name !== 'hash') throw new Error(`unknown embedder ${name}`);
      return embedder;
    };
    const builder = createIndexBuilder(store, resolveEmbedder);
    await builder.run((await builder.start(col, 'hash')).id, { batchSize: 100 });
    const vectors = createVectorSearcher(store, { resolveEmbedder });
    searcher = createSearcher(store, { k1: 1.2, b: 0.75 }, { aclCacheSize: 4, ranker: createHybridRanker({ vectors }) });
  });
  after(() => store.close());

  // Table positions follow chunk seqs, which follow (document, ordinal) here: the same order as these keys,
  // so the reference fusion breaks ties exactly as the searcher does.
  const docKey = (h: SearchHit) => Number(h.sourceId.slice(4, 7));
  const chunkKey = (h: SearchHit) => docKey(h) * 10 + h.chunkOrdinal;

  it(`${N_QUERIES} random vector and hybrid queries: zero leaks, pages equal the filtered reference`, async () => {
    for (let q = 0; q < N_QUERIES; q++) {
      const user = r.pick(users);
      const mode = r.next() < 0.5 ? ('vector' as const) : ('hybrid' as const);
      const query = Array.from({ length: 1 + r.int(3) }, () => r.pick(WORDS)).join(' ');
      const collapse = r.next() < 0.6 ? ('document' as const) : ('chunk' as const);
      const limit = 1 + r.int(15);
      const offset = r.next() < 0.6 ? 0 : r.int(12);
      const fp = r.next();
      const filter: Filter | undefined = fp < 0.2 ? { dept: r.pick(DEPTS) } : fp < 0.3 ? { year: { gte: 2018 + r.int(7) } } : undefined;
      const fusion = r.next() < 0.5 ? { method: 'rrf' as const } : { method: 'weighted' as const, vectorWeight: r.pick([0.2, 0.5, 0.8]) };
      const base: Omit<SearchRequest, 'caller'> = { collection: col, query, filter, collapse, mode, fusion, snippetChars: 0 };
      const res = await searcher.search({ ...base, caller: callers.get(user)!, limit, offset });
      stats[mode]++;
      for (const h of res.hits) {
        stats.hitsChecked++;
        if (!readable(user, h.sourceId)) stats.violations++;
      }
      // The reference: unfiltered operator rankings, restricted to readable documents afterwards.
      const full = async (m: 'lexical' | 'vector') =>
        (await searcher.search({ ...base, caller: operator, mode: m, limit: 100_000 })).hits.filter((h) => {
          const ok = readable(user, h.sourceId);
          if (!ok) stats.hiddenByAcl++;
          return ok;
        });
      let expected: { id: string; score: number }[];
      const id = (h: SearchHit) => (collapse === 'chunk' ? h.chunkId : h.documentId);
      if (mode === 'vector') expected = (await full('vector')).map((h) => ({ id: id(h), score: h.score }));
      else {
        const depth = Math.max(offset + limit, DEFAULT_FUSION.candidates);
        const lists = [(await full('lexical')).slice(0, depth), (await full('vector')).slice(0, depth)];
        const key = collapse === 'chunk' ? chunkKey : docKey;
        // For documents, a document's chunk is the one of the list that ranks it higher (lexical on a tie).
        const rep = new Map<number, { hit: SearchHit; rank: number }>();
        lists.forEach((l) => l.forEach((h, rank) => {
          const b = rep.get(key(h));
          if (!b || rank < b.rank) rep.set(key(h), { hit: h, rank });
        }));
        const weights = fusion.method === 'weighted' ? [1 - fusion.vectorWeight!, fusion.vectorWeight!] : undefined;
        const fused = fuse(lists.map((l) => l.map((h): Candidate => ({ key: key(h), score: h.score }))), { method: fusion.method, weights, rrfK: 60 });
        expected = fused.map((c) => ({ id: id(rep.get(c.key)!.hit), score: c.score }));
      }
      const page = expected.slice(offset, offset + limit);
      if (res.hits.length < page.length) stats.starved++;
      assert.deepEqual(
        res.hits.map((h) => [id(h), h.score]),
        page.map((e) => [e.id, e.score]),
        `query ${q} (${user}, ${mode} ${JSON.stringify(fusion)}, "${query}", ${collapse}, limit ${limit}, offset ${offset}, filter ${JSON.stringify(filter)})`,
      );
      assert.deepEqual(res.hits.map((h) => h.rank), page.map((_, i) => offset + i + 1));
    }
    console.log(`[vector acl leak test] seed ${SEED}: ${N_DOCS} docs, ${N_USERS} users, ${JSON.stringify(stats)}`);
    assert.equal(stats.violations, 0);
    assert.equal(stats.starved, 0);
    assert.ok(stats.hiddenByAcl > 1000 && stats.hitsChecked > 1000, JSON.stringify(stats));
    assert.ok(stats.vector > 100 && stats.hybrid > 100);
  });

  it('a policy change shows on the very next vector and hybrid search, both ways', async () => {
    const [owner, viewer] = users.filter((u, i, all) => !refPrincipals.get(all[0]!)!.has(`user:${u}`) || i === 0);
    const text = 'xylophone quarterly tuning schedule';
    await store.write({
      collectionId: col.id,
      upserts: [{ sourceId: 'secret.md', sourcePath: 'secret.md', contentHash: 's', metadata: {}, accessPolicy: { readers: [`user:${owner}`] }, classification: null, chunks: [{ ordinal: 0, text, tokenCount: 4, location: {}, ...indexTextWith('english')(text) }] }],
    });
    // The ingest path runs the catch-up for the active version; the search itself embeds only the query.
    const resolveEmbedder = () => embedder;
    await createIndexBuilder(store, resolveEmbedder).catchUp(col);
    const top = async (user: string, mode: 'vector' | 'hybrid') =>
      (await searcher.search({ caller: callers.get(user)!, collection: col, query: text, mode, limit: 1 })).hits.map((h) => h.sourceId);
    for (const mode of ['vector', 'hybrid'] as const) {
      assert.deepEqual(await top(owner!, mode), ['secret.md'], mode);
      assert.notDeepEqual(await top(viewer!, mode), ['secret.md'], mode);
    }
    await store.setAccessPolicy(col.id, 'secret.md', { readers: [`user:${viewer}`] });
    policyOf.set('secret.md', { readers: [`user:${viewer}`] }); // the reference follows, for the tests after this one
    for (const mode of ['vector', 'hybrid'] as const) {
      assert.deepEqual(await top(viewer!, mode), ['secret.md'], `granted, ${mode}`);
      assert.notDeepEqual(await top(owner!, mode), ['secret.md'], `revoked, ${mode}`);
    }
  });

  it('through the HNSW graph (forced for this small corpus): zero leaks and full pages', async () => {
    const resolveEmbedder = () => embedder;
    const vectors = createVectorSearcher(store, { resolveEmbedder, ann: { exactBelow: 1 } });
    const graphSearcher = createSearcher(store, { k1: 1.2, b: 0.75 }, { ranker: createHybridRanker({ vectors }) });
    let checked = 0;
    for (let q = 0; q < 200; q++) {
      const user = r.pick(users);
      const mode = r.next() < 0.5 ? ('vector' as const) : ('hybrid' as const);
      const filter: Filter | undefined = r.next() < 0.3 ? { dept: r.pick(DEPTS) } : undefined;
      const limit = 1 + r.int(20);
      const query = Array.from({ length: 1 + r.int(3) }, () => r.pick(WORDS)).join(' ');
      const res = await graphSearcher.search({ caller: callers.get(user)!, collection: col, query, mode, limit, filter, snippetChars: 0 });
      for (const h of res.hits) assert.ok(readable(user, h.sourceId), `${user} must not see ${h.sourceId}`);
      // Every readable, filter-matching document with text has a vector, so vector and hybrid pages are full.
      const all = await graphSearcher.search({ caller: operator, collection: col, query, mode: 'vector', limit: 100_000, filter, snippetChars: 0 });
      const available = all.hits.filter((h) => readable(user, h.sourceId)).length;
      assert.equal(res.hits.length, Math.min(limit, available), `query ${q}: ${mode} page of ${user} is not starved`);
      checked += res.hits.length;
    }
    assert.ok(checked > 500, `hits checked: ${checked}`);
  });

  it('reranking re-orders the readable top N only, in every mode', async () => {
    const resolveEmbedder = () => embedder;
    const seen: string[][] = [];
    // A reranker that prefers shorter texts: easy to predict, unrelated to BM25 or cosine.
    const reranker = {
      id: 'fake:short',
      provider: 'fake',
      model: 'short',
      rerank: async (_q: string, docs: readonly string[]) => {
        seen.push([...docs]);
        return docs.map((d, index) => ({ index, score: -d.length })).sort((x, y) => y.score - x.score || x.index - y.index);
      },
    };
    const ranker = createHybridRanker({ vectors: createVectorSearcher(store, { resolveEmbedder }), resolveReranker: () => reranker });
    const s2 = createSearcher(store, { k1: 1.2, b: 0.75 }, { ranker });
    const user = users[3]!;
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      seen.length = 0;
      const res = await s2.search({ caller: callers.get(user)!, collection: col, query: 'budget audit', mode, rerank: { name: 'short', topN: 8 }, limit: 5, snippetChars: 0 });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.length, 8);
      assert.deepEqual(res.hits.map((h) => h.score), [...res.hits.map((h) => h.score)].sort((x, y) => y - x), `${mode}: reranker order`);
      for (const h of res.hits) assert.ok(readable(user, h.sourceId));
    }
  });

  it('without the semantic service or an index, vector modes fail clearly; lexical is unaffected', async () => {
    const plain = createSearcher(store, { k1: 1.2, b: 0.75 });
    await assert.rejects(plain.search({ caller: operator, collection: col, query: 'budget', mode: 'hybrid' }), /need the semantic search service/);
    assert.ok((await plain.search({ caller: operator, collection: col, query: 'budget' })).hits.length > 0);
    const other = await store.createCollection({ workspaceId: col.workspaceId, name: 'empty', settings: col.settings });
    await assert.rejects(searcher.search({ caller: operator, collection: other, query: 'budget', mode: 'vector' }), /"empty" has no vector index yet/);
  });
});
