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
});
