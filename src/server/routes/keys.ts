// /v1/keys (admin): issue, list and revoke the workspace's API keys. A key is shown once, when created;
// only its sha256 is stored.
import { createRoute, z } from '@hono/zod-openapi';
import { PRINCIPAL_ID } from '../../core/access.js';
import { StrataError } from '../../core/errors.js';
import type { ApiKey } from '../../store/keys.js';
import { auditEntry } from '../audit-log.js';
import { generateApiKey } from '../auth/api-keys.js';
import { requireRole } from '../middleware/auth.js';
import { errors, json, role, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';

const KeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'editor', 'reader']),
    subject: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const CreateKey = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(['admin', 'editor', 'reader']),
    subject: z.string().regex(PRINCIPAL_ID, 'a user id of the directory').openapi({ description: 'The user the key acts for' }),
  })
  .strict()
  .openapi('CreateApiKey');

export const showKey = ({ workspaceId: _w, workspace: _n, ...k }: ApiKey) => k;

export function keysRoutes(deps: RouteDeps) {
  const app = router();
  app.use('/keys', requireRole('admin'));
  app.use('/keys/*', requireRole('admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/keys',
      tags: ['keys'],
      summary: 'List the workspace’s API keys (without secrets)',
      ...role('admin'),
      responses: { 200: json(z.object({ keys: z.array(KeySchema) }), 'Keys, newest first'), ...errors(403) },
    }),
    async (c) => c.json({ keys: (await deps.store.listApiKeys(c.get('caller').workspaceId)).map(showKey) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/keys',
      tags: ['keys'],
      summary: 'Issue an API key; the response is the only time the key is shown',
      ...role('admin'),
      request: { body: { required: true, content: { 'application/json': { schema: CreateKey } } } },
      responses: { 201: json(KeySchema.extend({ key: z.string() }).openapi('NewApiKey'), 'The new key'), ...errors(403) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const caller = c.get('caller');
      const users = (await deps.store.listPrincipals(caller.workspaceId)).filter((p) => p.kind === 'user');
      if (!users.some((u) => u.id === body.subject)) {
        throw new StrataError('server', 'invalid-input', `invalid body: subject: "${body.subject}" is not a user of the workspace directory`, {
          hint: 'add the user first: PUT /v1/directory/users/{id}',
        });
      }
      const material = generateApiKey();
      const key = await deps.store.createApiKey({ workspaceId: caller.workspaceId, ...body, hash: material.hash, prefix: material.prefix, createdBy: caller.subject });
      await deps.audit.record([auditEntry(c, 'key.create', [`key:${key.id}`], { role: key.role, subject: key.subject, name: key.name })]);
      return c.json({ ...showKey(key), key: material.key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/keys/{keyId}',
      tags: ['keys'],
      summary: 'Revoke an API key (effective on the next request)',
      ...role('admin'),
      request: { params: z.object({ keyId: z.string().min(1).max(64).openapi({ param: { name: 'keyId', in: 'path' } }) }) },
      responses: { 200: json(z.object({ revoked: z.string() }), 'Revoked'), ...errors(403, 404) },
    }),
    async (c) => {
      const { keyId } = c.req.valid('param');
      if (!(await deps.store.revokeApiKey(c.get('caller').workspaceId, keyId))) {
        throw new StrataError('server', 'not-found', `no active API key "${keyId}" in this workspace`);
      }
      await deps.audit.record([auditEntry(c, 'key.revoke', [`key:${keyId}`])]);
      return c.json({ revoked: keyId }, 200);
    },
  );
  return app;
}
