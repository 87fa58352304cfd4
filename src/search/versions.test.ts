import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Collection } from '../core/types.js';
import { providerError } from '../models/http.js';
import type { Embedder } from '../models/types.js';
import { createIndexBuilder, type BuildProgress } from './versions.js';
import { fakeEmbedder, memoryVectorStore, type FakeChunk, type FakeEmbedder } from './vector-fakes.testkit.js';

const col = { id: 'col1', name: 'kb', workspaceId: 'ws' } as Collection;
const chunk = (seq: number, text = `chunk number ${seq} about topic ${seq % 7}`): FakeChunk => ({
  seq,
  chunkId: `c${seq}`,
  documentId: `d${Math.ceil(seq / 2)}`,
  collectionId: col.id,
  text,
});

function setup(n: number, embedders: Record<string, Embedder>) {
  const store = memoryVectorStore(Array.from({ length: n }, (_, i) => chunk(i + 1)));
  const resolve = (name: string) => {
    const e = embedders[name];
    if (!e) throw new Error(`no embedder ${name}`);
    return e;
  };
  return { store, builder: createIndexBuilder(store, resolve) };
}

describe('index versions', () => {
  it('builds a version in batches, activates it, and reports progress', async () => {
    const small = fakeEmbedder(32, 'small');
    const { store, builder } = setup(25, { small });
    const v = await builder.start(col, 'small');
    assert.equal(v.state, 'building');
    assert.deepEqual(v.embedder, { name: 'small', provider: 'fake', model: 'small', dimensions: 32, maxInputTokens: 512 });
    const progress: BuildProgress[] = [];
    const active = await builder.run(v.id, { batchSize: 10, onProgress: (p) => progress.push(p) });
    assert.equal(active.state, 'active');
    assert.equal(active.embeddedChunks, 25);
    assert.deepEqual(progress.map((p) => p.embedded), [10, 20, 25]);
    assert.ok(small.calls.every((c) => c.purpose === 'document'));
    assert.equal((await store.vectorSeqs(v.id)).length, 25);
  });

  it('a killed build leaves the active version serving and resumes without re-embedding what was written', async () => {
    const small = fakeEmbedder(32, 'small');
    const large = fakeEmbedder(48, 'large');
    const { store, builder } = setup(30, { small, large });
    const first = await builder.run((await builder.start(col, 'small')).id);
    large.failOnCall = 1; // the second batch dies, as a killed process or an outage would
    const v2 = await builder.start(col, 'large');
    await assert.rejects(builder.run(v2.id, { batchSize: 10 }), /outage/);
    assert.equal((await store.getIndexVersion(v2.id))!.state, 'building', 'a transient failure is resumable');
    assert.equal((await store.activeIndexVersion(col.id))!.id, first.id, 'queries keep the old version');
    assert.equal((await store.getIndexVersion(v2.id))!.embeddedChunks, 10);

    large.failOnCall = undefined;
    const resumed = await builder.start(col, 'large');
    assert.equal(resumed.id, v2.id, 'start() resumes the building version');
    const embeddedBefore = large.calls.flatMap((c) => c.texts).length;
    const done = await builder.run(resumed.id, { batchSize: 10 });
    assert.equal(done.state, 'active');
    assert.equal(large.calls.flatMap((c) => c.texts).length - embeddedBefore, 20, 'only the 20 missing chunks were embedded');
    const versions = await store.listIndexVersions(col.id);
    assert.deepEqual(versions.map((v) => [v.id, v.state]), [[v2.id, 'active'], [first.id, 'retired']]);
    assert.equal((await store.vectorSeqs(first.id)).length, 0, 'the old version was dropped');
  });

  it('chunks ingested while building are embedded before activation', async () => {
    const small = fakeEmbedder(16);
    const { store, builder } = setup(12, { small });
    const v = await builder.start(col, 'small');
    let added = false;
    const done = await builder.run(v.id, {
      batchSize: 5,
      onProgress: (p) => {
        if (!added && p.embedded >= 10) {
          added = true;
          store.chunks.push(chunk(100, 'late arrival'), chunk(101, 'another late one'));
        }
      },
    });
    assert.equal(done.state, 'active');
    assert.equal(done.embeddedChunks, 14);
    assert.deepEqual([...(await store.vectorSeqs(v.id))].slice(-2), [100, 101]);
  });

  for (const [what, misbehave, pattern] of [
    ['wrong dimensions', (t: readonly string[]) => t.map(() => new Float32Array(7)), /vector of 7 dimensions/],
    ['NaN values', (t: readonly string[]) => t.map(() => new Float32Array(16).fill(Number.NaN)), /non-finite value/],
    ['too few vectors', (t: readonly string[]) => t.slice(1).map(() => new Float32Array(16)), /returned \d+ vectors for \d+ texts/],
  ] as const) {
    it(`a provider returning ${what} fails the building version; the active one is untouched`, async () => {
      const good = fakeEmbedder(16, 'good');
      const bad: FakeEmbedder = fakeEmbedder(16, 'bad');
      const { store, builder } = setup(8, { good, bad });
      const active = await builder.run((await builder.start(col, 'good')).id);
      bad.misbehave = misbehave;
      const v = await builder.start(col, 'bad');
      await assert.rejects(builder.run(v.id), (err: Error) => pattern.test(err.message) && /index version \d+ expects/.test(err.message));
      const failed = (await store.getIndexVersion(v.id))!;
      assert.equal(failed.state, 'failed');
      assert.match(failed.error ?? '', pattern);
      const still = (await store.activeIndexVersion(col.id))!;
      assert.deepEqual([still.id, still.embeddedChunks], [active.id, 8]);
      // a new build can start after the failure
      bad.misbehave = undefined;
      assert.equal((await builder.run((await builder.start(col, 'bad')).id)).state, 'active');
    });
  }

  it("the embedding pipeline's own out-of-contract error (malformed) fails the version too", async () => {
    const good = fakeEmbedder(16, 'good');
    const bad = fakeEmbedder(16, 'bad');
    bad.misbehave = () => {
      throw providerError('fake', 'malformed', 'fake returned a 3-dimensional vector for input 0; expected 16');
    };
    const { store, builder } = setup(4, { good, bad });
    const active = await builder.run((await builder.start(col, 'good')).id);
    const v = await builder.start(col, 'bad');
    await assert.rejects(builder.run(v.id), /3-dimensional vector/);
    assert.equal((await store.getIndexVersion(v.id))!.state, 'failed');
    assert.equal((await store.activeIndexVersion(col.id))!.id, active.id);
  });

  it('catch-up embeds later ingests for the active version; unchanged text comes from the cache', async () => {
    const small = fakeEmbedder(16);
    const { store, builder } = setup(6, { small });
    assert.deepEqual(await builder.catchUp(col), { version: null, embedded: 0 }, 'nothing to do without a version');
    await builder.run((await builder.start(col, 'small')).id);
    const calls = small.calls.length;
    store.chunks.push(chunk(50, 'brand new text'), chunk(51, chunk(1).text)); // 51 repeats an embedded text
    const res = await builder.catchUp(col);
    assert.equal(res.embedded, 2);
    assert.equal(res.version!.embeddedChunks, 8);
    assert.deepEqual(small.calls.slice(calls).map((c) => c.texts), [['brand new text']], 'the repeated text was not sent again');
    assert.deepEqual(await builder.catchUp(col).then((r) => r.embedded), 0);
  });

  it('refuses a second build with another embedder, and rebuilding the active one', async () => {
    const a = fakeEmbedder(16, 'a');
    const b = fakeEmbedder(16, 'b');
    const { builder } = setup(3, { a, b });
    const v = await builder.start(col, 'a');
    await assert.rejects(builder.start(col, 'b'), (e: Error & { code?: string }) => e.code === 'conflict' && /build in progress with fake:a@16/.test(e.message));
    await builder.run(v.id);
    await assert.rejects(builder.start(col, 'a'), /already indexed with fake:a@16/);
    await assert.rejects(builder.run(v.id), /is active, not building/);
    const vb = await builder.start(col, 'b');
    assert.equal((await builder.cancel(col))!.state, 'failed');
    await assert.rejects(builder.run(vb.id), /failed: cancelled/);
  });

  it('a configuration that changed the model or dimensions under a version is a clear error', async () => {
    const embedders: Record<string, Embedder> = { e: fakeEmbedder(16, 'm') };
    const { store, builder } = setup(3, embedders);
    const v = await builder.run((await builder.start(col, 'e')).id);
    assert.equal((await builder.embedderFor(v)).id, 'fake:m@16');
    embedders.e = fakeEmbedder(32, 'm');
    await assert.rejects(builder.embedderFor(v), /embedder "e" is now fake:m@32, but index version \d+ holds fake:m@16 vectors/);
    await assert.rejects(builder.catchUp(col), /holds fake:m@16 vectors/);
    delete embedders.e;
    await assert.rejects(builder.embedderFor(v), /the configuration cannot provide/);
    assert.equal((await store.activeIndexVersion(col.id))!.id, v.id);
  });
});
