// POST /v1/search (reader): BM25 over one collection, only documents the caller may read ranked and shown.
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
