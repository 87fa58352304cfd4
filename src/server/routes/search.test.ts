// POST /v1/search in vector and hybrid modes: the request schema, the default (lexical, unchanged), and the
// permission rule in every mode.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { indexTextWith, createSearcher, type Searcher } from '../../search/service.js';
import { startReplayServer } from '../../models/replay.testkit.js';
import { semanticFromConfig } from '../../search/semantic.js';
import { hashVector } from '../../search/vector-fakes.testkit.js';
import { makeServer } from '../server.testkit.js';

describe('POST /v1/search modes', () => {
  it('vector and hybrid answer only readable documents; bad options are 400; lexical stays the default', async () => {
    // The harness builds its store itself: the semantic searcher is attached once it exists.
    const slot: { searcher?: Searcher } = {};
    const late = new Proxy({} as Searcher, { get: (_t, k) => slot.searcher![k as keyof Searcher] });
    const embeddings = await startReplayServer((req) => {
      const body = req.body as { input: string[] };
      return { json: { object: 'list', data: body.input.map((t, index) => ({ object: 'embedding', index, embedding: [...hashVector(t, 32)] })), model: 'hash' } };
    });
    after(() => embeddings.close());
    const h = await makeServer({ embedders: { hash: { provider: 'openai-compatible', baseUrl: `${embeddings.url}/v1`, model: 'hash', dimensions: 32 } } }, { searcher: late });
    const ws = (await h.store.getWorkspace('default'))!;
    const admin = await h.key('default', 'admin', 'root');
    const reader = await h.key('default', 'reader', 'rita');
    await h.call('POST', '/v1/collections', { key: admin, body: { name: 'kb' } });
    const col = (await h.store.getCollection(ws.id, 'kb'))!;
    const analyze = indexTextWith('english');
    const doc = (sourceId: string, text: string, readers: string[] | null) => ({
      sourceId,
      sourcePath: sourceId,
      contentHash: sourceId,
      metadata: { title: sourceId },
      accessPolicy: readers && { readers },
      classification: null,
      chunks: [{ ordinal: 0, text, tokenCount: 5, location: {}, ...analyze(text) }],
    });
    await h.store.write({
      collectionId: col.id,
      upserts: [
        doc('open.md', 'quarterly budget review for the travel team', null),
        doc('secret.md', 'quarterly budget review for the merger team', ['user:root']),
        doc('rita.md', 'budget notes of rita about travel', ['user:rita']),
      ],
    });
    const semantic = semanticFromConfig(h.store, h.config);
    await semantic.builder.run((await semantic.builder.start(col, 'hash')).id);
    slot.searcher = createSearcher(h.store, h.config.search.bm25, { ranker: semantic.ranker });

    const ask = async (key: string, body: Record<string, unknown>) => h.call('POST', '/v1/search', { key, body: { collection: 'kb', query: 'quarterly budget review merger', ...body } });
    for (const mode of ['vector', 'hybrid']) {
      const res = await ask(reader, { mode, limit: 10 });
      assert.equal(res.status, 200);
      const ids = ((await res.json()) as { hits: { sourceId: string }[] }).hits.map((x) => x.sourceId).sort();
      assert.deepEqual(ids, ['open.md', 'rita.md'], `${mode}: rita never sees secret.md`);
      const all = ((await (await ask(admin, { mode, limit: 10 })).json()) as { hits: { sourceId: string }[] }).hits.map((x) => x.sourceId);
      assert.deepEqual(all.sort(), ['open.md', 'secret.md'], `${mode}: roles never grant reading — root reads what its principals allow`);
    }
    const weighted = await ask(reader, { mode: 'hybrid', fusion: { method: 'weighted', vectorWeight: 0.3 }, mmr: { lambda: 0.5 } });
    assert.equal(weighted.status, 200);
    // Lexical is still the default: scores are BM25's, identical to an explicit lexical request.
    const plain = (await (await ask(reader, {})).json()) as { hits: { score: number }[] };
    const lexical = (await (await ask(reader, { mode: 'lexical' })).json()) as { hits: { score: number }[] };
    assert.deepEqual(plain.hits.map((x) => x.score), lexical.hits.map((x) => x.score));
    for (const bad of [{ mode: 'fuzzy' }, { fusion: { method: 'max' } }, { mmr: { lambda: 3 } }, { fusion: { vectorWeight: -1 } }, { rerank: { name: 'no such/name' } }]) {
      assert.equal((await ask(reader, bad)).status, 400, JSON.stringify(bad));
    }
    const noReranker = await ask(reader, { rerank: { name: 'cohere' } });
    assert.equal(noReranker.status, 400);
    // An upload gets its vectors before the answer: the very next vector search finds it.
    const up = await h.call('POST', '/v1/collections/kb/documents', { key: admin, body: { text: '# Parking\n\nThe garage opens at seven.', filename: 'parking.md' } });
    assert.equal(up.status, 201, await up.clone().text());
    const found = (await (await ask(reader, { mode: 'vector', query: 'Parking The garage opens at seven.', limit: 1 })).json()) as { hits: { sourceId: string }[] };
    assert.deepEqual(found.hits.map((x) => x.sourceId), ['upload/parking.md']);
    const spec = (await (await h.call('GET', '/openapi.json')).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    assert.ok(spec.components.schemas.SearchRequest!.properties.mode);
  });
});
