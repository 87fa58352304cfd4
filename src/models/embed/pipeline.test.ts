// The embedding pipeline around a scripted adapter: batching by count and by total tokens, truncation to the
// model's input limit, the cache (documents only; identical texts embedded once), bounded concurrency, and
// the wrapper's own check of every vector (nothing invalid is returned or cached).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import { sha256 } from '../../core/ids.js';
import { errorKind } from '../http.js';
import type { EmbedOptions } from '../types.js';
import type { EmbedderAdapter } from './common.js';
import { memoryEmbeddingCache } from './conformance.testkit.js';
import { embeddingPipeline, planBatches, truncateToTokens } from './pipeline.js';

interface Call {
  texts: string[];
  options: EmbedOptions;
}

function fakeAdapter(over: Partial<EmbedderAdapter> & { answer?: (texts: readonly string[]) => Promise<Float32Array[]> | Float32Array[] } = {}) {
  const calls: Call[] = [];
  let inFlight = 0;
  const stats = { peak: 0 };
  const dims = over.dimensions ?? 3;
  const adapter: EmbedderAdapter = {
    id: `fake:m@${dims}`,
    provider: 'fake',
    model: 'm',
    dimensions: dims,
    maxInputTokens: 1000,
    maxBatch: 2,
    ...over,
    async embed(texts, options = {}) {
      calls.push({ texts: [...texts], options });
      inFlight++;
      stats.peak = Math.max(stats.peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (over.answer) return over.answer(texts);
      return texts.map((t) => Float32Array.from({ length: dims }, (_, d) => t.length + d));
    },
  };
  return { adapter, calls, stats };
}

describe('embeddingPipeline', () => {
  it('splits into batches of maxBatch and returns vectors in input order', async () => {
    const { adapter, calls } = fakeAdapter();
    const e = embeddingPipeline(adapter);
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const out = await e.embed(texts, { purpose: 'document' });
    assert.deepEqual(calls.map((c) => c.texts), [['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    assert.deepEqual(out.map((v) => v[0]), [1, 2, 3, 4, 5]);
    assert.ok(calls.every((c) => c.options.purpose === 'document'));
  });

  it('caps the total tokens per request where the vendor has a cap', async () => {
    const { adapter, calls } = fakeAdapter({ maxBatch: 100, maxBatchTokens: 10 });
    // "word " is one cl100k token: 6, 6, 6 tokens → one per request under a 10-token cap.
    await embeddingPipeline(adapter).embed(['word '.repeat(6), 'more '.repeat(6), 'text '.repeat(6)]);
    assert.equal(calls.length, 3);
    assert.deepEqual(planBatches([{ text: 'a', tokens: 4 }, { text: 'b', tokens: 4 }, { text: 'c', tokens: 4 }], 10, 8), [[0, 1], [2]]);
  });

  it('truncates each text to the model\'s input limit (exactly for OpenAI models, with a margin elsewhere)', async () => {
    const long = 'alpha '.repeat(100);
    const openai = fakeAdapter({ provider: 'openai', maxInputTokens: 20 });
    await embeddingPipeline(openai.adapter).embed([long, 'short']);
    assert.equal(openai.calls[0]!.texts[0], 'alpha '.repeat(20).trimEnd(), '"alpha" + 19 × " alpha"');
    assert.equal(openai.calls[0]!.texts[1], 'short');
    const other = fakeAdapter({ provider: 'cohere', maxInputTokens: 26 });
    await embeddingPipeline(other.adapter).embed([long]);
    assert.equal(other.calls[0]!.texts[0], 'alpha '.repeat(20).trimEnd(), '26 / 1.3 = 20 cl100k tokens');
  });

  it('never sends half a character when the cut falls inside one', async () => {
    const { text } = await truncateToTokens('🙂'.repeat(10), 5, false);
    assert.ok(!text.includes('\uFFFD'));
    assert.ok(text.length > 0 && [...text].every((c) => c === '🙂'));
  });

  it('embeds identical texts once, and serves documents from the cache on the next call', async () => {
    const { adapter, calls } = fakeAdapter();
    const cache = memoryEmbeddingCache();
    const e = embeddingPipeline(adapter, { cache });
    const first = await e.embed(['x', 'y', 'x']);
    assert.deepEqual(calls.flatMap((c) => c.texts), ['x', 'y']);
    assert.deepEqual(Array.from(first[2]!), Array.from(first[0]!));
    assert.ok(cache.entries.has(`${adapter.id}|${sha256('x')}`), 'keyed by (embedder id, sha256 of the text)');
    calls.length = 0;
    await e.embed(['y', 'x']);
    assert.equal(calls.length, 0, 'unchanged text never reaches the provider');
  });

  it('does not use the cache for queries (vendors embed queries differently)', async () => {
    const { adapter, calls } = fakeAdapter();
    const cache = memoryEmbeddingCache();
    const e = embeddingPipeline(adapter, { cache });
    await e.embed(['x'], { purpose: 'document' });
    await e.embed(['x'], { purpose: 'query' });
    assert.equal(calls.length, 2);
    assert.equal(cache.entries.size, 1);
  });

  it('ignores a cached vector of the wrong size instead of returning it', async () => {
    const { adapter, calls } = fakeAdapter();
    const cache = memoryEmbeddingCache();
    await cache.putEmbeddings(adapter.id, [{ contentHash: sha256('x'), vector: new Float32Array(7) }]);
    const [v] = await embeddingPipeline(adapter, { cache }).embed(['x']);
    assert.equal(v!.length, 3);
    assert.equal(calls.length, 1);
  });

  it('keeps at most `concurrency` provider calls in flight', async () => {
    const { adapter, stats } = fakeAdapter({ maxBatch: 1 });
    await embeddingPipeline(adapter, { concurrency: 2 }).embed(['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(stats.peak, 2);
  });

  for (const [what, answer, pattern] of [
    ['a wrong vector count', (t: readonly string[]) => [...t, 'extra'].map(() => new Float32Array(3)), /4 embeddings for 3 inputs|2 embeddings for 1 inputs|3 embeddings for 2 inputs/],
    ['a wrong dimension', (t: readonly string[]) => t.map(() => new Float32Array(4)), /4-dimensional.*expected 3/],
    ['NaN values', (t: readonly string[]) => t.map(() => Float32Array.of(0, NaN, 1)), /non-finite/],
  ] as const) {
    it(`rejects ${what} from an adapter, caching nothing of that batch`, async () => {
      const { adapter } = fakeAdapter({ answer, maxBatch: 5 });
      const cache = memoryEmbeddingCache();
      const err = await embeddingPipeline(adapter, { cache })
        .embed(['a', 'b', 'c'])
        .then(
          () => assert.fail('expected a failure'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof StrataError);
      assert.equal(errorKind(err), 'malformed');
      assert.match(err.message, pattern);
      assert.equal(cache.entries.size, 0);
    });
  }

  it('stops the other batches when one fails, and reports that failure', async () => {
    let n = 0;
    const { adapter, calls } = fakeAdapter({
      maxBatch: 1,
      answer: async (t) => {
        if (++n === 1) throw new StrataError('provider:fake', 'invalid-input', 'first batch refused', { details: { kind: 'bad-request' } });
        return t.map(() => new Float32Array(3));
      },
    });
    await assert.rejects(embeddingPipeline(adapter, { concurrency: 1 }).embed(['a', 'b', 'c', 'd']), /first batch refused/);
    assert.ok(calls.length < 4, `${calls.length} calls made`);
  });

  it('refuses a non-string text with a clear error', async () => {
    const { adapter } = fakeAdapter();
    await assert.rejects(embeddingPipeline(adapter).embed(['ok', 42 as unknown as string]), (e) => e instanceof StrataError && e.code === 'invalid-input' && /text 1/.test(e.message));
  });
});
