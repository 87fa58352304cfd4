// Storage contract for semantic retrieval: index versions, chunk vectors and the embedding cache.
// Implemented per driver in drivers/<name>-vectors.ts; behaviour pinned by conformance-vectors.testkit.ts.
//
// The store holds the vectors (the source of truth, written transactionally); approximate-nearest-neighbour
// structures (src/vector/) are derived from them and may be rebuilt at any time.

/** building → active → retired. At most one active version per collection; at most one building. */
export type IndexVersionState = 'building' | 'active' | 'retired' | 'failed';

export interface IndexVersion {
  /** Monotonic per store. */
  id: number;
  collectionId: string;
  /** `Embedder.id`, e.g. `openai:text-embedding-3-small@1536`. */
  embedderId: string;
  dimensions: number;
  /** The embedder configuration the version was built with (provider, model, options), for display and rebuild. */
  embedder: Record<string, unknown>;
  state: IndexVersionState;
  /** Chunks of the collection that have a vector in this version / chunks in the collection (progress). */
  embeddedChunks: number;
  totalChunks: number;
  error: string | null;
  createdAt: string;
  activatedAt: string | null;
}

/** A chunk that still needs a vector in some version. */
export interface PendingChunk {
  /** The chunk's integer key (stable for the chunk's lifetime; also the ANN label). */
  seq: number;
  chunkId: string;
  text: string;
  /** sha256 of the text: the embedding cache key. */
  contentHash: string;
}

export interface StoredVector {
  seq: number;
  chunkId: string;
  documentId: string;
  vector: Float32Array;
}

export interface VectorStore {
  /** Embedding cache (structurally `EmbeddingCache` of models/types.ts): vectors by (embedder id, content hash). */
  getEmbeddings(embedderId: string, contentHashes: readonly string[]): Promise<Map<string, Float32Array>>;
  putEmbeddings(embedderId: string, entries: readonly { contentHash: string; vector: Float32Array }[]): Promise<void>;

  /**
   * Starts a new version for a collection in state 'building'. Refuses (`conflict`) when one is already
   * building for the collection; refuses (`invalid-input`) a non-positive dimension.
   */
  createIndexVersion(input: { collectionId: string; embedderId: string; dimensions: number; embedder: Record<string, unknown> }): Promise<IndexVersion>;
  getIndexVersion(id: number): Promise<IndexVersion | null>;
  /** Every version of the collection, newest first. */
  listIndexVersions(collectionId: string): Promise<IndexVersion[]>;
  /** The collection's active version, if any. */
  activeIndexVersion(collectionId: string): Promise<IndexVersion | null>;
  /**
   * Up to `limit` chunks of the collection with no vector in `versionId`, in chunk order, starting after
   * chunk seq `afterSeq` (default 0: from the start). Pass the last seq of a page to get the next one
   * (keyset pagination), so chunks that keep failing to embed never hide the ones behind them.
   */
  pendingChunks(versionId: number, limit: number, afterSeq?: number): Promise<PendingChunk[]>;
  /**
   * Stores vectors for chunks in one transaction. Every vector must have the version's dimensions and only
   * finite values (`invalid-input` otherwise, nothing written). Vectors for chunks that no longer exist are
   * skipped silently (the chunk was deleted while it was being embedded). Returns how many were written.
   */
  putVectors(versionId: number, vectors: readonly { seq: number; vector: Float32Array }[]): Promise<number>;
  /**
   * Makes a fully built version active and retires (and deletes the vectors of) the previous active one, in
   * one transaction. Refuses (`conflict`) when chunks are still pending.
   */
  activateIndexVersion(versionId: number): Promise<IndexVersion>;
  /** Marks a building version failed with a reason (its vectors are deleted). */
  failIndexVersion(versionId: number, error: string): Promise<void>;
  /** Vectors of a version with seq > afterSeq, in seq order (the whole version when afterSeq is 0). */
  iterateVectors(versionId: number, afterSeq?: number): AsyncIterable<StoredVector>;
  /** Seqs of chunks in the version's collection that have vectors; used to find deletions since an ANN snapshot. */
  vectorSeqs(versionId: number): Promise<Int32Array>;
}
