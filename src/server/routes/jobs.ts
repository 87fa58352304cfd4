// /v1/jobs (editor): ingest jobs of the workspace's collections, with live progress while running and, per
// file, what the job did (indexed, unchanged, failed with the reason, skipped, deleted).
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import type { Collection, Job } from '../../core/types.js';
import { requireRole } from '../middleware/auth.js';
import { errors, json, NAME_RULE, role, router } from '../openapi.js';
import type { JobProgress, RouteDeps } from '../types.js';
import { collectionOf } from './shared.js';

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    collection: z.string(),
    status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    stats: z.record(z.string(), z.number()),
    error: z.string().nullable(),
    progress: z.object({ done: z.number().int(), total: z.number().int() }).optional(),
  })
  .openapi('Job');

const FileSchema = z
  .object({
    path: z.string(),
    status: z.enum(['indexed', 'unchanged', 'failed', 'skipped', 'deleted']),
    reason: z.string().nullable(),
    documents: z.number().int(),
    size: z.number().int().nullable(),
  })
  .openapi('JobFile');

export const showJob = (j: Job, collection: string, progress?: JobProgress) => ({
  id: j.id,
  kind: j.kind,
  collection,
  status: j.status,
  startedAt: j.startedAt,
  finishedAt: j.finishedAt,
  stats: j.stats,
  error: j.error,
  ...(j.status === 'running' && progress ? { progress } : {}),
});

/** How many recent jobs per collection are searched and listed. */
const RECENT = 200;

export function jobsRoutes(deps: RouteDeps) {
  const app = router();
  app.use('/jobs', requireRole('editor'));
  app.use('/jobs/*', requireRole('editor'));

  const collectionsOf = async (workspaceId: string): Promise<Collection[]> => deps.store.listCollections(workspaceId);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      tags: ['jobs'],
      summary: 'Recent ingest jobs, newest first',
      ...role('editor'),
      request: {
        query: z.object({
          collection: z.string().regex(NAME_RULE).optional().openapi({ param: { name: 'collection', in: 'query' } }),
          limit: z.coerce.number().int().min(1).max(RECENT).default(20).openapi({ param: { name: 'limit', in: 'query' } }),
        }),
      },
      responses: { 200: json(z.object({ jobs: z.array(JobSchema) }), 'Jobs'), ...errors(403, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const cols = q.collection ? [await collectionOf(deps, c, q.collection)] : await collectionsOf(c.get('caller').workspaceId);
      const jobs = (await Promise.all(cols.map(async (col) => (await deps.store.listJobs(col.id, q.limit)).map((j) => showJob(j, col.name, deps.jobs.progress(j.id))))))
        .flat()
        .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? 1 : -1))
        .slice(0, q.limit);
      return c.json({ jobs }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{jobId}',
      tags: ['jobs'],
      summary: 'One job with the outcome of every file it touched',
      ...role('editor'),
      request: { params: z.object({ jobId: z.string().min(1).max(64).openapi({ param: { name: 'jobId', in: 'path' } }) }) },
      responses: { 200: json(JobSchema.extend({ files: z.array(FileSchema) }), 'The job'), ...errors(403, 404) },
    }),
    async (c) => {
      const { jobId } = c.req.valid('param');
      const ws = c.get('caller').workspaceId;
      for (const col of await collectionsOf(ws)) {
        const job = (await deps.store.listJobs(col.id, RECENT)).find((j) => j.id === jobId);
        if (!job) continue;
        const roots = (await deps.store.listSources(ws, col.id)).map((s) => `${s.path}/`).sort((a, b) => b.length - a.length);
        const relative = (p: string) => {
          const root = roots.find((r) => p.startsWith(r));
          return root ? p.slice(root.length) : p;
        };
        const files = (await deps.store.listFileStates(col.id))
          .filter((f) => f.jobId === job.id)
          .map((f) => ({ path: relative(f.path), status: f.status, reason: f.reason, documents: f.documentCount, size: f.size }));
        return c.json({ ...showJob(job, col.name, deps.jobs.progress(job.id)), files }, 200);
      }
      throw new StrataError('server', 'not-found', `job "${jobId}" not found in this workspace`);
    },
  );
  return app;
}
