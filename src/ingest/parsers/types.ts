// The parser contract: bytes of one file in, one or more structured documents out.
// A parser never touches the store or the filesystem beyond the bytes it is handed
// (OCR may use a temp dir); it throws `parseError(...)` with a kind for anything it cannot read.
import type { AccessPolicy, Classification, DocumentMetadata } from '../../core/types.js';

/** A structural unit of a document. Chunking packs blocks; structure becomes chunk location metadata. */
export interface Block {
  kind: 'heading' | 'paragraph' | 'table' | 'list' | 'code';
  text: string;
  /** Heading level 1–6 (headings only). */
  level?: number;
  /** 1-based page, slide or sheet number where the format has pages. */
  page?: number;
  /** Sheet name (spreadsheets) or table caption. */
  sheet?: string;
}

export interface ParsedDocument {
  /**
   * Record id inside a multi-document file (e.g. BEIR corpus.jsonl `_id`). Omit for single-document files;
   * the pipeline then uses the file's relative path as the document's source id.
   */
  recordId?: string;
  /** Title, author and any format-specific metadata (page count, sheet names, e-mail headers…). */
  metadata: DocumentMetadata;
  blocks: Block[];
  /** A policy found in the file itself (front matter); sidecar files are read by the connector. */
  accessPolicy?: AccessPolicy;
  classification?: Classification;
}

export interface ParseContext {
  /** Path relative to the connector root, for messages. */
  path: string;
  /** Detected media type. */
  mediaType: string;
  /** OCR settings; OCR is used for PDF pages without a text layer. */
  ocr: { enabled: boolean };
  signal?: AbortSignal;
}

export interface Parser {
  /** Short name used in errors: `[strata] [parser:pdf] …`. */
  name: string;
  /** Lower-case extensions with the dot, e.g. `.md`. */
  extensions: string[];
  mediaType: string;
  parse(bytes: Buffer, ctx: ParseContext): Promise<ParseResult>;
}

export interface ParseResult {
  documents: ParsedDocument[];
  /** Things the user should know that did not stop the file (skipped JSONL lines, OCR'd pages, re-encoded text…). */
  warnings?: string[];
}
