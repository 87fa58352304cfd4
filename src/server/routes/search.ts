// POST /v1/search (reader): lexical, vector or hybrid search over one collection; only documents the caller may
// read are ranked and shown, in every mode.
// Each search is an audit entry (who searched for what, which documents came back) under the request id,
// which is also the id to send feedback on.
import { createRoute, z } from '@hono/zod-openapi';
import { auditEntry } from '../audit-log.js';
import { errors, json, NAME_RULE, role, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { collectionOf } from './shared.js';

const Scalar = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);
const FilterOps = z
  .object({
    eq: Scalar,
    ne: Scalar,
    in: z.array(Scalar).max(100),
    nin: z.array(Scalar).max(100),
    gt: z.union([z.string().max(100), z.number()]),
    gte: z.union([z.string().max(100), z.number()]),
    lt: z.union([z.string().max(100), z.number()]),
    lte: z.union([z.string().max(100), z.number()]),
    exists: z.boolean(),
    contains: z.string().max(200),
  })
  .partial()
  .strict();

const Hit = z
  .object({
    rank: z.number().int(),
    score: z.number(),
    documentId: z.string(),
    sourceId: z.string(),
    chunkId: z.string(),
    chunkOrdinal: z.number().int(),
    title: z.string().optional(),
    path: z.string().optional(),
    location: z.record(z.string(), z.unknown()),
    snippet: z.object({ text: z.string(), highlights: z.array(z.tuple([z.number(), z.number()])) }).optional(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi('SearchHit');

export function searchRoutes(deps: RouteDeps) {
  const app = router();
  const SearchRequest = z
    .object({
      collection: z.string().regex(NAME_RULE, 'a collection name'),
      query: z.string().trim().min(1).max(deps.config.server.maxQueryChars),
      limit: z.number().int().min(1).max(100).default(Math.min(100, deps.config.search.defaultLimit)),
      offset: z.number().int().min(0).max(1000).default(0),
      filter: z
        .record(z.string().min(1).max(64), z.union([Scalar, FilterOps]))
        .refine((f) => Object.keys(f).length <= 20, 'at most 20 filtered fields')
        .optional()
        .openapi({ description: 'AND of metadata conditions: `{ "author": "ana", "year": { "gte": 2020 } }`' }),
      collapse: z.enum(['document', 'chunk']).default('document'),
      snippetChars: z.number().int().min(0).max(2000).default(240),
      mode: z.enum(['lexical', 'vector', 'hybrid']).optional().openapi({ description: `lexical (BM25), vector (embeddings) or hybrid (both, fused); default "${deps.config.search.mode}"` }),
      fusion: z
        .object({
          method: z.enum(['rrf', 'weighted']),
          rrfK: z.number().min(0).max(10_000),
          vectorWeight: z.number().min(0).max(1),
          normalization: z.enum(['minmax', 'zscore']),
        })
        .partial()
        .strict()
        .optional()
        .openapi({ description: 'hybrid fusion: reciprocal rank fusion (k = 60) or weighted scores (vector share `vectorWeight`)' }),
      rerank: z.object({ name: z.string().regex(NAME_RULE, 'a configured reranker'), topN: z.number().int().min(1).max(200).optional() }).strict().optional(),
      mmr: z.object({ lambda: z.number().min(0).max(1) }).strict().optional().openapi({ description: 'diversify results with maximal marginal relevance (1 = relevance only)' }),
      embedder: z.string().regex(NAME_RULE, 'a configured embedder').optional(),
      total: z.boolean().default(false).openapi({ description: 'also return `total`: matching documents the caller may read' }),
      facets: z
        .array(z.string().min(1).max(64))
        .max(10)
        .optional()
        .openapi({ description: 'metadata fields whose most frequent values (up to 20) to count over every matching document the caller may read' }),
    })
    .strict()
    .openapi('SearchRequest');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/search',
      tags: ['search'],
      summary: 'Search a collection',
      ...role('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: SearchRequest } } } },
      responses: {
        200: json(
          z
            .object({
              requestId: z.string(),
              hits: z.array(Hit),
              terms: z.array(z.string()),
              total: z.number().int().optional(),
              facets: z.record(z.string(), z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), count: z.number().int() }))).optional(),
              tookMs: z.number(),
            })
            .openapi('SearchResponse'),
          'Hits, best first; `requestId` is the id to send feedback on',
        ),
        ...errors(404),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const collection = await collectionOf(deps, c, body.collection);
      const res = await deps.searcher.search({
        caller: c.get('caller'),
        collection,
        fresh: true,
        query: body.query,
        limit: body.limit,
        offset: body.offset,
        filter: body.filter,
        collapse: body.collapse,
        snippetChars: body.snippetChars,
        mode: body.mode,
        fusion: body.fusion,
        rerank: body.rerank,
        mmr: body.mmr,
        embedder: body.embedder,
        countTotal: body.total,
        facets: body.facets,
      });
      await deps.audit.record([
        auditEntry(c, 'search.query', [...new Set(res.hits.map((h) => `document:${h.documentId}`))], {
          collection: collection.name,
          query: body.query,
          hits: res.hits.length,
        }),
      ]);
      return c.json({ requestId: c.get('requestId'), ...res, hits: res.hits as z.infer<typeof Hit>[] }, 200);
    },
  );
  return app;
}
