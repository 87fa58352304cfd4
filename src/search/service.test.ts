// The searcher's lifecycle guarantees that no other test pins: deleted text leaves memory with its chunks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operatorCaller } from '../core/access.js';
import { ingestUpload } from '../ingest/upload.js';
import { makeHarness } from '../ingest/sync.testkit.js';
import { createSearcher, indexTextWith } from './service.js';

describe('createSearcher', () => {
  it('drops a deleted document\'s text from the snippet cache when the index reloads', async () => {
    const h = await makeHarness();
    const up = (name: string, body: string) =>
      ingestUpload({ store: h.store, collection: h.collection, ingest: h.config.ingest, indexText: indexTextWith('english'), document: { filename: name, bytes: new TextEncoder().encode(body) } });
    await up('a.txt', 'The turbine gearbox failed in March.');
    await up('b.txt', 'The turbine blade was inspected in May.');
    const searcher = createSearcher(h.store, { k1: 1.2, b: 0.75 });
    const caller = operatorCaller(h.collection.workspaceId, 'test');
    const search = async () => searcher.search({ caller, collection: h.collection, query: 'turbine' });
    assert.equal((await search()).hits.length, 2);
    assert.equal(searcher.stats.snippetCacheEntries, 2);
    await h.store.write({ collectionId: h.collection.id, deletes: ['upload/a.txt'] });
    const after = await search();
    assert.deepEqual(after.hits.map((x) => x.sourceId), ['upload/b.txt']);
    assert.equal(searcher.stats.snippetCacheEntries, 1, 'the deleted chunk is no longer cached');
    await h.store.close();
  });

  it('analyzes chunks for snippets ahead of the first search only when asked, within the cache', async () => {
    const h = await makeHarness();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      await ingestUpload({ store: h.store, collection: h.collection, ingest: h.config.ingest, indexText: indexTextWith('english'), document: { filename: name, bytes: new TextEncoder().encode(`The turbine ${name} was inspected.`) } });
    }
    const plain = createSearcher(h.store, { k1: 1.2, b: 0.75 });
    await plain.warm(h.collection);
    assert.equal(plain.stats.snippetCacheEntries, 0);
    const primed = createSearcher(h.store, { k1: 1.2, b: 0.75 });
    await primed.warm(h.collection, { snippets: true });
    assert.equal(primed.stats.snippetCacheEntries, 3);
    const small = createSearcher(h.store, { k1: 1.2, b: 0.75 }, { snippetCacheTokens: 12 });
    await small.warm(h.collection, { snippets: true });
    assert.ok(small.stats.snippetCacheEntries < 3, 'priming stops before the cache overflows');
    const res = await primed.search({ caller: operatorCaller(h.collection.workspaceId, 'test'), collection: h.collection, query: 'inspected turbine' });
    assert.equal(res.hits.length, 3);
    assert.ok(res.hits.every((x) => x.snippet && x.snippet.highlights.length === 2));
    await h.store.close();
  });

  it('counts totals and facets only over documents the caller may read', async () => {
    const h = await makeHarness();
    const docs = [
      { name: 'a.txt', author: 'ana', tags: ['ops', 'wind'], readers: ['group:ops'] },
      { name: 'b.txt', author: 'ben', tags: ['wind'], readers: ['*'] },
      { name: 'c.txt', author: 'ana', tags: ['finance'], readers: ['user:boss'] },
      { name: 'd.txt', author: 'cai', tags: ['wind'], readers: ['group:ops'] },
    ];
    for (const d of docs) {
      await ingestUpload({
        store: h.store,
        collection: h.collection,
        ingest: h.config.ingest,
        indexText: indexTextWith('english'),
        document: { filename: d.name, bytes: new TextEncoder().encode(`Turbine report ${d.name}`), metadata: { author: d.author, tags: d.tags }, accessPolicy: { readers: d.readers } },
      });
    }
    const searcher = createSearcher(h.store, { k1: 1.2, b: 0.75 });
    const ops = { workspaceId: h.collection.workspaceId, subject: 'olga', role: 'reader' as const, principals: ['user:olga', 'group:ops', '*'] };
    const res = await searcher.search({ caller: ops, collection: h.collection, query: 'turbine report', limit: 1, facets: ['author', 'tags'] });
    assert.equal(res.hits.length, 1);
    assert.equal(res.total, 3, 'a, b and d: c is the boss\'s');
    assert.deepEqual(res.facets, {
      author: [
        { value: 'ana', count: 1 },
        { value: 'ben', count: 1 },
        { value: 'cai', count: 1 },
      ],
      tags: [
        { value: 'wind', count: 3 },
        { value: 'ops', count: 1 },
      ],
    });
    const outsider = { ...ops, subject: 'zed', principals: ['user:zed', '*'] };
    const r2 = await searcher.search({ caller: outsider, collection: h.collection, query: 'turbine', countTotal: true, filter: { author: 'ben' } });
    assert.equal(r2.total, 1);
    assert.equal(r2.facets, undefined);
    assert.equal((await searcher.search({ caller: outsider, collection: h.collection, query: 'turbine' })).total, undefined, 'not counted unless asked');
    await h.store.close();
  });

  it('answers a repeated request from the result cache, never across callers, policies or content', async () => {
    const h = await makeHarness();
    const up = (name: string, body: string, readers: string[]) =>
      ingestUpload({ store: h.store, collection: h.collection, ingest: h.config.ingest, indexText: indexTextWith('english'), document: { filename: name, bytes: new TextEncoder().encode(body), accessPolicy: { readers } } });
    await up('a.txt', 'Turbine gearbox report.', ['group:ops']);
    await up('b.txt', 'Turbine blade report.', ['*']);
    const searcher = createSearcher(h.store, { k1: 1.2, b: 0.75 });
    const ops = { workspaceId: h.collection.workspaceId, subject: 'olga', role: 'reader' as const, principals: ['user:olga', 'group:ops', '*'] };
    const zed = { ...ops, subject: 'zed', principals: ['user:zed', '*'] };
    const ask = async (caller: typeof ops) => (await searcher.search({ caller, collection: h.collection, query: 'turbine report' })).hits.map((x) => x.sourceId).sort();
    assert.deepEqual(await ask(ops), ['upload/a.txt', 'upload/b.txt']);
    assert.deepEqual(await ask(ops), ['upload/a.txt', 'upload/b.txt']);
    assert.equal(searcher.stats.resultCacheHits, 1);
    assert.deepEqual(await ask(zed), ['upload/b.txt'], 'another principal set is never served the cached answer');
    await h.store.setAccessPolicy(h.collection.id, 'upload/a.txt', { readers: ['user:zed'] });
    assert.deepEqual(await ask(ops), ['upload/b.txt'], 'a policy change applies to the next identical request');
    assert.deepEqual(await ask(zed), ['upload/a.txt', 'upload/b.txt']);
    await h.store.write({ collectionId: h.collection.id, deletes: ['upload/b.txt'] });
    assert.deepEqual(await ask(zed), ['upload/a.txt'], 'a write applies to the next identical request');
    assert.equal(searcher.stats.resultCacheHits, 1);
    const uncached = createSearcher(h.store, { k1: 1.2, b: 0.75 }, { resultCacheEntries: 0 });
    await uncached.search({ caller: zed, collection: h.collection, query: 'turbine' });
    await uncached.search({ caller: zed, collection: h.collection, query: 'turbine' });
    assert.equal(uncached.stats.resultCacheHits, 0);
    await h.store.close();
  });
});
