// The storage contract. Callers (pipeline, search, CLI, later the server) only see this interface;
// drivers live in ./drivers/<name>.ts and all pass ./conformance.testkit.ts.
// Required methods are few; optional capabilities are declared in `flags`.
import type {
  AccessPolicy,
  Chunk,
  Classification,
  Collection,
  CollectionSettings,
  Document,
  DocumentMetadata,
  FileState,
  Job,
  JobStatus,
  Workspace,
} from '../core/types.js';
import type { AuditInput, AuditStore } from './audit.js';
import type { PolicyStore } from './policy.js';
import type { KeyStore } from './keys.js';
import type { UsageStore } from './usage.js';
import type { VectorStore } from './vectors.js';

export interface StoreFlags {
  /** Several processes may write at once (PostgreSQL); the embedded driver allows one writer at a time. */
  concurrentWriters: boolean;
  /** `sizeBytes()` reports the on-disk size of the store. */
  sizeOnDisk: boolean;
}

/** A chunk as written by ingestion: its text plus the analyzed terms the lexical index needs. */
export interface ChunkInput extends Omit<Chunk, 'id' | 'documentId'> {
  /** Analyzer output, encoded by `encodeTermFreqs` (search/bm25.ts). Stored so indexes load without re-analysis. */
  terms: string;
  /** Number of analyzed terms (BM25 document length). */
  termCount: number;
}

export interface DocumentInput {
  sourceId: string;
  sourcePath: string;
  contentHash: string;
  metadata: DocumentMetadata;
  accessPolicy: AccessPolicy | null;
  classification: Classification | null;
  chunks: ChunkInput[];
}

/**
 * One atomic change to a collection: everything in it is applied in a single transaction or not at all,
 * which is what makes a `kill -9` in the middle of ingestion harmless.
 */
export interface WriteBatch {
  collectionId: string;
  /** Insert new documents or replace an existing one with the same sourceId (version + 1, chunks replaced). */
  upserts?: DocumentInput[];
  /** Source ids of documents to remove with their chunks. */
  deletes?: string[];
  /** Sync state to record in the same transaction. */
  fileStates?: Omit<FileState, 'collectionId' | 'updatedAt'>[];
  /** Paths whose sync state should be removed (file gone and its documents deleted). */
  forgetFiles?: string[];
  /** Audit entries recorded in the same transaction as this change (so a crash never loses one). */
  audit?: AuditInput[];
}

export interface WriteResult {
  inserted: number;
  replaced: number;
  deleted: number;
  generation: number;
}

/** A chunk joined with what ranking and display need from its document. */
export interface StoredChunk {
  /** The chunk's integer key: unique in the store, never reused, the ANN label of its vectors. */
  seq: number;
  id: string;
  documentId: string;
  sourceId: string;
  ordinal: number;
  text: string;
  tokenCount: number;
  location: Chunk['location'];
  terms: string;
  termCount: number;
}

export interface DocumentQuery {
  collectionId: string;
  limit?: number;
  offset?: number;
  /** Only documents from this source file. */
  sourcePath?: string;
}

export interface Store extends AuditStore, PolicyStore, KeyStore, UsageStore, VectorStore {
  readonly driver: string;
  readonly flags: StoreFlags;

  // workspaces and collections
  ensureWorkspace(name: string): Promise<Workspace>;
  getWorkspace(name: string): Promise<Workspace | null>;
  createCollection(input: {
    workspaceId: string;
    name: string;
    settings: CollectionSettings;
    classification?: Classification;
  }): Promise<Collection>;
  getCollection(workspaceId: string, name: string): Promise<Collection | null>;
  listCollections(workspaceId: string): Promise<(Collection & { documentCount: number; chunkCount: number })[]>;
  /** Deletes the collection with all documents, chunks, sync state and jobs. */
  deleteCollection(collectionId: string): Promise<void>;

  // documents
  write(batch: WriteBatch): Promise<WriteResult>;
  getDocument(collectionId: string, idOrSourceId: string): Promise<Document | null>;
  listDocuments(query: DocumentQuery): Promise<Document[]>;
  countDocuments(collectionId: string): Promise<number>;
  /** Content hashes by source id for the documents of one source file (incremental sync). */
  documentHashes(collectionId: string, sourcePath: string): Promise<Map<string, string>>;
  getChunks(documentId: string): Promise<Chunk[]>;
  /** Streams every chunk of a collection in a stable order, for building in-memory indexes. */
  iterateChunks(collectionId: string): AsyncIterable<StoredChunk>;
  /** Documents by id, for joining search hits with metadata. */
  getDocumentsByIds(ids: string[]): Promise<Map<string, Document>>;

  // sync state and jobs
  listFileStates(collectionId: string): Promise<FileState[]>;
  getFileState(collectionId: string, path: string): Promise<FileState | null>;
  /**
   * Records a running job. At most one job of a kind runs per collection, across processes: `conflict` while
   * another live process runs one (a job left running by a dead process does not count).
   */
  startJob(input: { kind: string; collectionId: string | null }): Promise<Job>;
  finishJob(id: string, status: JobStatus, stats: Record<string, number>, error?: string | null): Promise<void>;
  updateJobStats(id: string, stats: Record<string, number>): Promise<void>;
  listJobs(collectionId: string | null, limit?: number): Promise<Job[]>;
  /** Marks jobs left `running` by a process that died as `interrupted`. */
  recoverInterruptedJobs(): Promise<number>;

  sizeBytes?(): Promise<number>;
  /**
   * Housekeeping a server can take off its request path (SQLite: WAL checkpoints, which otherwise run inside
   * whichever commit crosses the threshold and stall that process's requests for milliseconds). A supervisor
   * whose workers called `deferInThisProcess` runs `run` on a timer. Drivers without such work omit it.
   */
  readonly maintenance?: {
    /** This process stops doing the housekeeping inside its own writes. */
    deferInThisProcess(): void;
    /** Does a round of it without waiting for anyone (SQLite: a PASSIVE checkpoint). */
    run(): Promise<void>;
    /**
     * A single server process: defers its own housekeeping (as `deferInThisProcess`) and does `run` every
     * `intervalMs` on a thread of its own (SQLite: its own connection in a worker thread), so neither the
     * housekeeping nor its disk syncs stall requests. `stop` waits for the thread to end.
     */
    runInBackground(intervalMs: number, onError: (e: unknown) => void): { stop(): Promise<void> };
  };
  close(): Promise<void>;
}
