// The OpenAI-compatible endpoints: POST /v1/chat/completions (streaming included), POST /v1/embeddings and
// GET /v1/models, so the official OpenAI clients work against Strata unchanged (base URL `<server>/v1`, a Strata
// API key as the API key). `model` is a gateway alias or registry id. Errors keep OpenAI's shape
// (`{ error: { message, type, param, code } }`) instead of the API's usual one: `openAiErrorHandler` below, which the
// app installs for `isOpenAiPath` requests. Headers: `x-strata-classification` declares the data's classification (default public);
// `x-strata-cache: true|false` forces or disables the response cache.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { StrataError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Classification } from '../../core/types.js';
import type { GatewayCallContext, GatewayEvent } from '../../gateway/types.js';
import { base64Vector, ChatCompletionBody, chunkJson, completionJson, EmbeddingsBody, openAiError, toChatRequest, toolCallDelta } from '../../gateway/openai-wire.js';
import type { Usage } from '../../models/types.js';
import { json, requires, router } from '../openapi.js';
import type { AppEnv, RouteDeps } from '../types.js';

const CLASSIFICATIONS = new Set(['public', 'internal', 'confidential', 'restricted']);
const OpenAiErrorSchema = z.object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }) }).openapi('OpenAIError');
const openAiErrors = Object.fromEntries(
  [400, 401, 403, 404, 429, 502, 503, 504].map((s) => [s, { description: 'OpenAI-shaped error', content: { 'application/json': { schema: OpenAiErrorSchema } } }]),
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

  app.openapi(
    createRoute({
      method: 'post',
      path: '/chat/completions',
      tags: ['gateway'],
      summary: 'OpenAI-compatible chat completion (set stream: true for server-sent chunks ending with [DONE])',
      ...requires('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: ChatCompletionBody } } } },
      responses: {
        200: {
          description: 'A chat.completion object, or text/event-stream of chat.completion.chunk objects',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) }, 'text/event-stream': { schema: z.string() } },
        },
        ...openAiErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const ctx = callContext(c);
      const req = toChatRequest(body);
      const id = `chatcmpl-${newId('c').replace(/[^A-Za-z0-9]/g, '')}`;
      const created = Math.floor(Date.now() / 1000);
      if (!body.stream) {
        const r = await deps.gateway.complete(body.model, req, ctx);
        c.header('x-strata-model', r.route.modelId);
        c.header('x-strata-cost-usd', String(r.costUsd));
        c.header('x-strata-cache', r.route.cacheHit ? 'hit' : 'miss');
        return c.json(completionJson(id, created, r.route.modelId, r), 200);
      }
      return streamCompletion(c, deps, body, ctx, id, created);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/embeddings',
      tags: ['gateway'],
      summary: 'OpenAI-compatible embeddings (float or base64 encoding)',
      ...requires('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: EmbeddingsBody } } } },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'An embeddings list'), ...openAiErrors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      const r = await deps.gateway.embed(body.model, input, callContext(c));
      const dims = r.vectors[0]?.length ?? 0;
      if (body.dimensions !== undefined && body.dimensions !== dims) {
        throw new StrataError('gateway', 'invalid-input', `${r.modelId} makes ${dims}-dimensional vectors; ${body.dimensions} were asked for`, { details: { kind: 'dimensions' } });
      }
      c.header('x-strata-model', r.modelId);
      c.header('x-strata-cost-usd', String(r.costUsd));
      return c.json(
        {
          object: 'list',
          data: r.vectors.map((v, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Vector(v) : Array.from(v) })),
          model: r.modelId,
          usage: { prompt_tokens: r.usage.inputTokens, total_tokens: r.usage.inputTokens },
        },
        200,
      );
    },
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

function callContext(c: Context<AppEnv>): GatewayCallContext {
  const caller = c.get('caller');
  const declared = c.req.header('x-strata-classification');
  if (declared !== undefined && !CLASSIFICATIONS.has(declared)) {
    throw new StrataError('server', 'invalid-input', `x-strata-classification must be one of public, internal, confidential, restricted; got "${declared}"`);
  }
  const cache = c.req.header('x-strata-cache');
  return {
    workspaceId: caller.workspaceId,
    keyId: c.get('credential').id,
    traceId: c.get('requestId'),
    actor: `user:${caller.subject}`,
    ...(declared ? { classification: declared as Classification } : {}),
    ...(cache === 'true' || cache === 'false' ? { cache: cache === 'true' } : {}),
    signal: c.env?.clientSignal?.() ?? c.req.raw.signal,
  };
}

function openAiErrorResponse(c: Context<AppEnv>, err: unknown, deps: Pick<RouteDeps, 'log'>): Response {
  const e = openAiError(err);
  if (e.status >= 500) deps.log('error', 'gateway request failed', { requestId: c.get('requestId'), path: c.req.path, status: e.status, error: String(err) });
  if (e.retryAfterSeconds !== undefined) c.header('Retry-After', String(Math.ceil(e.retryAfterSeconds)));
  if (e.noRetry) c.header('x-should-retry', 'false');
  return c.json(e.body, e.status as ContentfulStatusCode);
}

/**
 * The stream starts only once the gateway produced its first event, so refusals and upstream failures before
 * any text still get a proper HTTP status. After that, a failure is sent as an OpenAI error event. A client that
 * disconnects cancels the body, which aborts the gateway call (and the upstream request) and records its usage.
 */
async function streamCompletion(c: Context<AppEnv>, deps: RouteDeps, body: ChatCompletionBody, ctx: GatewayCallContext, id: string, created: number): Promise<Response> {
  // The client's signal may outlive this stream (one per connection): a listener, removed when the stream ends,
  // rather than AbortSignal.any, whose composite would stay registered on it.
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  const client = ctx.signal;
  if (client?.aborted) abort.abort();
  else client?.addEventListener('abort', onClientGone, { once: true });
  const release = () => client?.removeEventListener('abort', onClientGone);
  const events = deps.gateway.stream(body.model, toChatRequest(body), { ...ctx, signal: abort.signal })[Symbol.asyncIterator]();
  let first: IteratorResult<GatewayEvent>;
  try {
    first = await events.next();
  } catch (e) {
    release();
    throw e;
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const enc = new TextEncoder();
  let model = body.model;
  let toolIndex = 0;
  let pending: IteratorResult<GatewayEvent> | undefined = first;
  const usageField = includeUsage ? null : undefined;
  const frame = (data: unknown) => enc.encode(`data: ${JSON.stringify(data)}\n\n`);

  const toFrames = (ev: GatewayEvent): Uint8Array[] => {
    switch (ev.type) {
      case 'route':
        model = ev.route.modelId;
        return [frame(chunkJson(id, created, model, { role: 'assistant', content: '' }, null, usageField))];
      case 'text':
        return [frame(chunkJson(id, created, model, { content: ev.text }, null, usageField))];
      case 'tool-call':
        return [frame(chunkJson(id, created, model, toolCallDelta(toolIndex++, ev.call), null, usageField))];
      case 'finish':
        return [frame(chunkJson(id, created, model, {}, ev.finishReason === 'tool_calls' ? 'tool_calls' : ev.finishReason === 'length' ? 'length' : ev.finishReason === 'content_filter' ? 'content_filter' : 'stop', usageField))];
      case 'cost':
        return includeUsage ? [frame(chunkJson(id, created, model, null, null, usageOrZero(ev.usage, lastUsage)))] : [];
      case 'usage':
        lastUsage = ev.usage;
        return [];
    }
  };
  let lastUsage: Usage | undefined;

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // A pull must enqueue something (or close): events without a frame of their own (usage) are skipped over.
        for (;;) {
          const r = pending ?? (await events.next());
          pending = undefined;
          if (r.done) {
            release();
            controller.enqueue(enc.encode('data: [DONE]\n\n'));
            controller.close();
            return;
          }
          const frames = toFrames(r.value);
          for (const f of frames) controller.enqueue(f);
          if (frames.length) return;
        }
      } catch (err) {
        release();
        controller.enqueue(frame(openAiError(err).body));
        controller.close();
      }
    },
    async cancel() {
      release();
      abort.abort();
      await events.return?.(undefined);
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-request-id': c.get('requestId') },
  });
}

/** The usage the client sees: what the provider reported for the answer (the `cost` event sums every attempt). */
const usageOrZero = (consumed: Usage, reported: Usage | undefined): Usage => reported ?? consumed;
