// Runs the reranker conformance suite against each hosted reranker with its vendor's documented formats.
import type { RecordedRequest } from '../replay.testkit.js';
import { rerankerConformance, TEST_KEY, type RerankerFixture } from './conformance.testkit.js';

type Body = { query: string; documents: string[]; model: string; top_n?: number; top_k?: number };
const b = (r: RecordedRequest) => r.body as Body;
const bearer = (r: RecordedRequest) => r.headers.authorization as string | undefined;
const common = { apiKey: TEST_KEY, timeoutMs: 5000, maxRetries: 3 };

const fixtures: RerankerFixture[] = [
  {
    name: 'cohere',
    config: (url) => ({ provider: 'cohere', model: 'rerank-v3.5', baseUrl: url, ...common }) as never,
    path: '/v2/rerank',
    request: (r) => ({ query: b(r).query, documents: b(r).documents, topN: b(r).top_n, model: b(r).model }),
    respond: (results) => ({ id: 'r1', results, meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } }),
    error: (message) => ({ message }),
    auth: bearer,
  },
  {
    name: 'voyage',
    config: (url) => ({ provider: 'voyage', model: 'rerank-2.5', baseUrl: `${url}/v1`, ...common }) as never,
    path: '/v1/rerank',
    request: (r) => ({ query: b(r).query, documents: b(r).documents, topN: b(r).top_k, model: b(r).model }),
    respond: (results) => ({ object: 'list', data: results, model: 'rerank-2.5', usage: { total_tokens: 26 } }),
    error: (message) => ({ detail: message }),
    auth: bearer,
  },
  {
    name: 'jina',
    config: (url) => ({ provider: 'jina', model: 'jina-reranker-v2-base-multilingual', baseUrl: `${url}/v1`, ...common }) as never,
    path: '/v1/rerank',
    request: (r) => ({ query: b(r).query, documents: b(r).documents, topN: b(r).top_n, model: b(r).model }),
    respond: (results) => ({ model: 'jina-reranker-v2-base-multilingual', usage: { total_tokens: 30 }, results }),
    error: (message) => ({ detail: message }),
    auth: bearer,
  },
];

for (const fx of fixtures) rerankerConformance(fx);
