// /v1/directory (admin): the workspace's users and groups, from which callers' principals are resolved.
// Entries from the config file are re-applied at start-up; entries made here persist (source "api").
import { createRoute, z } from '@hono/zod-openapi';
import { PRINCIPAL_ID } from '../../core/access.js';
import { StrataError } from '../../core/errors.js';
import type { Principal } from '../../store/policy.js';
import { auditEntry } from '../audit-log.js';
import { requireRole } from '../middleware/auth.js';
import { errors, json, role, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

const Id = z.string().regex(PRINCIPAL_ID, 'ids are 1–128 letters, digits, _ . @ + -');
const PrincipalSchema = z
  .object({
    kind: z.enum(['user', 'group']),
    id: z.string(),
    groups: z.array(z.string()),
    displayName: z.string().nullable(),
    source: z.enum(['config', 'api']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Principal');
const Params = z.object({
  kind: z.enum(['users', 'groups']).openapi({ param: { name: 'kind', in: 'path' } }),
  id: Id.openapi({ param: { name: 'id', in: 'path' } }),
});
const show = ({ workspaceId: _w, ...p }: Principal) => p;

export function directoryRoutes(deps: RouteDeps) {
  const app = router();
  app.use('/directory', requireRole('admin'));
  app.use('/directory/*', requireRole('admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/directory',
      tags: ['directory'],
      summary: 'Users and groups of the workspace',
      ...role('admin'),
      responses: { 200: json(z.object({ principals: z.array(PrincipalSchema) }), 'Users first, by id'), ...errors(403) },
    }),
    async (c) => c.json({ principals: (await deps.store.listPrincipals(c.get('caller').workspaceId)).map(show) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/directory/{kind}/{id}',
      tags: ['directory'],
      summary: 'Create or replace a user or group (its direct groups)',
      ...role('admin'),
      request: {
        params: Params,
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ groups: z.array(Id).max(1000).default([]), displayName: z.string().max(200).nullable().optional() }).strict() } },
        },
      },
      responses: { 200: json(PrincipalSchema, 'Stored'), ...errors(403) },
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const body = c.req.valid('json');
      const ws = c.get('caller').workspaceId;
      const p = await deps.store.upsertPrincipal({ workspaceId: ws, kind: kind === 'users' ? 'user' : 'group', id, groups: body.groups, displayName: body.displayName ?? null, source: 'api' });
      deps.callers.invalidate(ws);
      await deps.audit.record([auditEntry(c, 'directory.upsert', [`${p.kind}:${p.id}`], { groups: p.groups })]);
      return c.json(show(p), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/directory/{kind}/{id}',
      tags: ['directory'],
      summary: 'Remove a user (its keys stop working) or a group (dropped from every membership)',
      ...role('admin'),
      request: { params: Params },
      responses: { 200: json(z.object({ deleted: z.string() }), 'Removed'), ...errors(403, 404) },
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const ws = c.get('caller').workspaceId;
      const k = kind === 'users' ? 'user' : 'group';
      if (!(await deps.store.deletePrincipal(ws, k, id))) throw new StrataError('server', 'not-found', `no ${k} "${id}" in the directory`);
      deps.callers.invalidate(ws);
      await deps.audit.record([auditEntry(c, 'directory.delete', [`${k}:${id}`])]);
      return c.json({ deleted: `${k}:${id}` }, 200);
    },
  );
  return app;
}
