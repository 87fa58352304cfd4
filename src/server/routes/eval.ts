// /v1/eval (admin): evaluation datasets (list, import, capture, generate, show) and experiment runs (start in the
// background, list with live progress, show, report as JSON or self-contained HTML). Admin only: an evaluation
// searches collections as the operator (every document), so it is not for readers. Server paths (BEIR folders,
// question files, corpora) must lie inside `server.sourceRoots`, as folder sources do.
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { StrataError, describeError } from '../../core/errors.js';
import { validateQuestions, type EvalQuestion } from '../../eval/dataset.js';
import { collectionSourceIds } from '../../eval/import.js';
import { createEvalService } from '../../eval/service.js';
import { parseSpec } from '../../eval/spec.js';
import { auditEntry } from '../audit-log.js';
import { errors, json, NAME_RULE, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { CLASSIFICATIONS } from '../../core/types.js';

const Name = z.string().regex(NAME_RULE, 'names are 1–64 letters, digits, "_", "." or "-"');
const Classification = z.enum(CLASSIFICATIONS);
const Warning = z.object({ code: z.string(), count: z.number().int(), message: z.string(), examples: z.array(z.string()) }).openapi('EvalWarning');
const Manifest = z.record(z.string(), z.unknown()).openapi('EvalDatasetManifest', { description: 'name, source, corpus or collection, classification, counts, warnings' });
const Question = z
  .object({
    id: z.string().min(1).max(200).optional(),
    question: z.string().max(10_000),
    reference: z.string().max(20_000).optional(),
    relevant: z.union([z.array(z.string().min(1)), z.record(z.string(), z.number())]).optional(),
  })
  .strict();

const ImportInput = z
  .object({
    name: Name,
    /** A BEIR folder or .jsonl/.csv file on the server (inside server.sourceRoots)… */
    path: z.string().min(1).max(4096).optional(),
    /** …or the questions inline (evaluated against `collection`). */
    questions: z.array(Question).max(100_000).optional(),
    corpus: z.string().min(1).max(4096).optional(),
    collection: Name.optional(),
    classification: Classification.optional(),
    split: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('test'),
    strict: z.boolean().default(false),
    overwrite: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.path === undefined) !== (b.questions === undefined), { message: 'give either path or questions' })
  .refine((b) => b.questions === undefined || b.collection !== undefined, { message: 'inline questions are evaluated against a collection: give collection' })
  .openapi('EvalDatasetImport');

const RunInput = z
  .object({
    /** The experiment spec, as YAML text or as an object of the same shape. */
    spec: z.union([z.string().min(1).max(100_000), z.record(z.string(), z.unknown())]),
    fresh: z.boolean().default(false),
  })
  .strict()
  .openapi('EvalRunStart');

const Run = z.record(z.string(), z.unknown()).openapi('EvalRun', { description: 'run manifest: id, spec, dataset, configurations with status, status, progress while running' });
const IdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/).openapi({ param: { name: 'id', in: 'path' } }) });
const NameParam = z.object({ name: Name.openapi({ param: { name: 'name', in: 'path' } }) });

/** Paths inside server.sourceRoots only (resolved through symlinks). */
async function allowedPath(input: string, roots: string[]): Promise<string> {
  if (roots.length === 0) throw new StrataError('server', 'forbidden', 'server paths are disabled on this server', { hint: 'an operator can allow folders with server.sourceRoots' });
  const real = await realpath(resolve(input)).catch(() => {
    throw new StrataError('server', 'not-found', `${input} not found on the server`);
  });
  for (const root of roots) {
    const r = await realpath(resolve(root)).catch(() => null);
    if (r && (real === r || real.startsWith(r + sep))) return real;
  }
  throw new StrataError('server', 'forbidden', `${input} is outside server.sourceRoots`, { hint: 'put the dataset inside one of the configured source roots' });
}

export function evalRoutes(deps: RouteDeps) {
  const app = router();
  const running = new Map<string, { done: number; total: number; configuration: string; error?: string }>();
  const service = (workspaceId: string) => createEvalService({ config: deps.config, store: deps.store, workspaceId, gateway: deps.gateway });

  app.openapi(
    createRoute({ method: 'get', path: '/eval/datasets', tags: ['eval'], summary: 'List evaluation datasets', ...requires('admin'), responses: { 200: json(z.object({ datasets: z.array(Manifest) }), 'Datasets'), ...errors(403) } }),
    async (c) => c.json({ datasets: service(c.get('caller').workspaceId).datasets.list() as unknown as Record<string, unknown>[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/eval/datasets',
      tags: ['eval'],
      summary: 'Import a dataset (a server path inside sourceRoots, or inline questions); warnings are counted, `strict` refuses them',
      ...requires('admin'),
      request: { body: { required: true, content: { 'application/json': { schema: ImportInput } } } },
      responses: { 201: json(z.object({ dataset: Manifest, warnings: z.array(Warning) }), 'Imported'), ...errors(403, 404, 409) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const svc = service(caller.workspaceId);
      let result;
      if (b.questions) {
        const { ids, classification } = await collectionSourceIds(deps.store, caller.workspaceId, b.collection!);
        const raw: EvalQuestion[] = b.questions.map((q, i) => ({
          id: q.id ?? `q${i + 1}`,
          question: q.question,
          ...(q.reference ? { reference: q.reference } : {}),
          ...(q.relevant ? { relevant: Array.isArray(q.relevant) ? Object.fromEntries(q.relevant.map((id) => [id, 1])) : q.relevant } : {}),
        }));
        const checked = validateQuestions(raw, { knownIds: ids, strict: b.strict });
        const manifest = svc.datasets.save({ name: b.name, source: { kind: 'jsonl' }, collection: b.collection, classification: b.classification ?? classification, warnings: checked.warnings }, checked.questions, { overwrite: b.overwrite });
        result = { manifest, warnings: checked.warnings };
      } else {
        const roots = deps.config.server.sourceRoots;
        const from = await allowedPath(b.path!, roots);
        const corpus = b.corpus ? await allowedPath(b.corpus, roots) : undefined;
        result = await svc.importDataset({ name: b.name, from, corpus, collection: b.collection, classification: b.classification, split: b.split, strict: b.strict, overwrite: b.overwrite });
      }
      await deps.audit.record([auditEntry(c, 'eval.dataset.import', [`dataset:${b.name}`], { questions: result.manifest.questions })]);
      return c.json({ dataset: result.manifest as unknown as Record<string, unknown>, warnings: result.warnings }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/eval/datasets/capture',
      tags: ['eval'],
      summary: 'Make a dataset from rated production searches (feedback joined with search audit entries)',
      ...requires('admin'),
      request: { body: { required: true, content: { 'application/json': { schema: z.object({ name: Name, collection: Name.optional(), since: z.iso.datetime().optional(), strict: z.boolean().default(false), overwrite: z.boolean().default(false) }).strict() } } } },
      responses: { 201: json(z.object({ dataset: Manifest, warnings: z.array(Warning) }), 'Captured'), ...errors(403, 404, 409) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const res = await service(c.get('caller').workspaceId).captureDataset(b);
      await deps.audit.record([auditEntry(c, 'eval.dataset.capture', [`dataset:${b.name}`], { questions: res.manifest.questions })]);
      return c.json({ dataset: res.manifest as unknown as Record<string, unknown>, warnings: res.warnings }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/eval/datasets/generate',
      tags: ['eval'],
      summary: 'Generate synthetic question/answer pairs from a collection with a model (through the gateway)',
      ...requires('admin'),
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ name: Name, collection: Name, model: z.string().min(1).max(128), count: z.number().int().min(1).max(10_000).default(50), perDocument: z.number().int().min(1).max(20).default(1), seed: z.number().int().default(42), strict: z.boolean().default(false), overwrite: z.boolean().default(false) }).strict() } },
        },
      },
      responses: { 201: json(z.object({ dataset: Manifest, warnings: z.array(Warning), costUsd: z.number() }), 'Generated'), ...errors(403, 404, 409, 503) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const res = await service(c.get('caller').workspaceId).generateDataset(b);
      await deps.audit.record([auditEntry(c, 'eval.dataset.generate', [`dataset:${b.name}`, `collection:${b.collection}`], { model: b.model, questions: res.manifest.questions, costUsd: res.costUsd })]);
      return c.json({ dataset: res.manifest as unknown as Record<string, unknown>, warnings: res.warnings, costUsd: res.costUsd }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/eval/datasets/{name}',
      tags: ['eval'],
      summary: 'A dataset’s manifest and questions',
      ...requires('admin'),
      request: { params: NameParam, query: z.object({ limit: z.coerce.number().int().min(0).max(100_000).default(100).openapi({ param: { name: 'limit', in: 'query' } }) }) },
      responses: { 200: json(z.object({ dataset: Manifest, questions: z.array(z.record(z.string(), z.unknown())) }), 'Dataset'), ...errors(403, 404) },
    }),
    async (c) => {
      const { manifest, questions } = service(c.get('caller').workspaceId).datasets.get(c.req.valid('param').name);
      return c.json({ dataset: manifest as unknown as Record<string, unknown>, questions: questions.slice(0, c.req.valid('query').limit) as unknown as Record<string, unknown>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/eval/runs',
      tags: ['eval'],
      summary: 'Start (or continue) an experiment run in the background; poll GET /eval/runs/{id}',
      ...requires('admin'),
      request: { body: { required: true, content: { 'application/json': { schema: RunInput } } } },
      responses: { 202: json(z.object({ id: z.string(), status: z.literal('running') }), 'Started'), ...errors(403, 404, 409) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const spec = typeof b.spec === 'string' ? parseSpec(b.spec, 'the request') : parseSpec(JSON.stringify(b.spec), 'the request');
      const svc = service(c.get('caller').workspaceId);
      const id = svc.runIdOf(spec, b.fresh);
      if (running.has(id) && !running.get(id)!.error) throw new StrataError('eval', 'conflict', `run ${id} is already running`, { hint: 'poll GET /v1/eval/runs/{id}' });
      running.set(id, { done: 0, total: 0, configuration: '' });
      await deps.audit.record([auditEntry(c, 'eval.run.start', [`run:${id}`, `dataset:${spec.dataset}`], { spec: spec.name })]);
      svc
        .run({ spec, runId: id, onProgress: (p) => running.set(id, { done: p.done, total: p.total, configuration: p.configuration.label }) })
        .then(() => running.delete(id))
        .catch((err) => {
          running.set(id, { ...(running.get(id) ?? { done: 0, total: 0, configuration: '' }), error: describeError(err) });
          deps.log('warn', 'eval run failed', { run: id, error: describeError(err) });
        });
      return c.json({ id, status: 'running' as const }, 202);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/eval/runs', tags: ['eval'], summary: 'List runs, newest first', ...requires('admin'), responses: { 200: json(z.object({ runs: z.array(Run) }), 'Runs'), ...errors(403) } }),
    async (c) => {
      const runs = service(c.get('caller').workspaceId).runs.list();
      return c.json({ runs: runs.map(({ spec, configurations, ...r }) => ({ ...r, spec: spec.name, configurations: configurations.length, ...(running.has(r.id) ? { progress: running.get(r.id) } : {}) })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/eval/runs/{id}',
      tags: ['eval'],
      summary: 'A run: its manifest, live progress while running (or the error that stopped it), the report once complete',
      ...requires('admin'),
      request: { params: IdParam },
      responses: { 200: json(Run, 'Run'), ...errors(403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const svc = service(c.get('caller').workspaceId);
      const live = running.get(id);
      if (live && !svc.runs.exists(id)) return c.json({ id, status: 'running', progress: live }, 200);
      const manifest = svc.runs.read(id);
      const report = manifest.status === 'complete' && !live ? svc.report(id) : undefined;
      return c.json({ ...manifest, ...(live ? { progress: live } : {}), ...(report ? { report } : {}) } as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/eval/runs/{id}/report',
      tags: ['eval'],
      summary: 'A complete run’s report: JSON (usable as a CI baseline) or, with format=html, a self-contained HTML page',
      ...requires('admin'),
      request: { params: IdParam, query: z.object({ format: z.enum(['json', 'html']).default('json').openapi({ param: { name: 'format', in: 'query' } }) }) },
      responses: { 200: { description: 'The report', content: { 'application/json': { schema: Run }, 'text/html': { schema: z.string() } } }, ...errors(403, 404) },
    }),
    async (c) => {
      const svc = service(c.get('caller').workspaceId);
      const id = c.req.valid('param').id;
      if (c.req.valid('query').format === 'html') return c.html(svc.html(id), 200);
      return c.json(svc.report(id) as unknown as Record<string, unknown>, 200);
    },
  );
  return app;
}
