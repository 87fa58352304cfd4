// Domain types shared by every layer. No I/O here.

/** Data classifications, from the least to the most sensitive: the one list every layer validates against. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Who may read a document; enforced by every search and fetch path (core/access.ts). */
export interface AccessPolicy {
  /** Principals such as `user:alice` or `group:finance`. `*` (or an absent policy) means everyone in the workspace. */
  readers: string[];
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: string;
}

export interface ChunkingSettings {
  /** Upper bound of tokens per chunk, counted with `tokenizer`. */
  maxTokens: number;
  /** Tokens repeated from the end of the previous chunk when text has to be split. */
  overlapTokens: number;
  tokenizer: 'cl100k_base' | 'o200k_base';
}

export interface AnalyzerSettings {
  /** Analyzer name from the analyzer registry (src/search/analyzers). */
  name: string;
}

export interface CollectionSettings {
  chunking: ChunkingSettings;
  analyzer: AnalyzerSettings;
}

export interface Collection {
  id: string;
  workspaceId: string;
  name: string;
  settings: CollectionSettings;
  classification: Classification;
  createdAt: string;
  /** Incremented by every write that changes the collection's documents; lets indexes detect staleness. */
  generation: number;
  /** Incremented by every access-policy change (`setAccessPolicy`); set when the collection was read from the store. */
  policyGeneration?: number;
}

/** Metadata every parser/connector fills in as far as the format allows. */
export interface DocumentMetadata {
  title?: string;
  path?: string;
  mediaType?: string;
  size?: number;
  modifiedAt?: string;
  author?: string;
  [key: string]: unknown;
}

export interface Document {
  id: string;
  collectionId: string;
  /** Stable id given by the source (relative path, `path#_id` for records inside a file…). */
  sourceId: string;
  /** Source file the document came from, relative to the connector root; several documents may share one. */
  sourcePath: string;
  version: number;
  contentHash: string;
  metadata: DocumentMetadata;
  accessPolicy: AccessPolicy | null;
  classification: Classification | null;
  createdAt: string;
  updatedAt: string;
}

/** Where a chunk sits in its document; survives from the parser's blocks. */
export interface ChunkLocation {
  /** Heading path, outermost first. */
  headings?: string[];
  /** 1-based page (PDF), slide (PPTX) or sheet index (XLSX); first and last when a chunk spans pages. */
  pageStart?: number;
  pageEnd?: number;
  /** Sheet or table name where the format has one. */
  sheet?: string;
  /** True when the chunk holds (part of) a table. */
  table?: boolean;
}

export interface Chunk {
  id: string;
  documentId: string;
  ordinal: number;
  text: string;
  tokenCount: number;
  location: ChunkLocation;
}

/** Per-file outcome of the last sync, listed by `strata status`. */
export type FileStatus = 'indexed' | 'unchanged' | 'failed' | 'skipped' | 'deleted';

export interface FileState {
  collectionId: string;
  path: string;
  status: FileStatus;
  fileHash: string | null;
  size: number | null;
  modifiedAt: string | null;
  /** Why the file failed, in words a user can act on. */
  reason: string | null;
  documentCount: number;
  jobId: string | null;
  updatedAt: string;
}

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface Job {
  id: string;
  kind: string;
  collectionId: string | null;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  stats: Record<string, number>;
  error: string | null;
}

export type Role = 'admin' | 'editor' | 'reader';

/** Who is asking, after authentication; every permission check takes one. */
export interface Caller {
  workspaceId: string;
  /** User id, e.g. `alice` (API keys carry the user they act for; JWTs their `sub`). */
  subject: string;
  role: Role;
  /**
   * Principals the caller holds, resolved from the directory: `user:<subject>`, `group:<g>` for every group
   * (transitively), and `*`. A document is readable when its policy lists any of them (or it has no policy).
   */
  principals: string[];
  /**
   * A trusted in-process operator (the local CLI without `--as`, the benchmark runner) reads every document of
   * its workspace regardless of policies. Only those entry points set it, through `operatorCaller` in
   * core/access.ts; the HTTP server never does, and must never build a Caller from request data.
   */
  bypassAcl?: true;
}
