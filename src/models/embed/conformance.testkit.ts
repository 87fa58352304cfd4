// The one suite every hosted embedder passes, run against a local server replaying that vendor's documented
// formats (a fixture per vendor says how requests look and answers are shaped). It goes through createEmbedder,
// so it checks the adapter and the pipeline around it the way callers use them: batching with order kept,
// purpose mapping, retries (429 + Retry-After, 5xx, timeouts), refusal of malformed bodies, wrong counts,
// wrong sizes and NaN, auth failures that never echo the key, and the embedding cache.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { errorKind } from '../http.js';
import { startReplayServer, strataFailure, type RecordedRequest, type ReplayServer } from '../replay.testkit.js';
import type { EmbeddingCache } from '../types.js';
import { createEmbedder } from './index.js';

export const TEST_KEY = 'sk-conformance-0123456789abcdefghij';

export interface EmbedderFixture {
  name: string;
  /** The embedder's config, pointed at the replay server, with `batchSize: 2` and `dimensions` as below. */
  config(baseUrl: string): EmbedderConfig;
  dimensions: number;
  /** The request path the adapter must call (query string included). */
  path: string;
  /** The texts as the vendor received them (prefixes included). */
  inputs(req: RecordedRequest): string[];
  /** The vendor's success body carrying these vectors, in the order of the inputs. */
  respond(vectors: (number | null | string)[][], req: RecordedRequest): unknown;
  /** The vendor's error body. */
  error(message: string): unknown;
  /** Where the credential travels; undefined when the vendor needs none. */
  auth?(req: RecordedRequest): string | undefined;
  /** How a purpose shows in the request, when the vendor distinguishes queries from documents. */
  purpose?: { read(req: RecordedRequest): unknown; query: unknown; document: unknown };
}

/** Deterministic, distinct, finite values for a text. */
export function vectorFor(text: string, dims: number): number[] {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return Array.from({ length: dims }, (_, d) => (((h >>> d % 24) + d * 7919) % 1000) / 1000 - 0.5);
}

/** An in-memory EmbeddingCache (the store implements the real one). */
export function memoryEmbeddingCache(): EmbeddingCache & { entries: Map<string, Float32Array>; gets: number } {
  const entries = new Map<string, Float32Array>();
  return {
    entries,
    gets: 0,
    async getEmbeddings(id, hashes) {
      this.gets++;
      const out = new Map<string, Float32Array>();
      for (const h of hashes) {
        const v = entries.get(`${id}|${h}`);
        if (v) out.set(h, v);
      }
      return out;
    },
    async putEmbeddings(id, list) {
      for (const e of list) entries.set(`${id}|${e.contentHash}`, e.vector);
    },
  };
}

const failure = strataFailure;

export function embedderConformance(fx: EmbedderFixture): void {
  describe(`embedder conformance: ${fx.name}`, () => {
    let server: ReplayServer;
    let waits: number[];
    const ok = (req: RecordedRequest) => ({ json: fx.respond(fx.inputs(req).map((t) => vectorFor(t, fx.dimensions)), req) });
    const make = async (over: Partial<Record<string, unknown>> = {}, cache?: EmbeddingCache) =>
      createEmbedder({ ...fx.config(server.url), ...over } as EmbedderConfig, {
        dataDir: '/nonexistent',
        cache,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });

    before(async () => {
      server = await startReplayServer(ok);
    });
    after(() => server.close());
    beforeEach(() => {
      server.requests.length = 0;
      server.handle(ok);
      waits = [];
    });

    it('embeds in batches of batchSize, keeping the order of the inputs', async () => {
      const e = await make();
      const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
      const got = await e.embed(texts);
      assert.equal(got.length, 5);
      assert.equal(server.requests.length, 3, 'batches of 2, 2, 1');
      const sent = server.requests.flatMap((r) => fx.inputs(r));
      assert.equal(sent.length, 5);
      texts.forEach((t, i) => {
        assert.ok(sent[i]!.endsWith(t), `input ${i} sent as "${sent[i]}"`);
        const want = vectorFor(sent[i]!, fx.dimensions);
        assert.equal(got[i]!.length, fx.dimensions);
        got[i]!.forEach((x, d) => assert.ok(Math.abs(x - want[d]!) < 1e-6, `vector ${i} differs at ${d}`));
      });
      for (const r of server.requests) {
        assert.equal(r.method, 'POST');
        assert.equal(r.path, fx.path);
        if (fx.auth) assert.ok(fx.auth(r)?.includes(TEST_KEY), 'the key is sent');
      }
      assert.equal(e.dimensions, fx.dimensions);
      assert.match(e.id, new RegExp(`@${fx.dimensions}$`));
    });

    it('maps the purpose of the texts (query / document) to the vendor\'s field', async () => {
      const e = await make();
      await e.embed(['what is x'], { purpose: 'query' });
      await e.embed(['x is y'], { purpose: 'document' });
      const [q, d] = server.requests;
      if (fx.purpose) {
        assert.deepEqual(fx.purpose.read(q!), fx.purpose.query);
        assert.deepEqual(fx.purpose.read(d!), fx.purpose.document);
      } else {
        const strip = (r: RecordedRequest) => JSON.stringify(r.body).replace(/what is x|x is y/, '');
        assert.equal(strip(q!), strip(d!), 'a vendor without purposes gets the same request shape for both');
      }
    });

    it('waits for Retry-After on a 429, then succeeds', async () => {
      server.handle((r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: fx.error('rate limit exceeded') } : ok(r)));
      const got = await (await make()).embed(['one']);
      assert.equal(got.length, 1);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(waits, [1000]);
    });

    it('retries a 5xx with backoff, then succeeds', async () => {
      server.handle((r, n) => (n === 1 ? { status: 503, json: fx.error('overloaded') } : ok(r)));
      await (await make()).embed(['one']);
      assert.equal(server.requests.length, 2);
      assert.equal(waits.length, 1);
    });

    it('times out a request that hangs, and retries it', async () => {
      server.handle((r, n) => (n === 1 ? { hang: true } : ok(r)));
      await (await make({ timeoutMs: 150 })).embed(['one']);
      assert.equal(server.requests.length, 2);
    });

    it('reports a timeout once retries are exhausted', async () => {
      server.handle(() => ({ hang: true }));
      const err = await failure((await make({ timeoutMs: 150, maxRetries: 0 })).embed(['one']));
      assert.equal(errorKind(err), 'timeout');
    });

    it('refuses a body that is not JSON', async () => {
      server.handle(() => ({ text: 'upstream proxy error' }));
      const err = await failure((await make()).embed(['one']));
      assert.equal(errorKind(err), 'malformed');
      assert.equal(server.requests.length, 1);
    });

    it('refuses an answer with the wrong number of vectors, and caches nothing', async () => {
      const cache = memoryEmbeddingCache();
      server.handle((r) => ({ json: fx.respond([...fx.inputs(r), 'extra'].map((t) => vectorFor(t, fx.dimensions)), r) }));
      const err = await failure((await make({}, cache)).embed(['one', 'two']));
      assert.equal(errorKind(err), 'malformed');
      assert.match(err.message, /3 embeddings for 2 inputs/);
      assert.equal(cache.entries.size, 0);
    });

    it('refuses vectors of the wrong dimension', async () => {
      server.handle((r) => ({ json: fx.respond(fx.inputs(r).map((t) => vectorFor(t, fx.dimensions + 1)), r) }));
      const err = await failure((await make()).embed(['one']));
      assert.equal(errorKind(err), 'malformed');
      assert.match(err.message, new RegExp(`${fx.dimensions + 1}-dimensional.*expected ${fx.dimensions}`));
    });

    it('refuses NaN and null values', async () => {
      for (const bad of ['NaN', null]) {
        server.handle((r) => ({ json: fx.respond(fx.inputs(r).map((t) => [bad, ...vectorFor(t, fx.dimensions - 1)]), r) }));
        const err = await failure((await make()).embed(['one']));
        assert.equal(errorKind(err), 'malformed');
        assert.match(err.message, /non-finite/);
      }
    });

    it('reports an auth failure without retrying and without the key in the message', async () => {
      server.handle(() => ({ status: 401, json: fx.error(`invalid api key ${TEST_KEY}`) }));
      const err = await failure((await make()).embed(['one']));
      assert.equal(errorKind(err), 'auth');
      assert.equal(server.requests.length, 1);
      assert.ok(!err.message.includes(TEST_KEY), err.message);
      assert.ok(!JSON.stringify(err.details).includes(TEST_KEY));
    });

    it('does not call the provider again for text it has already embedded (cache by id + content hash)', async () => {
      const cache = memoryEmbeddingCache();
      const e = await make({}, cache);
      const first = await e.embed(['same text', 'other text']);
      const calls = server.requests.length;
      const again = await e.embed(['other text', 'same text', 'new text']);
      assert.equal(server.requests.length, calls + 1, 'only the new text is sent');
      assert.deepEqual(fx.inputs(server.requests.at(-1)!).map((t) => t.endsWith('new text')), [true]);
      assert.deepEqual(Array.from(again[0]!), Array.from(first[1]!));
      assert.deepEqual(Array.from(again[1]!), Array.from(first[0]!));
    });
  });
}
