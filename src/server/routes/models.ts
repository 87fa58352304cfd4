// /v1/registry: the model registry and gateway aliases. Readers list the models (what each costs, where it runs,
// which data it may receive) and alias names; admins also see each model's provider connection (never its
// API key), circuit state, alias routing, and the gateway's usage records.
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError } from '../../core/errors.js';
import type { RegistryEntry } from '../../gateway/types.js';
import { errors, json, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { CLASSIFICATIONS } from '../../core/types.js';

const Entry = z
  .object({
    id: z.string(),
    provider: z.string(),
    model: z.string(),
    contextWindow: z.number(),
    maxOutputTokens: z.number().nullable(),
    pricing: z.object({ input: z.number(), output: z.number(), cachedInput: z.number().optional() }).openapi({ description: 'USD per million tokens' }),
    deployment: z.enum(['hosted', 'self-hosted']),
    licence: z.string().nullable(),
    capabilities: z.array(z.string()),
    clearedFor: z.array(z.enum(CLASSIFICATIONS)),
    stage: z.enum(['exploration', 'staging', 'production']),
  })
  .openapi('RegistryModel');

const Connection = z.object({ kind: z.string(), baseUrl: z.string().nullable(), deployment: z.string().nullable(), timeoutMs: z.number(), maxRetries: z.number() }).nullable();
const ModelParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } }) });

export function modelsRoutes(deps: RouteDeps) {
  const app = router();
  const isAdmin = (role: string) => role === 'admin';
  const connection = (e: RegistryEntry) => {
    const p = Object.hasOwn(deps.config.providers, e.provider) ? deps.config.providers[e.provider]! : null;
    return p ? { kind: p.kind, baseUrl: p.baseUrl ?? null, deployment: p.deployment ?? null, timeoutMs: p.timeoutMs, maxRetries: p.maxRetries } : null;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/registry/models',
      tags: ['registry'],
      summary: 'List the registry’s models',
      ...requires('reader'),
      responses: { 200: json(z.object({ models: z.array(Entry) }), 'Models, by id'), ...errors() },
    }),
    (c) => c.json({ models: [...deps.gateway.registry()].sort((a, b) => a.id.localeCompare(b.id)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/registry/models/{id}',
      tags: ['registry'],
      summary: 'One model; admins also see its provider connection (without secrets) and circuit state',
      ...requires('reader'),
      request: { params: ModelParam },
      responses: { 200: json(Entry.extend({ connection: Connection.optional() }), 'The model'), ...errors(404) },
    }),
    (c) => {
      const { id } = c.req.valid('param');
      const e = deps.gateway.registry().find((m) => m.id === id);
      if (!e) throw new StrataError('server', 'not-found', `model "${id}" is not in the registry`, { hint: 'GET /v1/registry/models lists them' });
      return c.json(isAdmin(c.get('caller').role) ? { ...e, connection: connection(e) } : e, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/registry/aliases',
      tags: ['registry'],
      summary: 'Gateway aliases; admins also see targets, weights, fallback chains, retries, timeouts and cache use',
      ...requires('reader'),
      responses: { 200: json(z.object({ aliases: z.array(z.object({ name: z.string() }).loose()) }), 'Aliases'), ...errors() },
    }),
    (c) => {
      const admin = isAdmin(c.get('caller').role);
      const aliases = deps.gateway.aliases().map((name) => {
        const a = deps.config.gateway.aliases[name]!;
        return admin ? { name, ...a, cache: a.cache ?? deps.config.gateway.cache.enabled } : { name };
      });
      return c.json({ aliases }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/registry/usage',
      tags: ['registry'],
      summary: 'Gateway usage and cost records of the workspace, newest first',
      ...requires('admin'),
      request: {
        query: z.object({
          keyId: z.string().min(1).max(64).optional().openapi({ param: { name: 'keyId', in: 'query' } }),
          since: z.iso.datetime().optional().openapi({ param: { name: 'since', in: 'query' } }),
          limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ param: { name: 'limit', in: 'query' } }),
        }),
      },
      responses: { 200: json(z.object({ usage: z.array(z.record(z.string(), z.unknown())), totalCostUsd: z.number() }), 'Usage records'), ...errors(403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      await deps.gateway.flush();
      const usage = await deps.store.listUsage({ workspaceId: c.get('caller').workspaceId, ...q });
      return c.json({ usage: usage.map((u) => ({ ...u })), totalCostUsd: usage.reduce((n, u) => n + u.costUsd, 0) }, 200);
    },
  );
  return app;
}
