// The OpenAI-compatible endpoints: POST /v1/chat/completions (streaming included), POST /v1/embeddings and
// GET /v1/models, so the official OpenAI clients work against Strata unchanged (base URL `<server>/v1`, a Strata
// API key as the API key). `model` is a gateway alias or registry id. Errors keep OpenAI's shape
// (`{ error: { message, type, param, code } }`) instead of the API's usual one: `openAiErrorHandler` below, which the
// app installs for `isOpenAiPath` requests. Headers: `x-strata-classification` declares the data's classification (default public);
// `x-strata-cache: true|false` forces or disables the response cache.
// The two POST endpoints are served on node:http directly (../openai-direct.ts: they are the gateway's hot path);
// this file describes them in the OpenAPI document and serves the model listings.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { StrataError } from '../../core/errors.js';
import { ChatCompletionBody, EmbeddingsBody, openAiError, openAiErrorHeaders } from '../../gateway/openai-wire.js';
import { json, requires, role, router } from '../openapi.js';
import type { AppEnv, RouteDeps } from '../types.js';

const OpenAiErrorSchema = z.object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }) }).openapi('OpenAIError');
const openAiErrors = Object.fromEntries(
  [400, 401, 403, 404, 413, 415, 429, 502, 503, 504].map((s) => [s, { description: 'OpenAI-shaped error', content: { 'application/json': { schema: OpenAiErrorSchema } } }]),
);

/** Paths answered by these routes (also under the `/v1/workspaces/{workspace}` alias): their errors keep OpenAI's shape. */
export const isOpenAiPath = (path: string): boolean => /^\/v1\/(?:workspaces\/[^/]+\/)?(?:chat\/completions|embeddings|models)(?:\/|$)/.test(path);

/**
 * The error handler for `isOpenAiPath` requests, installed by the app beside its own (app.ts) rather than on this
 * router: a router's own onError makes Hono wrap every handler of the route in another compose per request.
 * It also covers what fails before the route (authentication, rate limits, body limits).
 */
export function openAiErrorHandler(deps: Pick<RouteDeps, 'log'>): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (!(err instanceof HTTPException)) return openAiErrorResponse(c, err, deps);
    const e = openAiError(new StrataError('server', 'invalid-input', err.message || 'malformed request body'));
    return c.json(e.body, err.status);
  };
}

export function gatewayRoutes(deps: RouteDeps) {
  const app = router();

  // Described here, served by openai-direct.ts (registerPath documents a route without serving it).
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/chat/completions',
      tags: ['gateway'],
      summary: 'OpenAI-compatible chat completion (set stream: true for server-sent chunks ending with [DONE])',
      ...role('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: ChatCompletionBody } } } },
      responses: {
        200: {
          description: 'A chat.completion object, or text/event-stream of chat.completion.chunk objects',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) }, 'text/event-stream': { schema: z.string() } },
        },
        ...openAiErrors,
      },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/embeddings',
      tags: ['gateway'],
      summary: 'OpenAI-compatible embeddings (float or base64 encoding)',
      ...role('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: EmbeddingsBody } } } },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'An embeddings list'), ...openAiErrors },
    }),
  );

  const modelJson = (id: string, ownedBy: string) => ({ id, object: 'model' as const, created: 0, owned_by: ownedBy });
  const listModels = () => [...deps.gateway.aliases().map((a) => modelJson(a, 'strata')), ...deps.gateway.registry().map((e) => modelJson(e.id, e.provider))];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/models',
      tags: ['gateway'],
      summary: 'OpenAI-compatible list of the aliases and registry models callable through the gateway',
      ...requires('reader'),
      responses: { 200: json(z.object({ object: z.literal('list'), data: z.array(z.record(z.string(), z.unknown())) }), 'Models'), ...openAiErrors },
    }),
    (c) => c.json({ object: 'list' as const, data: listModels() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/models/{model}',
      tags: ['gateway'],
      summary: 'OpenAI-compatible retrieval of one alias or registry model',
      ...requires('reader'),
      request: { params: z.object({ model: z.string().min(1).max(128).openapi({ param: { name: 'model', in: 'path' } }) }) },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'The model'), ...openAiErrors },
    }),
    (c) => {
      const { model } = c.req.valid('param');
      const found = listModels().find((m) => m.id === model);
      if (!found) throw new StrataError('gateway', 'not-found', `unknown model "${model}"`, { details: { kind: 'model-not-found' } });
      return c.json(found, 200);
    },
  );
  return app;
}

function openAiErrorResponse(c: Context<AppEnv>, err: unknown, deps: Pick<RouteDeps, 'log'>): Response {
  const e = openAiError(err);
  if (e.status >= 500) deps.log('error', 'gateway request failed', { requestId: c.get('requestId'), path: c.req.path, status: e.status, error: String(err) });
  for (const [k, v] of Object.entries(openAiErrorHeaders(e))) c.header(k, v);
  return c.json(e.body, e.status as ContentfulStatusCode);
}
