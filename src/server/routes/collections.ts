// /v1/collections: list and read (reader), create and delete (admin). Settings are fixed at creation.
import { createRoute, z } from '@hono/zod-openapi';
import { collectionSettings } from '../../core/config.js';
import { StrataError } from '../../core/errors.js';
import { CLASSIFICATIONS, type Collection } from '../../core/types.js';
import { analyzerNames } from '../../search/analyzers.js';
import { auditEntry } from '../audit-log.js';
import { CollectionParam, errors, json, NAME_RULE, role, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { collectionOf } from './shared.js';

const CollectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    classification: z.enum(CLASSIFICATIONS),
    settings: z.object({
      chunking: z.object({ maxTokens: z.number(), overlapTokens: z.number(), tokenizer: z.string() }),
      analyzer: z.object({ name: z.string() }),
    }),
    createdAt: z.string(),
    /** Documents the caller may read. */
    documents: z.number().int().openapi({ description: 'Documents the caller may read' }),
  })
  .openapi('Collection');

const CreateCollection = z
  .object({
    name: z.string().regex(NAME_RULE, 'collection names are 1–64 letters, digits, "_", "." or "-"'),
    chunking: z
      .object({
        maxTokens: z.number().int().min(16).max(8192).optional(),
        overlapTokens: z.number().int().min(0).max(4096).optional(),
      })
      .strict()
      .optional(),
    analyzer: z.enum(analyzerNames() as [string, ...string[]]).optional(),
    classification: z.enum(CLASSIFICATIONS).optional(),
  })
  .strict()
  .openapi('CreateCollection');

export function collectionsRoutes(deps: RouteDeps) {
  const app = router();
  const show = async (caller: Parameters<RouteDeps['searcher']['countDocumentsFor']>[0], col: Collection) => ({
    id: col.id,
    name: col.name,
    classification: col.classification,
    settings: col.settings,
    createdAt: col.createdAt,
    documents: await deps.searcher.countDocumentsFor(caller, col),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections',
      tags: ['collections'],
      summary: 'List the collections of the workspace',
      ...role('reader'),
      responses: { 200: json(z.object({ collections: z.array(CollectionSchema) }), 'Collections, by name'), ...errors() },
    }),
    async (c) => {
      const caller = c.get('caller');
      const cols = await deps.store.listCollections(caller.workspaceId);
      return c.json({ collections: await Promise.all(cols.map((col) => show(caller, col))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collection}',
      tags: ['collections'],
      summary: 'Read one collection',
      ...role('reader'),
      request: { params: CollectionParam },
      responses: { 200: json(CollectionSchema, 'The collection'), ...errors(404) },
    }),
    async (c) => c.json(await show(c.get('caller'), await collectionOf(deps, c, c.req.valid('param').collection)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/collections',
      tags: ['collections'],
      summary: 'Create a collection (settings are fixed from then on)',
      ...requires('admin'),
      request: { body: { required: true, content: { 'application/json': { schema: CreateCollection } } } },
      responses: { 201: json(CollectionSchema, 'Created'), ...errors(403) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const caller = c.get('caller');
      const base = collectionSettings(deps.config, body.name);
      const chunking = { ...base.chunking, ...body.chunking };
      if (chunking.overlapTokens >= chunking.maxTokens / 2) {
        throw new StrataError('server', 'invalid-input', 'invalid body: chunking.overlapTokens: must be less than half of chunking.maxTokens');
      }
      const col = await deps.store.createCollection({
        workspaceId: caller.workspaceId,
        name: body.name,
        settings: { chunking, analyzer: body.analyzer ? { name: body.analyzer } : base.analyzer },
        classification: body.classification ?? base.classification,
      });
      await deps.audit.record([auditEntry(c, 'collection.create', [`collection:${col.id}`], { name: col.name })]);
      return c.json(await show(caller, col), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/collections/{collection}',
      tags: ['collections'],
      summary: 'Delete a collection with all its documents, chunks, sources and jobs',
      ...requires('admin'),
      request: { params: CollectionParam },
      responses: { 200: json(z.object({ deleted: z.string() }), 'Deleted'), ...errors(403, 404) },
    }),
    async (c) => {
      const col = await collectionOf(deps, c, c.req.valid('param').collection);
      await deps.store.deleteCollection(col.id);
      await deps.audit.record([auditEntry(c, 'collection.delete', [`collection:${col.id}`], { name: col.name })]);
      return c.json({ deleted: col.id }, 200);
    },
  );

  return app;
}
