// POST /v1/collections/{collection}/documents (editor): one document, as a multipart file or as JSON text, with
// metadata, readers and classification. Goes through ingest/upload.ts: the same parse → chunk → analyze path
// as a folder sync. The same source id again replaces the document (or changes nothing when identical).
import { createRoute, z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { StrataError } from '../../core/errors.js';
import { defaultUploadSourceId, ingestUpload, type UploadedDocument } from '../../ingest/upload.js';
import { catchUpAfterIngest } from '../../search/semantic.js';
import { indexTextWith } from '../../search/service.js';
import { auditEntry } from '../audit-log.js';
import { CollectionParam, errors, json, requires, router } from '../openapi.js';
import type { RouteDeps } from '../types.js';
import { DocumentSchema, Readers } from './documents.js';
import { collectionOf, publicDocument } from './shared.js';
import { CLASSIFICATIONS } from '../../core/types.js';

const Classification = z.enum(CLASSIFICATIONS);
// No folders and no control characters (checked by code point: a regex with control characters trips the linter).
const printable = (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f');
const Filename = z.string().min(1).max(255).refine((s) => printable(s) && !/[/\\]/.test(s), 'a file name, without folders or control characters');
const SourceId = z.string().min(1).max(512).refine(printable, 'no control characters');
const Metadata = z
  .record(z.string().min(1).max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null(), z.array(z.string().max(200)).max(50)]))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata fields');

const UploadJson = z
  .object({
    text: z.string().min(1),
    filename: Filename.default('document.txt').openapi({ description: 'Its extension picks the parser (.txt, .md, .html, .csv, .json…)' }),
    sourceId: SourceId.optional().openapi({ description: 'Stable id; the same id again replaces the document. Default `upload/<filename>`' }),
    metadata: Metadata.optional(),
    readers: Readers.nullable().optional().openapi({ description: 'Who may read it; omitted or null: everyone in the workspace' }),
    classification: Classification.optional(),
  })
  .strict()
  .openapi('UploadText');

const UploadForm = z
  .object({
    file: z.instanceof(File).openapi({ type: 'string', format: 'binary' }),
    sourceId: SourceId.optional(),
    metadata: z.string().max(100_000).optional().openapi({ description: 'A JSON object' }),
    readers: z.string().max(100_000).optional().openapi({ description: 'Comma-separated principals, e.g. `group:finance,user:ana`' }),
    classification: Classification.optional(),
  })
  .openapi('UploadFile');

const UploadResult = z
  .object({ document: DocumentSchema, outcome: z.enum(['inserted', 'replaced', 'unchanged']), chunks: z.number().int(), warnings: z.array(z.string()) })
  .openapi('UploadResult');

export function uploadRoutes(deps: RouteDeps) {
  const app = router();
  const max = deps.config.server.maxUploadBytes;
  const tooLarge = () => new HTTPException(413, { message: `the document is larger than server.maxUploadBytes (${max} bytes)` });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/collections/{collection}/documents',
      tags: ['documents'],
      summary: 'Upload one document (multipart file or JSON text)',
      ...requires('editor'),
      request: {
        params: CollectionParam,
        body: {
          required: false,
          content: { 'application/json': { schema: UploadJson }, 'multipart/form-data': { schema: UploadForm } },
        },
      },
      responses: { 201: json(UploadResult, 'Stored as a new document'), 200: json(UploadResult, 'Replaced, or unchanged'), ...errors(403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const col = await collectionOf(deps, c, c.req.valid('param').collection);
      let doc: UploadedDocument;
      if ((c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
        // Both media types share one route, so each validated part is typed as either schema: narrow by content type.
        const form = c.req.valid('form') as z.infer<typeof UploadForm>;
        if (!form.file) throw new StrataError('server', 'invalid-input', 'invalid body: file: a file part is required');
        if (form.file.size > max) throw tooLarge();
        doc = {
          filename: Filename.parse(form.file.name || 'upload.bin'),
          bytes: new Uint8Array(await form.file.arrayBuffer()),
          sourceId: form.sourceId,
          metadata: form.metadata === undefined ? undefined : parseField('metadata', form.metadata, Metadata),
          accessPolicy: form.readers === undefined ? undefined : { readers: parseField('readers', splitList(form.readers), Readers) },
          classification: form.classification,
        };
      } else {
        const body = c.req.valid('json') as z.infer<typeof UploadJson>;
        if (!body.text) throw new StrataError('server', 'invalid-input', 'invalid body: text: send JSON { "text": … } or a multipart file');
        const bytes = new TextEncoder().encode(body.text);
        if (bytes.byteLength > max) throw tooLarge();
        doc = {
          filename: body.filename,
          bytes,
          sourceId: body.sourceId,
          metadata: body.metadata,
          // Omitted: the file's own policy (Markdown front matter) if any, else everyone; null: everyone.
          accessPolicy: body.readers === undefined ? undefined : body.readers === null ? null : { readers: body.readers },
          classification: body.classification,
        };
      }
      // Replacing a document needs the right to read it: an editor cannot overwrite what is hidden from them.
      const sourceId = doc.sourceId ?? defaultUploadSourceId(doc.filename);
      const existing = await deps.store.getDocument(col.id, sourceId);
      if (existing && existing.sourceId === sourceId && !(await deps.searcher.getDocumentFor(c.get('caller'), col, sourceId))) {
        throw new StrataError('server', 'conflict', `source id "${sourceId}" is taken in collection "${col.name}"`, { hint: 'upload with another sourceId' });
      }
      const res = await ingestUpload({
        store: deps.store,
        collection: col,
        ingest: deps.config.ingest,
        indexText: indexTextWith(col.settings.analyzer.name),
        document: { ...doc, sourceId },
        audit: [
          auditEntry(c, 'document.upload', [`collection:${col.id}`], {
            collection: col.name,
            sourceId,
            filename: doc.filename,
            bytes: doc.bytes.byteLength,
            readers: doc.accessPolicy?.readers ?? null,
          }),
        ],
      });
      // Its chunks get vectors for the collection's active index version before the answer (search/semantic.ts).
      await catchUpAfterIngest(deps.store, deps.config, col);
      return c.json({ ...res, document: publicDocument(res.document) }, res.outcome === 'inserted' ? 201 : 200);
    },
  );
  return app;
}

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function parseField<T>(name: string, raw: unknown, schema: z.ZodType<T>): T {
  let value = raw;
  if (typeof raw === 'string' && name === 'metadata') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new StrataError('server', 'invalid-input', `invalid body: ${name}: must be a JSON object`);
    }
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new StrataError('server', 'invalid-input', `invalid body: ${name}: ${r.error.issues.map((i) => `${[name, ...i.path].join('.')}: ${i.message}`).join('; ')}`);
}
