// Liveness and readiness, without authentication: `/healthz` answers while the process runs, `/readyz` only
// when the store answers too (load balancers stop sending traffic to an instance that cannot serve).
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import { errors, json, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

const Status = z.object({ status: z.literal('ok') }).openapi('Status');

export function healthRoutes(deps: RouteDeps) {
  const app = router();
  app.openapi(
    createRoute({ method: 'get', path: '/healthz', tags: ['health'], summary: 'Liveness', security: [], responses: { 200: json(Status, 'The process is up') } }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['health'],
      summary: 'Readiness: the store is reachable',
      security: [],
      responses: { 200: json(Status, 'Ready'), 503: errors(503)[503]! },
    }),
    async (c) => {
      try {
        await deps.store.getWorkspace(deps.config.workspace);
      } catch (cause) {
        throw new StrataError('server', 'unavailable', 'the store is not reachable', { cause });
      }
      return c.json({ status: 'ok' as const }, 200);
    },
  );
  return app;
}
