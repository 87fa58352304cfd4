// The sync pipeline: folder → parse → chunk → analyze → store, incremental and crash-safe.
// Unchanged files are skipped by hash; changed files replace their documents; files gone from the folder
// are removed. A file's state is written in the same transaction as its last documents, so a run killed
// at any point is completed by the next run without duplicates or half-indexed documents.
import { readFile } from 'node:fs/promises';
import { basename, extname, posix, sep } from 'node:path';
import { describeError, isStrataError, StrataError } from '../core/errors.js';
import { sha256 } from '../core/ids.js';
import type { Collection, FileState } from '../core/types.js';
import type { StrataConfig } from '../core/config.js';
import type { AuditInput } from '../store/audit.js';
import type { DocumentInput, Store, WriteBatch } from '../store/types.js';
import { chunkBlocks, type ChunkDraft } from './chunker.js';
import { parseSidecar, readSidecarText, walkFolder, type FileEntry, type Sidecar } from './connectors/filesystem.js';
import { parserFor, SUPPORTED_EXTENSIONS } from './parsers/index.js';
import type { ParsedDocument, Parser } from './parsers/types.js';
import { loadTokenCounter } from './tokenizer.js';

/** Turns chunk text into the encoded terms the lexical index stores (injected by the caller: search owns analysis). */
export type IndexTextFn = (text: string) => { terms: string; termCount: number };

export interface SyncProgress {
  done: number;
  total: number;
  path: string;
}

export interface SyncOptions {
  store: Store;
  collection: Collection;
  /** Absolute path of the folder to sync. */
  root: string;
  ingest: StrataConfig['ingest'];
  indexText: IndexTextFn;
  onProgress?: (p: SyncProgress) => void;
  /** Allow a run that would delete every previously indexed file of this folder (the folder is now empty). */
  allowEmpty?: boolean;
  /** Who runs the sync: every write is then recorded in the audit log in the same transaction as the change. */
  audit?: { workspaceId: string; actor: string; traceId: string };
}

export interface SyncReport {
  jobId: string;
  files: Record<'indexed' | 'unchanged' | 'failed' | 'skipped' | 'deleted', number>;
  documents: { inserted: number; replaced: number; deleted: number; unchanged: number; policyChanged: number };
  /** Per-file outcome of this run (failed and skipped files carry their reason). */
  outcomes: { path: string; status: FileState['status']; reason: string | null }[];
  durationMs: number;
}

type FileStateInput = NonNullable<WriteBatch['fileStates']>[number];
const toPosix = (p: string) => p.split(sep).join(posix.sep);

export async function syncFolder(opts: SyncOptions): Promise<SyncReport> {
  const { store, collection, ingest } = opts;
  const started = Date.now();
  const root = toPosix(opts.root).replace(/\/+$/, '');
  await store.recoverInterruptedJobs();
  const job = await store.startJob({ kind: 'ingest', collectionId: collection.id });
  const counter = await loadTokenCounter(collection.settings.chunking.tokenizer);
  const report: SyncReport = {
    jobId: job.id,
    files: { indexed: 0, unchanged: 0, failed: 0, skipped: 0, deleted: 0 },
    documents: { inserted: 0, replaced: 0, deleted: 0, unchanged: 0, policyChanged: 0 },
    outcomes: [],
    durationMs: 0,
  };
  let batch: WriteBatch = { collectionId: collection.id, upserts: [], deletes: [], fileStates: [], forgetFiles: [] };
  const flush = async () => {
    if (!batch.upserts!.length && !batch.deletes!.length && !batch.fileStates!.length && !batch.forgetFiles!.length) return;
    if (opts.audit && (batch.upserts!.length || batch.deletes!.length)) {
      const touched = [...batch.upserts!.map((u) => u.sourceId), ...batch.deletes!];
      batch.audit = [auditEntry('ingest.write', touched, { upserted: batch.upserts!.length, deleted: batch.deletes!.length })];
    }
    const res = await store.write(batch);
    report.documents.inserted += res.inserted;
    report.documents.replaced += res.replaced;
    report.documents.deleted += res.deleted;
    batch = { collectionId: collection.id, upserts: [], deletes: [], fileStates: [], forgetFiles: [] };
  };
  const auditEntry = (action: string, sourceIds: string[], details: Record<string, unknown>): AuditInput => ({
    workspaceId: opts.audit!.workspaceId,
    actor: opts.audit!.actor,
    action,
    resources: sourceIds.map((id) => `source:${id}`),
    decision: 'allow',
    traceId: opts.audit!.traceId,
    details: { jobId: job.id, collection: collection.name, ...details },
  });
  const record = (state: FileStateInput, relPath: string) => {
    batch.fileStates!.push(state);
    if (state.status !== 'deleted') report.files[state.status as keyof SyncReport['files']]++;
    else report.files.deleted++;
    report.outcomes.push({ path: relPath, status: state.status, reason: state.reason });
  };

  try {
    const items = [];
    for await (const item of walkFolder(opts.root, { exclude: ingest.exclude, followSymlinks: ingest.followSymlinks })) items.push(item);
    const prior = new Map(
      (await store.listFileStates(collection.id)).filter((s) => s.path.startsWith(`${root}/`)).map((s) => [s.path, s]),
    );
    const seen = new Set<string>();
    const fileCount = items.filter((i) => i.kind === 'file').length;
    const previouslyIndexed = [...prior.values()].filter((s) => s.status !== 'deleted' && s.documentCount > 0).length;
    if (fileCount === 0 && previouslyIndexed > 0 && !opts.allowEmpty) {
      throw new StrataError(
        'ingest',
        'invalid-input',
        `the folder ${opts.root} has no files, but ${previouslyIndexed} files were indexed from it before; nothing was deleted`,
        { hint: 'if the folder really is empty now, run again with --allow-empty to remove its documents' },
      );
    }

    let done = 0;
    for (const item of items) {
      const absPath = toPosix(item.kind === 'file' ? item.file.absPath : item.problem.absPath);
      const relPath = item.kind === 'file' ? item.file.relPath : item.problem.relPath;
      seen.add(absPath);
      const before = prior.get(absPath);
      const keep = (status: FileState['status'], reason: string): FileStateInput => ({
        path: absPath,
        status,
        reason,
        // what was indexed before stays indexed: a file that became unreadable loses nothing
        fileHash: before?.fileHash ?? null,
        size: item.kind === 'file' ? item.file.size : null,
        modifiedAt: item.kind === 'file' ? item.file.modifiedAt : null,
        documentCount: before?.documentCount ?? 0,
        jobId: job.id,
      });
      if (item.kind === 'problem') {
        record(keep('failed', item.problem.reason), relPath);
      } else {
        const outcome = await syncFile(item.file, absPath, before, keep);
        record(outcome, relPath);
      }
      if (batch.upserts!.length >= ingest.batchSize || batch.fileStates!.length >= ingest.batchSize) await flush();
      opts.onProgress?.({ done: ++done, total: items.length, path: relPath });
    }

    // Files that are gone from the folder: remove their documents everywhere.
    for (const [path, state] of prior) {
      if (seen.has(path)) continue;
      if (state.status === 'deleted') {
        batch.forgetFiles!.push(path);
        continue;
      }
      const hashes = await store.documentHashes(collection.id, path);
      batch.deletes!.push(...hashes.keys());
      record(
        { path, status: 'deleted', reason: 'the file is no longer in the folder; its documents were removed', fileHash: null, size: null, modifiedAt: null, documentCount: 0, jobId: job.id },
        path.slice(root.length + 1),
      );
      if (batch.deletes!.length >= ingest.batchSize) await flush();
    }
    await flush();
    report.durationMs = Date.now() - started;
    await store.finishJob(job.id, 'succeeded', statsOf(report));
    return report;
  } catch (err) {
    report.durationMs = Date.now() - started;
    await store.finishJob(job.id, 'failed', statsOf(report), describeError(err)).catch(() => undefined);
    throw err;
  }

  async function syncFile(
    file: FileEntry,
    absPath: string,
    before: FileState | undefined,
    keep: (status: FileState['status'], reason: string) => FileStateInput,
  ): Promise<FileStateInput> {
    const ext = extname(file.absPath).toLowerCase();
    const parser = parserFor(ext);
    if (!parser) {
      return { ...keep('skipped', `unsupported file type "${ext || basename(file.absPath)}" (supported: ${SUPPORTED_EXTENSIONS.join(' ')})`), documentCount: 0 };
    }
    if (file.size > ingest.maxFileBytes) {
      return keep('failed', `file too large: ${mb(file.size)} MB exceeds ingest.maxFileBytes (${mb(ingest.maxFileBytes)} MB); raise the limit or split the file`);
    }
    if (file.size === 0) return keep('failed', 'zero-byte file: nothing to index');
    let bytes: Buffer;
    try {
      bytes = await readFile(file.absPath);
    } catch (e) {
      return keep('failed', `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // The sidecar is part of the file's fingerprint: editing only who may read a file must be noticed.
    const sidecarText = await readSidecarText(file.absPath);
    const fileHash = sidecarText === null ? sha256(bytes) : sha256(`${sha256(bytes)}:${sha256(sidecarText)}`);
    if (before && before.fileHash === fileHash && (before.status === 'indexed' || before.status === 'unchanged')) {
      const docs = before.documentCount;
      report.documents.unchanged += docs;
      return { ...keep('unchanged', ''), reason: null, fileHash, documentCount: docs };
    }
    let sidecar: Sidecar | null;
    let parsed: { documents: ParsedDocument[]; warnings?: string[] };
    try {
      sidecar = sidecarText === null ? null : parseSidecar(sidecarText);
      parsed = await parser.parse(bytes, { path: file.relPath, mediaType: parser.mediaType, ocr: ingest.ocr });
    } catch (e) {
      return keep('failed', reasonOf(e));
    }
    const existing = await store.documentHashes(collection.id, absPath);
    const warnings = [...(parsed.warnings ?? [])];
    const ids = new Set<string>();
    let toIndex: { input: DocumentInput; pd: ParsedDocument }[] = [];
    try {
      for (const pd of parsed.documents) {
        const sourceId = pd.recordId ?? absPath;
        if (ids.has(sourceId)) {
          warnings.push(`duplicate record id "${sourceId}": the later one was kept`);
          toIndex = toIndex.filter((x) => x.input.sourceId !== sourceId);
        }
        ids.add(sourceId);
        const input = toDocumentInput(pd, sourceId, absPath, file, parser, sidecar, pd.recordId === undefined);
        if (existing.get(sourceId) === input.contentHash) {
          // Same content: only the access policy may have changed, and that never rewrites chunks.
          const stored = await store.getDocument(collection.id, sourceId);
          if (stored && JSON.stringify(stored.accessPolicy) !== JSON.stringify(input.accessPolicy)) {
            await flush(); // keep write order: earlier batches of this run land first
            const audit = opts.audit ? [auditEntry('policy.set', [sourceId], { readers: input.accessPolicy?.readers ?? null })] : undefined;
            await store.setAccessPolicy(collection.id, sourceId, input.accessPolicy, audit);
            report.documents.policyChanged++;
          } else report.documents.unchanged++;
          continue;
        }
        toIndex.push({ input, pd });
      }
      for (const { input, pd } of toIndex) {
        input.chunks = toChunkInputs(chunkBlocks(pd.blocks, collection.settings.chunking, counter), input.metadata.title as string);
        batch.upserts!.push(input);
        if (batch.upserts!.length >= ingest.batchSize) await flush();
      }
    } catch (e) {
      return keep('failed', reasonOf(e));
    }
    for (const old of existing.keys()) if (!ids.has(old)) batch.deletes!.push(old);
    return {
      path: absPath,
      status: 'indexed',
      reason: warnings.length ? warnings.join('; ') : null,
      fileHash,
      size: file.size,
      modifiedAt: file.modifiedAt,
      documentCount: ids.size,
      jobId: job.id,
    };
  }

  function toChunkInputs(drafts: ChunkDraft[], title: string): DocumentInput['chunks'] {
    return drafts.map((d, ordinal) => {
      // The title and heading path are indexed with every chunk (not stored in its text): a chunk deep in a
      // document is still found by the words that say what the document is about.
      const context = [title, ...(d.location.headings ?? [])].filter((h) => h && !d.text.startsWith(h));
      const { terms, termCount } = opts.indexText(context.length ? `${context.join('\n')}\n${d.text}` : d.text);
      return { ordinal, text: d.text, tokenCount: d.tokenCount, location: d.location, terms, termCount };
    });
  }
}

function toDocumentInput(
  pd: ParsedDocument,
  sourceId: string,
  absPath: string,
  file: FileEntry,
  parser: Parser,
  sidecar: Sidecar | null,
  wholeFile: boolean,
): DocumentInput {
  const metadata: DocumentInput['metadata'] = {
    ...(sidecar?.metadata ?? {}),
    ...pd.metadata,
    title: (pd.metadata.title as string | undefined) || basename(file.relPath, extname(file.relPath)),
    path: file.relPath,
    mediaType: parser.mediaType,
    modifiedAt: file.modifiedAt,
  };
  if (wholeFile) metadata.size = file.size;
  const accessPolicy = sidecar?.accessPolicy ?? pd.accessPolicy ?? null;
  const classification = sidecar?.classification ?? pd.classification ?? null;
  // The content hash covers what the index is built from — not volatile fields like the modified time, and not
  // the access policy, which is updated in place (setAccessPolicy) without touching chunks.
  const { modifiedAt: _m, ...stable } = metadata;
  const contentHash = sha256(JSON.stringify([stable, pd.blocks, classification]));
  return { sourceId, sourcePath: absPath, contentHash, metadata, accessPolicy, classification, chunks: [] };
}

function reasonOf(e: unknown): string {
  if (isStrataError(e)) return e.message.replace(/^\[strata\] /, '');
  return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function statsOf(r: SyncReport): Record<string, number> {
  return {
    filesIndexed: r.files.indexed,
    filesUnchanged: r.files.unchanged,
    filesFailed: r.files.failed,
    filesSkipped: r.files.skipped,
    filesDeleted: r.files.deleted,
    documentsInserted: r.documents.inserted,
    documentsReplaced: r.documents.replaced,
    documentsDeleted: r.documents.deleted,
    documentsUnchanged: r.documents.unchanged,
    documentsPolicyChanged: r.documents.policyChanged,
    durationMs: r.durationMs,
  };
}
