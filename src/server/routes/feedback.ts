// /v1/feedback: anyone who can search rates a search (by its request id) or one of its documents (reader);
// admins read the feedback of the workspace.
import { createRoute, z } from '@hono/zod-openapi';
import { auditEntry } from '../audit-log.js';
import { errors, json, role, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

const TraceId = z.string().regex(/^[A-Za-z0-9._:@/+=-]{1,128}$/, 'the requestId of a search');

const FeedbackSchema = z
  .object({
    id: z.string(),
    traceId: z.string(),
    subject: z.string(),
    rating: z.number().int(),
    documentId: z.string().nullable(),
    comment: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Feedback');

const FeedbackInput = z
  .object({
    traceId: TraceId,
    rating: z.union([z.literal(-1), z.literal(0), z.literal(1)]).openapi({ description: '-1 bad, 0 neutral, 1 good' }),
    documentId: z.string().min(1).max(128).optional(),
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .openapi('FeedbackInput');

export function feedbackRoutes(deps: RouteDeps) {
  const app = router();
  const show = ({ workspaceId: _w, ...f }: Awaited<ReturnType<RouteDeps['store']['addFeedback']>>) => f;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/feedback',
      tags: ['feedback'],
      summary: 'Rate a search result (by the search’s requestId)',
      ...role('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: FeedbackInput } } } },
      responses: { 201: json(FeedbackSchema, 'Recorded'), ...errors() },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const caller = c.get('caller');
      const f = await deps.store.addFeedback({ workspaceId: caller.workspaceId, subject: caller.subject, ...body });
      await deps.audit.record([auditEntry(c, 'feedback.add', [`trace:${body.traceId}`], { rating: body.rating })]);
      return c.json(show(f), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/feedback',
      tags: ['feedback'],
      summary: 'Feedback of the workspace, newest first',
      ...requires('admin'),
      request: {
        query: z.object({
          traceId: TraceId.optional().openapi({ param: { name: 'traceId', in: 'query' } }),
          limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ param: { name: 'limit', in: 'query' } }),
        }),
      },
      responses: { 200: json(z.object({ feedback: z.array(FeedbackSchema) }), 'Feedback'), ...errors(403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const list = await deps.store.listFeedback(c.get('caller').workspaceId, { traceId: q.traceId, limit: q.limit });
      return c.json({ feedback: list.map(show) }, 200);
    },
  );
  return app;
}
