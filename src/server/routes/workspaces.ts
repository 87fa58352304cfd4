// /v1/workspaces and /v1/me: a credential belongs to exactly one workspace, so these only ever show that one;
// naming any other workspace is a 404, the same answer as a workspace that does not exist.
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import { errors, json, role, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

const WorkspaceSchema = z.object({ id: z.string(), name: z.string() }).openapi('Workspace');

export function workspacesRoutes(_deps: RouteDeps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/workspaces',
      tags: ['workspaces'],
      summary: 'The workspace of the credential',
      ...role('reader'),
      responses: { 200: json(z.object({ workspaces: z.array(WorkspaceSchema) }), 'One workspace'), ...errors() },
    }),
    (c) => c.json({ workspaces: [{ id: c.get('caller').workspaceId, name: c.get('workspaceName') }] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/workspaces/{workspace}',
      tags: ['workspaces'],
      summary: 'A workspace by name or id (only the credential’s own exists for it)',
      ...role('reader'),
      request: { params: z.object({ workspace: z.string().min(1).max(128).openapi({ param: { name: 'workspace', in: 'path' } }) }) },
      responses: { 200: json(WorkspaceSchema, 'The workspace'), ...errors(404) },
    }),
    (c) => {
      const { workspace } = c.req.valid('param');
      const own = { id: c.get('caller').workspaceId, name: c.get('workspaceName') };
      if (workspace !== own.name && workspace !== own.id) throw new StrataError('server', 'not-found', `workspace "${workspace}" not found`);
      return c.json(own, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['workspaces'],
      summary: 'Who the credential is: user, role, workspace and the principals it reads as',
      ...role('reader'),
      responses: {
        200: json(
          z.object({ subject: z.string(), role: z.enum(['admin', 'editor', 'reader']), workspace: WorkspaceSchema, principals: z.array(z.string()), credential: z.object({ kind: z.enum(['api-key', 'jwt']), id: z.string() }) }).openapi('Me'),
          'The caller',
        ),
        ...errors(),
      },
    }),
    (c) => {
      const caller = c.get('caller');
      return c.json(
        { subject: caller.subject, role: caller.role, workspace: { id: caller.workspaceId, name: c.get('workspaceName') }, principals: caller.principals, credential: c.get('credential') },
        200,
      );
    },
  );
  return app;
}
