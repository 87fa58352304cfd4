// POST /v1/answer (reader): a cited answer from one collection, built only from what the caller may read.
// JSON by default; server-sent events with `stream: true` or `Accept: text/event-stream`: `retrieval`, `route`,
// `token`, `citation`, then `done` with the full answer (or `error`). A client that disconnects aborts the
// upstream model call. Each answer is audited like a search (the documents used as sources) before anything
// is sent back.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { StrataError } from '../../core/errors.js';
import { answer, streamAnswer, type AnswerDeps } from '../../answer/service.js';
import type { AnswerRequest, AnswerSource } from '../../answer/types.js';
import type { Gateway } from '../../gateway/types.js';
import { auditEntry } from '../audit-log.js';
import { errorResponse } from '../middleware/errors.js';
import { errors, NAME_RULE, requires, router } from '../openapi.js';
import type { AppEnv, RouteDeps } from '../types.js';
import { collectionOf } from './shared.js';
import { CLASSIFICATIONS } from '../../core/types.js';

const Location = z.record(z.string(), z.unknown()).openapi({ description: 'headings (outermost first), pageStart/pageEnd, sheet' });
const SourceRef = z.object({
  marker: z.number().int(),
  chunkId: z.string(),
  documentId: z.string(),
  sourceId: z.string(),
  title: z.string().optional(),
  path: z.string().optional(),
  location: Location,
});
const Source = SourceRef.extend({ score: z.number(), rank: z.number().int(), truncated: z.boolean() }).openapi('AnswerSource');
const Citation = SourceRef.extend({
  quote: z.string().openapi({ description: 'verbatim span of the chunk that best supports the sentences citing it' }),
  support: z.number(),
}).openapi('Citation');
const Sentence = z
  .object({
    text: z.string(),
    citations: z.array(z.number().int()),
    supported: z.boolean(),
    reason: z.enum(['supported', 'weak-support', 'no-citation', 'no-claim']),
    evidence: z.array(z.object({ marker: z.number().int(), quote: z.string(), support: z.number() })),
  })
  .openapi('AnswerSentence');
const Usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedInputTokens: z.number().optional(), reasoningTokens: z.number().optional() });
const AnswerResponse = z
  .object({
    requestId: z.string(),
    answer: z.string(),
    status: z.enum(['answered', 'not-found']),
    mode: z.enum(['generative', 'extractive']),
    citations: z.array(Citation),
    sentences: z.array(Sentence),
    removedCitations: z.array(z.object({ marker: z.number().int(), sentence: z.number().int() })),
    route: z.record(z.string(), z.unknown()).nullable(),
    usage: Usage,
    costUsd: z.number(),
    classification: z.enum(CLASSIFICATIONS),
    retrieval: z.object({ hits: z.array(Source), packing: z.record(z.string(), z.unknown()).nullable() }),
    tookMs: z.number(),
  })
  .openapi('AnswerResponse');

/** The gateway arrives with the app's dependencies once the gateway is wired in; without it answers are extractive. */
export type AnswerRouteDeps = RouteDeps & { gateway?: Gateway | null };

export function answerRoutes(deps: AnswerRouteDeps) {
  const app = router();
  const AnswerRequestBody = z
    .object({
      collection: z.string().regex(NAME_RULE, 'a collection name'),
      question: z.string().trim().min(1).max(deps.config.server.maxQueryChars),
      model: z.string().min(1).max(200).optional().openapi({ description: 'gateway model alias; omitted → extractive answer (quoted sentences)' }),
      limit: z.number().int().min(1).max(50).default(8).openapi({ description: 'chunks retrieved as candidate sources' }),
      maxContextTokens: z.number().int().min(16).max(10_000_000).optional().openapi({ description: 'cap on the tokens of sources sent to the model' }),
      stream: z.boolean().default(false).openapi({ description: 'server-sent events (also with Accept: text/event-stream)' }),
    })
    .strict()
    .openapi('AnswerRequest');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/answer',
      tags: ['search'],
      summary: 'Answer a question with checked citations',
      description:
        'Retrieves with the caller’s permissions, packs the best chunks into the model’s budget and answers with [n] citations, each checked ' +
        'against the quoted source; unsupported sentences are flagged. When nothing relevant is found the answer says so and no model is called. ' +
        'Streaming: events `retrieval`, `route`, `token`, `citation`, `done` (the full answer) or `error`.',
      ...requires('reader'),
      request: { body: { required: true, content: { 'application/json': { schema: AnswerRequestBody } } } },
      responses: {
        200: {
          description: 'The answer (JSON), or its server-sent events',
          content: {
            'application/json': { schema: AnswerResponse },
            'text/event-stream': { schema: z.string().openapi({ description: 'event: retrieval|route|token|citation|done|error; data: JSON' }) },
          },
        },
        ...errors(403, 404, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const collection = await collectionOf(deps, c, body.collection);
      const controller = new AbortController();
      const answerDeps: AnswerDeps = {
        searcher: deps.searcher,
        store: deps.store,
        gateway: deps.gateway ?? null,
        settings: { defaultModel: deps.config.answer.defaultModel, defaultLimit: deps.config.answer.defaultLimit, maxAnswerTokens: deps.config.answer.maxAnswerTokens },
        keyId: c.get('credential').id,
        traceId: c.get('requestId'),
        signal: controller.signal,
      };
      const req: AnswerRequest = {
        caller: c.get('caller'),
        collection,
        question: body.question,
        model: body.model,
        limit: body.limit,
        maxContextTokens: body.maxContextTokens,
      };
      const audit = (sources: AnswerSource[], details: Record<string, unknown>) =>
        deps.audit.record([
          auditEntry(c, 'answer.query', [...new Set(sources.map((s) => `document:${s.documentId}`))], {
            collection: collection.name,
            question: body.question,
            sources: sources.length,
            ...details,
          }),
        ]);
      const wantsStream = body.stream || (c.req.header('accept') ?? '').includes('text/event-stream');
      if (!wantsStream) {
        const res = await answer(req, answerDeps);
        await audit(res.retrieval.hits, { mode: res.mode, status: res.status, model: res.route?.modelId ?? null });
        return c.json({ requestId: c.get('requestId'), ...res } as z.infer<typeof AnswerResponse>, 200);
      }
      // Retrieval runs before the stream opens: its errors (unknown model, no gateway…) get a proper status,
      // and the sources are audited before the first byte is sent.
      const events = streamAnswer(req, answerDeps);
      const first = await events.next();
      if (first.done || first.value.type !== 'retrieval') throw new StrataError('server', 'internal', 'an answer stream must open with its retrieval');
      await audit(first.value.sources, { mode: first.value.mode, status: first.value.status, model: body.model ?? null, stream: true });
      return streamSSE(c, async (sse) => {
        sse.onAbort(() => controller.abort());
        try {
          await sse.writeSSE({ event: 'retrieval', data: JSON.stringify(first.value) });
          for await (const ev of iterate(events)) {
            if (controller.signal.aborted) break;
            const data = ev.type === 'done' ? { type: 'done', result: { requestId: c.get('requestId'), ...ev.result } } : ev;
            await sse.writeSSE({ event: ev.type, data: JSON.stringify(data) });
          }
        } catch (err) {
          if (controller.signal.aborted) return;
          await sse.writeSSE({ event: 'error', data: JSON.stringify(await errorBody(c, err, deps)) });
        } finally {
          // Ends the generator (and the upstream call) whatever stopped the loop.
          await events.return(undefined).catch(() => undefined);
        }
      });
    },
  );
  return app;
}

/** Iterates the rest of an already started generator without closing it twice. */
async function* iterate<T>(gen: AsyncGenerator<T>): AsyncGenerator<T> {
  for (let r = await gen.next(); !r.done; r = await gen.next()) yield r.value;
}

/** The same error body the JSON routes give (middleware/errors.ts is the one place that builds it). */
async function errorBody(c: Context<AppEnv>, err: unknown, deps: RouteDeps): Promise<unknown> {
  return errorResponse(c, err, deps.log).json();
}
