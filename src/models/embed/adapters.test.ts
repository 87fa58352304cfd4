// Runs the embedder conformance suite against every hosted adapter, each with its vendor's documented request
// and response formats (as published in the vendors' API references).
import type { RecordedRequest } from '../replay.testkit.js';
import { embedderConformance, TEST_KEY, type EmbedderFixture } from './conformance.testkit.js';

const DIMS = 8;
type Body = Record<string, unknown>;
const body = (r: RecordedRequest) => r.body as Body;
const header = (name: string) => (r: RecordedRequest) => r.headers[name] as string | undefined;
const common = { batchSize: 2, apiKey: TEST_KEY, dimensions: DIMS, maxRetries: 3, timeoutMs: 5000 };

// OpenAI: { object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }.
const openAiBody = (vectors: unknown[][], model = 'm') => ({
  object: 'list',
  // Returned in reverse: the adapter must order by `index`, not by position.
  data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse(),
  model,
  usage: { prompt_tokens: 3, total_tokens: 3 },
});
const openAiError = (message: string) => ({ error: { message, type: 'invalid_request_error', param: null, code: null } });

const fixtures: EmbedderFixture[] = [
  {
    name: 'openai',
    config: (url) => ({ provider: 'openai', model: 'text-embedding-3-small', baseUrl: `${url}/v1`, ...common }) as never,
    dimensions: DIMS,
    path: '/v1/embeddings',
    inputs: (r) => body(r).input as string[],
    respond: (v) => openAiBody(v, 'text-embedding-3-small'),
    error: openAiError,
    auth: header('authorization'),
  },
  {
    name: 'openai-compatible',
    config: (url) => ({ provider: 'openai-compatible', model: 'local-embedder', baseUrl: `${url}/v1`, ...common }) as never,
    dimensions: DIMS,
    path: '/v1/embeddings',
    inputs: (r) => body(r).input as string[],
    respond: (v) => openAiBody(v),
    error: openAiError,
    auth: header('authorization'),
  },
  {
    name: 'azure-openai',
    config: (url) => ({ provider: 'azure-openai', model: 'text-embedding-3-small', baseUrl: url, deployment: 'emb-small', apiVersion: '2024-10-21', ...common }) as never,
    dimensions: DIMS,
    path: '/openai/deployments/emb-small/embeddings?api-version=2024-10-21',
    inputs: (r) => body(r).input as string[],
    respond: (v) => openAiBody(v),
    error: (message) => ({ error: { code: '401', message } }),
    auth: header('api-key'),
  },
  {
    name: 'mistral',
    config: (url) => ({ provider: 'mistral', model: 'codestral-embed', baseUrl: `${url}/v1`, ...common }) as never,
    dimensions: DIMS,
    path: '/v1/embeddings',
    inputs: (r) => body(r).input as string[],
    respond: (v) => ({ id: 'e1', object: 'list', data: v.map((embedding, index) => ({ object: 'embedding', embedding, index })), model: 'codestral-embed', usage: { prompt_tokens: 2, total_tokens: 2 } }),
    error: (message) => ({ object: 'error', message, type: 'invalid_request_error', param: null, code: null }),
    auth: header('authorization'),
  },
  {
    name: 'cohere',
    config: (url) => ({ provider: 'cohere', model: 'embed-test-v9', baseUrl: url, ...common }) as never,
    dimensions: DIMS,
    path: '/v2/embed',
    inputs: (r) => body(r).texts as string[],
    respond: (v, r) => ({ id: 'c1', embeddings: { float: v }, texts: body(r).texts, meta: { api_version: { version: '2' }, billed_units: { input_tokens: 2 } } }),
    error: (message) => ({ message }),
    auth: header('authorization'),
    purpose: { read: (r) => body(r).input_type, query: 'search_query', document: 'search_document' },
  },
  {
    name: 'voyage',
    config: (url) => ({ provider: 'voyage', model: 'voyage-test', baseUrl: `${url}/v1`, ...common }) as never,
    dimensions: DIMS,
    path: '/v1/embeddings',
    inputs: (r) => body(r).input as string[],
    respond: (v) => ({ object: 'list', data: v.map((embedding, index) => ({ object: 'embedding', embedding, index })), model: 'voyage-test', usage: { total_tokens: 4 } }),
    error: (message) => ({ detail: message }),
    auth: header('authorization'),
    purpose: { read: (r) => body(r).input_type, query: 'query', document: 'document' },
  },
  {
    name: 'google',
    config: (url) => ({ provider: 'google', model: 'gemini-embedding-001', baseUrl: `${url}/v1beta`, ...common }) as never,
    dimensions: DIMS,
    path: '/v1beta/models/gemini-embedding-001:batchEmbedContents',
    inputs: (r) => (body(r).requests as { content: { parts: { text: string }[] } }[]).map((q) => q.content.parts[0]!.text),
    respond: (v) => ({ embeddings: v.map((values) => ({ values })) }),
    error: (message) => ({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }),
    auth: header('x-goog-api-key'),
    purpose: {
      read: (r) => (body(r).requests as { taskType: string; outputDimensionality?: number }[]).map((q) => [q.taskType, q.outputDimensionality]),
      query: [['RETRIEVAL_QUERY', DIMS]],
      document: [['RETRIEVAL_DOCUMENT', DIMS]],
    },
  },
  {
    name: 'ollama',
    config: (url) => ({ provider: 'ollama', model: 'test-embed:latest', baseUrl: url, ...common }) as never,
    dimensions: DIMS,
    path: '/api/embed',
    inputs: (r) => body(r).input as string[],
    respond: (v) => ({ model: 'test-embed:latest', embeddings: v, total_duration: 14143917, load_duration: 1019500, prompt_eval_count: 8 }),
    error: (message) => ({ error: message }),
    auth: header('authorization'),
  },
  {
    name: 'ollama (model with purpose prefixes)',
    config: (url) => ({ provider: 'ollama', model: 'nomic-embed-text', baseUrl: url, ...common, dimensions: 768 }) as never,
    dimensions: 768,
    path: '/api/embed',
    inputs: (r) => body(r).input as string[],
    respond: (v) => ({ model: 'nomic-embed-text', embeddings: v }),
    error: (message) => ({ error: message }),
    purpose: { read: (r) => (body(r).input as string[])[0]!.split(':')[0], query: 'search_query', document: 'search_document' },
  },
  {
    name: 'tei',
    config: (url) => ({ provider: 'tei', model: 'my-org/test-embedder', baseUrl: url, ...common }) as never,
    dimensions: DIMS,
    path: '/embed',
    inputs: (r) => body(r).inputs as string[],
    respond: (v) => v,
    error: (message) => ({ error: message, error_type: 'validation' }),
    auth: header('authorization'),
  },
  {
    name: 'tei (E5 model: query:/passage: prefixes)',
    config: (url) => ({ provider: 'tei', model: 'intfloat/e5-small-v2', baseUrl: url, ...common, dimensions: 384 }) as never,
    dimensions: 384,
    path: '/embed',
    inputs: (r) => body(r).inputs as string[],
    respond: (v) => v,
    error: (message) => ({ error: message, error_type: 'validation' }),
    purpose: { read: (r) => (body(r).inputs as string[])[0]!.split(' ')[0], query: 'query:', document: 'passage:' },
  },
];

for (const fx of fixtures) embedderConformance(fx);
