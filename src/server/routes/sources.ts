// /v1/collections/{collection}/sources: server folders a collection is synced from. Admins add and remove them
// (only inside `server.sourceRoots`); editors start a sync, which runs in the background as an ingest job.
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import type { FolderSource } from '../../store/keys.js';
import { auditEntry } from '../audit-log.js';
import { CollectionParam, errors, json, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { JobSchema, showJob } from './jobs.js';
import { collectionOf } from './shared.js';

const SourceSchema = z
  .object({ id: z.string(), collection: z.string(), kind: z.literal('folder'), path: z.string(), createdAt: z.string() })
  .openapi('Source');
const SourceParams = CollectionParam.extend({ sourceId: z.string().min(1).max(64).openapi({ param: { name: 'sourceId', in: 'path' } }) });

export function sourcesRoutes(deps: RouteDeps) {
  const app = router();
  const show = (s: FolderSource, collection: string) => ({ id: s.id, collection, kind: s.kind, path: s.path, createdAt: s.createdAt });
  const sourceOf = async (workspaceId: string, collectionId: string, id: string) => {
    const s = await deps.store.getSource(workspaceId, id);
    if (!s || s.collectionId !== collectionId) throw new StrataError('server', 'not-found', `source "${id}" not found in this collection`);
    return s;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collection}/sources',
      tags: ['sources'],
      summary: 'List the folder sources of a collection',
      ...requires('editor'),
      request: { params: CollectionParam },
      responses: { 200: json(z.object({ sources: z.array(SourceSchema) }), 'Sources'), ...errors(403, 404) },
    }),
    async (c) => {
      const col = await collectionOf(deps, c, c.req.valid('param').collection);
      const list = await deps.store.listSources(c.get('caller').workspaceId, col.id);
      return c.json({ sources: list.map((s) => show(s, col.name)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/collections/{collection}/sources',
      tags: ['sources'],
      summary: 'Add a server folder as a source (it must be inside server.sourceRoots)',
      ...requires('admin'),
      request: {
        params: CollectionParam,
        body: { required: true, content: { 'application/json': { schema: z.object({ kind: z.literal('folder').default('folder'), path: z.string().min(1).max(4096) }).strict() } } },
      },
      responses: { 201: json(SourceSchema, 'Added'), ...errors(403, 404) },
    }),
    async (c) => {
      const col = await collectionOf(deps, c, c.req.valid('param').collection);
      const path = await allowedFolder(c.req.valid('json').path, deps.config.server.sourceRoots);
      const existing = (await deps.store.listSources(c.get('caller').workspaceId, col.id)).find((s) => s.path === path);
      if (existing) throw new StrataError('server', 'conflict', `the folder is already source "${existing.id}" of this collection`);
      const s = await deps.store.createSource({ workspaceId: c.get('caller').workspaceId, collectionId: col.id, kind: 'folder', path });
      await deps.audit.record([auditEntry(c, 'source.create', [`source:${s.id}`, `collection:${col.id}`], { path })]);
      return c.json(show(s, col.name), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/collections/{collection}/sources/{sourceId}',
      tags: ['sources'],
      summary: 'Remove a source (its documents stay until deleted)',
      ...requires('admin'),
      request: { params: SourceParams },
      responses: { 200: json(z.object({ deleted: z.string() }), 'Removed'), ...errors(403, 404) },
    }),
    async (c) => {
      const { collection, sourceId } = c.req.valid('param');
      const col = await collectionOf(deps, c, collection);
      const s = await sourceOf(c.get('caller').workspaceId, col.id, sourceId);
      await deps.store.deleteSource(s.workspaceId, s.id);
      await deps.audit.record([auditEntry(c, 'source.delete', [`source:${s.id}`, `collection:${col.id}`])]);
      return c.json({ deleted: s.id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/collections/{collection}/sources/{sourceId}/sync',
      tags: ['sources'],
      summary: 'Sync the folder into the collection, in the background; poll the returned job',
      ...requires('editor'),
      request: { params: SourceParams },
      responses: { 202: json(JobSchema, 'Started; `Location` is the job'), ...errors(403, 404, 409) },
    }),
    async (c) => {
      const { collection, sourceId } = c.req.valid('param');
      const col = await collectionOf(deps, c, collection);
      const source = await sourceOf(c.get('caller').workspaceId, col.id, sourceId);
      const requested = auditEntry(c, 'ingest.start', [`source:${source.id}`, `collection:${col.id}`]);
      const job = await deps.jobs.start({
        collection: col,
        source,
        audit: { actor: requested.actor, traceId: requested.traceId },
        onDone: ({ job: j, report, error }) => [
          { ...requested, action: 'ingest.finish', resources: [`job:${j.id}`, ...requested.resources], decision: error ? 'error' : 'allow', details: { ...requested.details, status: j.status, stats: report ? j.stats : undefined } },
        ],
      });
      await deps.audit.record([{ ...requested, resources: [`job:${job.id}`, ...requested.resources] }]);
      c.header('Location', `/v1/jobs/${job.id}`);
      return c.json(showJob(job, col.name, deps.jobs.progress(job.id)), 202);
    },
  );
  return app;
}

/** The folder, resolved through symlinks, if it lies inside one of the configured roots. */
async function allowedFolder(input: string, roots: string[]): Promise<string> {
  if (roots.length === 0) {
    throw new StrataError('server', 'forbidden', 'folder sources are disabled on this server', { hint: 'an operator can allow folders with server.sourceRoots in strata.config.yaml' });
  }
  if (!isAbsolute(input)) throw new StrataError('server', 'invalid-input', 'invalid body: path: must be an absolute path on the server');
  let real: string;
  try {
    real = await realpath(resolve(input));
  } catch {
    throw new StrataError('server', 'invalid-input', `invalid body: path: ${input} does not exist on the server`);
  }
  for (const root of roots) {
    const r = await realpath(resolve(root)).catch(() => null);
    if (r && (real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) return real;
  }
  throw new StrataError('server', 'forbidden', `${input} is outside the folders this server may read`, { details: { allowed: roots } });
}
