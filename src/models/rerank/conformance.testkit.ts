// The one suite every hosted reranker passes against a local server replaying its vendor's formats: the
// request carries query, documents, model and top-N; results come back sorted, at most top-N; 429 with
// Retry-After and 5xx are retried; timeouts, malformed bodies, out-of-range or repeated indices and NaN
// scores are clear errors; auth failures never echo the key.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RerankerConfig } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import { errorKind } from '../http.js';
import { startReplayServer, strataFailure, type RecordedRequest, type ReplayServer } from '../replay.testkit.js';
import { createReranker } from './index.js';

export const TEST_KEY = 'sk-rerank-conformance-0123456789abcdef';

export interface RerankerFixture {
  name: string;
  config(baseUrl: string): RerankerConfig;
  path: string;
  /** What the vendor received. */
  request(req: RecordedRequest): { query: string; documents: string[]; topN: number | undefined; model: string };
  /** The vendor's success body for these (index, score) results, in the order given. */
  respond(results: { index: number; relevance_score: unknown }[]): unknown;
  error(message: string): unknown;
  auth(req: RecordedRequest): string | undefined;
}

/** A stand-in relevance: how many query words the document contains (ties broken by shorter documents). */
const relevance = (q: string, d: string) => q.split(' ').filter((w) => d.includes(w)).length + 1 / (1 + d.length);

const failure = strataFailure;

export function rerankerConformance(fx: RerankerFixture): void {
  describe(`reranker conformance: ${fx.name}`, () => {
    let server: ReplayServer;
    let waits: number[];
    const ok = (req: RecordedRequest) => {
      const { query, documents, topN } = fx.request(req);
      const ranked = documents.map((d, index) => ({ index, relevance_score: relevance(query, d) as unknown })).sort((a, b) => (b.relevance_score as number) - (a.relevance_score as number));
      return { json: fx.respond(ranked.slice(0, topN ?? ranked.length)) };
    };
    const make = (over: Record<string, unknown> = {}) =>
      createReranker({ ...fx.config(server.url), ...over } as RerankerConfig, { dataDir: '/nonexistent', sleep: async (ms) => void waits.push(ms) });
    const docs = ['cats purr', 'stock market news', 'cats and kittens purr loudly', 'weather'];

    before(async () => {
      server = await startReplayServer(ok);
    });
    after(() => server.close());
    beforeEach(() => {
      server.requests.length = 0;
      server.handle(ok);
      waits = [];
    });

    it('sends query, documents, model and top-N; returns sorted results within top-N', async () => {
      const r = await make();
      const out = await r.rerank('cats purr', docs, { topN: 2 });
      assert.deepEqual(out.map((x) => x.index), [0, 2]);
      assert.ok(out[0]!.score >= out[1]!.score);
      const sent = fx.request(server.requests[0]!);
      assert.equal(sent.query, 'cats purr');
      assert.deepEqual(sent.documents, docs);
      assert.equal(sent.topN, 2);
      assert.equal(server.requests[0]!.path, fx.path);
      assert.ok(fx.auth(server.requests[0]!)?.includes(TEST_KEY));
      assert.match(r.id, new RegExp(`^${fx.name}:`));
    });

    it('ranks all documents when no top-N is given, and makes no call for none', async () => {
      const r = await make();
      assert.equal((await r.rerank('cats', docs)).length, docs.length);
      assert.deepEqual(await r.rerank('cats', []), []);
      assert.equal(server.requests.length, 1);
    });

    it('waits for Retry-After on a 429 and retries a 5xx', async () => {
      server.handle((req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' }, json: fx.error('too many requests') } : n === 2 ? { status: 500, json: fx.error('oops') } : ok(req)));
      assert.equal((await (await make()).rerank('cats', docs)).length, 4);
      assert.equal(server.requests.length, 3);
      assert.equal(waits[0], 2000);
    });

    it('reports a timeout once retries are exhausted', async () => {
      server.handle(() => ({ hang: true }));
      assert.equal(errorKind(await failure((await make({ timeoutMs: 150, maxRetries: 0 })).rerank('q', docs))), 'timeout');
    });

    it('refuses a body that is not JSON, or has no results', async () => {
      server.handle(() => ({ text: '<html>' }));
      assert.equal(errorKind(await failure((await make()).rerank('q', docs))), 'malformed');
      server.handle(() => ({ json: {} }));
      assert.equal(errorKind(await failure((await make()).rerank('q', docs))), 'malformed');
    });

    for (const [what, results, pattern] of [
      ['an index out of range', [{ index: 4, relevance_score: 0.9 }], /document 4, outside 0–3/],
      ['a negative index', [{ index: -1, relevance_score: 0.9 }], /outside/],
      ['a repeated index', [{ index: 1, relevance_score: 0.9 }, { index: 1, relevance_score: 0.8 }], /ranked document 1 twice/],
      ['a NaN score', [{ index: 0, relevance_score: 'NaN' }], /non-finite score/],
      ['more results than top-N', [0, 1, 2].map((index) => ({ index, relevance_score: 1 })), /3 results for 4 documents \(top 2\)/],
    ] as const) {
      it(`refuses ${what}`, async () => {
        server.handle(() => ({ json: fx.respond(results as never) }));
        const err = await failure((await make()).rerank('q', docs, { topN: 2 }));
        assert.equal(errorKind(err), 'malformed');
        assert.match(err.message, pattern);
      });
    }

    it('reports an auth failure once, without the key', async () => {
      server.handle(() => ({ status: 401, json: fx.error(`invalid api token ${TEST_KEY}`) }));
      const err = await failure((await make()).rerank('q', docs));
      assert.equal(errorKind(err), 'auth');
      assert.equal(server.requests.length, 1);
      assert.ok(!err.message.includes(TEST_KEY));
    });

    it('refuses a top-N that is not a positive integer', async () => {
      await assert.rejects((await make()).rerank('q', docs, { topN: 0 }), (e) => e instanceof StrataError && e.code === 'invalid-input');
    });
  });
}
