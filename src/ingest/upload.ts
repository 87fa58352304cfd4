// Ingest one uploaded document (bytes plus a file name, metadata and an access policy) through the same
// parse → chunk → analyze → store path as a folder sync, in one transaction with its audit entries.
// Re-uploading with the same source id replaces the document (version + 1) or, when nothing changed, keeps it.
import { extname } from 'node:path';
import { validateAccessPolicy } from '../core/access.js';
import type { StrataConfig } from '../core/config.js';
import { isStrataError, StrataError } from '../core/errors.js';
import { sha256 } from '../core/ids.js';
import type { AccessPolicy, Classification, Collection, Document, DocumentMetadata } from '../core/types.js';
import type { AuditInput } from '../store/audit.js';
import type { DocumentInput, Store } from '../store/types.js';
import { chunkBlocks } from './chunker.js';
import { parserFor, SUPPORTED_EXTENSIONS } from './parsers/index.js';
import { fileTitle } from './parsers/text.js';
import type { IndexTextFn } from './sync.js';
import { loadTokenCounter } from './tokenizer.js';

export interface UploadedDocument {
  /** Name of the uploaded file; its extension picks the parser (`notes.txt`, `report.pdf`). */
  filename: string;
  bytes: Uint8Array;
  /** Stable id of the document in its collection; default `upload/<filename>`. Same id → replaces. */
  sourceId?: string;
  /** Caller metadata; wins over what the parser found (title, author…). */
  metadata?: DocumentMetadata;
  /** Readers; null or absent means everyone in the workspace (unless the file itself carries a policy). */
  accessPolicy?: AccessPolicy | null;
  classification?: Classification | null;
}

export interface UploadOptions {
  store: Store;
  collection: Collection;
  ingest: StrataConfig['ingest'];
  indexText: IndexTextFn;
  document: UploadedDocument;
  /** Audit entries written in the same transaction as the document. */
  audit?: AuditInput[];
}

export interface UploadResult {
  document: Document;
  outcome: 'inserted' | 'replaced' | 'unchanged';
  chunks: number;
  warnings: string[];
}

/** Source path of uploaded documents: never a folder path, so a folder sync never deletes them. */
export const uploadSourcePath = (sourceId: string) => `upload:${sourceId}`;
export const defaultUploadSourceId = (filename: string) => `upload/${filename}`;

export async function ingestUpload(opts: UploadOptions): Promise<UploadResult> {
  const { store, collection, document: up } = opts;
  const invalid = (message: string, hint?: string, cause?: unknown) => new StrataError('ingest:upload', 'invalid-input', message, { hint, cause });
  const ext = extname(up.filename).toLowerCase();
  const parser = parserFor(ext);
  if (!parser) throw invalid(`unsupported file type "${ext || up.filename}"`, `supported: ${SUPPORTED_EXTENSIONS.join(' ')}`);
  if (up.bytes.byteLength === 0) throw invalid(`${up.filename} is empty: nothing to index`);
  if (up.bytes.byteLength > opts.ingest.maxFileBytes) {
    throw invalid(`${up.filename} is larger than ingest.maxFileBytes (${opts.ingest.maxFileBytes} bytes)`);
  }
  validateAccessPolicy(up.accessPolicy ?? null, 'ingest:upload');

  let parsed;
  try {
    parsed = await parser.parse(Buffer.from(up.bytes.buffer, up.bytes.byteOffset, up.bytes.byteLength), {
      path: up.filename,
      mediaType: parser.mediaType,
      ocr: opts.ingest.ocr,
    });
  } catch (e) {
    // The bytes are the caller's: a file that cannot be read is their input error, with the parser's reason.
    if (isStrataError(e) && e.code !== 'parse') throw e;
    throw invalid(`${up.filename} could not be read: ${isStrataError(e) ? e.message.replace(/^\[strata\] /, '') : String(e)}`, undefined, e);
  }
  if (parsed.documents.length !== 1) {
    throw invalid(`${up.filename} holds ${parsed.documents.length} documents; an upload is one document`, 'ingest multi-record files (JSONL, BEIR) through a folder source');
  }
  const pd = parsed.documents[0]!;
  const sourceId = up.sourceId ?? defaultUploadSourceId(up.filename);
  const sourcePath = uploadSourcePath(sourceId);
  const metadata: DocumentMetadata = {
    ...pd.metadata,
    ...(up.metadata ?? {}),
    title: (up.metadata?.title as string | undefined) || (pd.metadata.title as string | undefined) || fileTitle(up.filename),
    path: up.filename,
    mediaType: parser.mediaType,
    size: up.bytes.byteLength,
  };
  const accessPolicy = up.accessPolicy !== undefined ? up.accessPolicy : (pd.accessPolicy ?? null);
  const classification = up.classification ?? pd.classification ?? null;
  // Same content hash as a folder sync: what the index is built from, plus the policy and classification.
  const contentHash = sha256(JSON.stringify([metadata, pd.blocks, accessPolicy, classification]));
  const previous = (await store.documentHashes(collection.id, sourcePath)).get(sourceId);

  let outcome: UploadResult['outcome'] = 'unchanged';
  let chunks = 0;
  if (previous === contentHash) {
    if (opts.audit?.length) await store.write({ collectionId: collection.id, audit: opts.audit });
  } else {
    const counter = await loadTokenCounter(collection.settings.chunking.tokenizer);
    const drafts = chunkBlocks(pd.blocks, collection.settings.chunking, counter);
    const title = metadata.title as string;
    const input: DocumentInput = {
      sourceId,
      sourcePath,
      contentHash,
      metadata,
      accessPolicy,
      classification,
      chunks: drafts.map((d, ordinal) => {
        // As in sync.ts: the title and heading path are analyzed with every chunk, not stored in its text.
        const context = [title, ...(d.location.headings ?? [])].filter((h) => h && !d.text.startsWith(h));
        const { terms, termCount } = opts.indexText(context.length ? `${context.join('\n')}\n${d.text}` : d.text);
        return { ordinal, text: d.text, tokenCount: d.tokenCount, location: d.location, terms, termCount };
      }),
    };
    const res = await store.write({ collectionId: collection.id, upserts: [input], audit: opts.audit });
    outcome = res.inserted > 0 ? 'inserted' : 'replaced';
    chunks = input.chunks.length;
  }
  const document = await store.getDocument(collection.id, sourceId);
  if (!document) throw new StrataError('ingest:upload', 'internal', `document ${sourceId} was written but cannot be read back`);
  if (outcome === 'unchanged') chunks = (await store.getChunks(document.id)).length;
  return { document, outcome, chunks, warnings: parsed.warnings ?? [] };
}
