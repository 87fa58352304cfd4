// OpenAPI 3.1 plumbing shared by the route files: the error schema and responses every route can return, the
// bearer security scheme and the document's header. The paths themselves come from the same zod schemas that
// validate requests (each route file's `createRoute`), so the document cannot drift from the code.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { requireRole } from './middleware/auth.js';
import { validationHook } from './middleware/errors.js';
import type { AppEnv } from './types.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid-input' }),
      message: z.string(),
      hint: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the message names each bad field',
  401: 'Missing, invalid, expired or revoked credential',
  403: 'The credential’s role does not allow this',
  404: 'Not found in the caller’s workspace (or not readable by the caller)',
  409: 'Conflicts with the current state',
  413: 'Body larger than server.maxUploadBytes',
  415: 'Unsupported media type',
  429: 'Rate limited: see Retry-After',
  503: 'A dependency is unavailable',
};

/** Error responses for a route: the common ones (400, 401, 429) plus the statuses given. */
export function errors(...statuses: number[]) {
  const all = [...new Set([400, 401, 429, ...statuses])].sort();
  return Object.fromEntries(all.map((s) => [s, { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]));
}

export const json = <T extends ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** `x-required-role` plus a sentence in the description: the reference page shows who may call what. */
export const role = (r: 'reader' | 'editor' | 'admin') => ({ 'x-required-role': r });
/** Documents the required role and enforces it, from one value, so the reference page cannot drift from the check. */
export const requires = (r: 'reader' | 'editor' | 'admin') => ({ ...role(r), middleware: requireRole(r) });

/** A router for one resource; validation failures become `invalid-input` errors (see middleware/errors.ts). */
export const router = () => new OpenAPIHono<AppEnv>({ defaultHook: (result) => validationHook(result) });

export const NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const CollectionParam = z.object({
  collection: z
    .string()
    .regex(NAME_RULE, 'collection names are 1–64 letters, digits, "_", "." or "-"')
    .openapi({ param: { name: 'collection', in: 'path' }, example: 'handbook' }),
});

export const Pagination = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).openapi({ param: { name: 'offset', in: 'query' } }),
});

export function documentInfo(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Strata API',
      version,
      description:
        'Permission-aware retrieval over your documents. Authenticate with `Authorization: Bearer <API key or OIDC token>`. ' +
        'Every route acts in the workspace of the credential; `/v1/workspaces/{workspace}/…` is an alias of `/v1/…` that ' +
        'answers 404 for any other workspace. Roles: reader (search, read), editor (+ upload, delete, ingest), admin ' +
        '(+ keys, directory, collections, sources, audit). Errors are `{ "error": { "code", "message" } }`; every response ' +
        'carries `x-request-id` (send your own to join logs and audit entries).',
    },
    security: [{ bearerAuth: [] }],
  };
}

export function registerSecurity(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`strata_…`) or, when OIDC is configured, a JWT from the identity provider',
  });
}
