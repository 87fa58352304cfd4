// /v1/collections/{collection}/documents: list and read what the caller may read (reader), delete and change
// the access policy (editor). A document the caller may not read answers 404, exactly like a missing one.
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import { CLASSIFICATIONS, type Collection } from '../../core/types.js';
import { auditEntry } from '../audit-log.js';
import { CollectionParam, errors, json, Pagination, role, requires, router } from '../openapi.js';
import type { AppEnv, RouteDeps } from '../types.js';
import { collectionOf, publicDocument } from './shared.js';
import type { Context } from 'hono';

export const DocumentSchema = z
  .object({
    id: z.string(),
    collectionId: z.string(),
    sourceId: z.string(),
    version: z.number().int(),
    contentHash: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    accessPolicy: z.object({ readers: z.array(z.string()) }).nullable(),
    classification: z.enum(CLASSIFICATIONS).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Document');

const ChunkSchema = z
  .object({ id: z.string(), ordinal: z.number().int(), text: z.string(), tokenCount: z.number().int(), location: z.record(z.string(), z.unknown()) })
  .openapi('Chunk');

export const DocParams = CollectionParam.extend({
  id: z.string().min(1).max(1024).openapi({ param: { name: 'id', in: 'path' }, description: 'Document id or source id (URL-encoded)' }),
});

export const Readers = z
  .array(z.string().regex(/^(\*|(user|group):[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127})$/, 'each reader is "*", "user:<id>" or "group:<id>"'))
  .max(1000);

export function documentsRoutes(deps: RouteDeps) {
  const app = router();

  /** The document if the caller may read it; 404 for missing and unreadable alike, so existence does not leak. */
  const readable = async (c: Context<AppEnv>, col: Collection, id: string) => {
    const doc = await deps.searcher.getDocumentFor(c.get('caller'), col, id);
    if (!doc) throw new StrataError('server', 'not-found', `document "${id}" not found in collection "${col.name}"`);
    return doc;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collection}/documents',
      tags: ['documents'],
      summary: 'List the documents the caller may read, by source id',
      ...role('reader'),
      request: { params: CollectionParam, query: Pagination },
      responses: {
        200: json(z.object({ total: z.number().int(), offset: z.number().int(), documents: z.array(DocumentSchema) }), 'A page of documents'),
        ...errors(404),
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid('query');
      const caller = c.get('caller');
      const col = await collectionOf(deps, c, c.req.valid('param').collection);
      const [docs, total] = await Promise.all([deps.searcher.listDocumentsFor(caller, col, { limit, offset }), deps.searcher.countDocumentsFor(caller, col)]);
      return c.json({ total, offset, documents: docs.map(publicDocument) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collection}/documents/{id}',
      tags: ['documents'],
      summary: 'Read one document, optionally with its chunks',
      ...role('reader'),
      request: {
        params: DocParams,
        query: z.object({ chunks: z.enum(['true', 'false']).default('false').openapi({ param: { name: 'chunks', in: 'query' } }) }),
      },
      responses: { 200: json(DocumentSchema.extend({ chunks: z.array(ChunkSchema).optional() }), 'The document'), ...errors(404) },
    }),
    async (c) => {
      const { collection, id } = c.req.valid('param');
      const col = await collectionOf(deps, c, collection);
      const doc = await readable(c, col, id);
      const chunks = c.req.valid('query').chunks === 'true' ? await deps.store.getChunks(doc.id) : undefined;
      await deps.audit.record([auditEntry(c, 'document.read', [`document:${doc.id}`], { collection: col.name, chunks: Boolean(chunks) })]);
      const body = { ...publicDocument(doc), ...(chunks ? { chunks: chunks.map(({ documentId: _d, location, ...k }) => ({ ...k, location: { ...location } })) } : {}) };
      return c.json(body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/collections/{collection}/documents/{id}',
      tags: ['documents'],
      summary: 'Delete a document: its text, chunks and index entries are purged',
      description: 'A document of a folder source comes back on the next sync while its file is still in the folder.',
      ...requires('editor'),
      request: { params: DocParams },
      responses: { 200: json(z.object({ deleted: z.string(), sourceId: z.string() }), 'Deleted'), ...errors(403, 404) },
    }),
    async (c) => {
      const { collection, id } = c.req.valid('param');
      const col = await collectionOf(deps, c, collection);
      const doc = await readable(c, col, id);
      // Forgetting the file state makes the next sync re-read the file instead of trusting its old hash.
      await deps.store.write({
        collectionId: col.id,
        deletes: [doc.sourceId],
        forgetFiles: [doc.sourcePath],
        audit: [auditEntry(c, 'document.delete', [`document:${doc.id}`], { collection: col.name, sourceId: doc.sourceId })],
      });
      // Rebuild the collection's in-memory index now, so the deleted text does not linger in memory until the next search.
      await deps.searcher.warm(col);
      return c.json({ deleted: doc.id, sourceId: doc.sourceId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/collections/{collection}/documents/{id}/access',
      tags: ['documents'],
      summary: 'Replace who may read a document (no re-indexing)',
      description: '`readers: null` makes the document readable by everyone in the workspace; `[]` by nobody.',
      ...requires('editor'),
      request: {
        params: DocParams,
        body: { required: true, content: { 'application/json': { schema: z.object({ readers: Readers.nullable() }).strict().openapi('AccessPolicyInput') } } },
      },
      responses: { 200: json(DocumentSchema, 'The document with its new policy'), ...errors(403, 404) },
    }),
    async (c) => {
      const { collection, id } = c.req.valid('param');
      const { readers } = c.req.valid('json');
      const col = await collectionOf(deps, c, collection);
      const doc = await readable(c, col, id);
      const policy = readers === null ? null : { readers };
      await deps.store.setAccessPolicy(col.id, doc.id, policy, [
        auditEntry(c, 'policy.set', [`document:${doc.id}`], { collection: col.name, before: doc.accessPolicy, after: policy }),
      ]);
      const updated = await deps.store.getDocument(col.id, doc.id);
      return c.json(publicDocument(updated ?? doc), 200);
    },
  );

  return app;
}
