// /v1/audit (admin): the workspace's hash-chained audit log, exported as JSON Lines (streamed, oldest first),
// and a verification of the chain.
import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { auditEntries, exportAudit, verifyAuditChain } from '../../audit/verify.js';
import { requireRole } from '../middleware/auth.js';
import { errors, json, role, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

export function auditRoutes(deps: RouteDeps) {
  const app = router();
  app.use('/audit', requireRole('admin'));
  app.use('/audit/*', requireRole('admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      summary: 'Export the audit log as JSON Lines, one entry per line, oldest first',
      ...role('admin'),
      responses: {
        200: { description: 'JSON Lines: each line an AuditEntry (seq, at, actor, action, resources, decision, traceId, details, prevHash, hash)', content: { 'application/x-ndjson': { schema: z.string() } } },
        ...errors(403),
      },
    }),
    async (c) => {
      const workspaceId = c.get('caller').workspaceId;
      // Read the first page before answering, so a store failure is still a proper error response.
      const first = await deps.store.listAudit({ workspaceId, limit: 1 });
      c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
      // The route declares a non-JSON media type, which zod-openapi types as `never`: the Response is returned as is.
      if (first.length === 0) return c.body('', 200) as never;
      return stream(c, async (s) => {
        await exportAudit(deps.store, workspaceId, (line) => s.write(`${line}\n`).then(() => undefined));
      }, async (err, s) => {
        deps.log('error', 'audit export failed mid-stream', { requestId: c.get('requestId'), error: String(err) });
        await s.close();
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/verify',
      tags: ['audit'],
      summary: 'Check that no entry was edited, deleted, inserted or reordered',
      ...role('admin'),
      responses: {
        200: json(
          z.object({ ok: z.boolean(), count: z.number().int(), lastHash: z.string().optional(), firstBadSeq: z.number().int().optional(), problem: z.string().optional(), message: z.string().optional() }),
          'The verification result',
        ),
        ...errors(403),
      },
    }),
    async (c) => c.json(await verifyAuditChain(auditEntries(deps.store, c.get('caller').workspaceId)), 200),
  );
  return app;
}
