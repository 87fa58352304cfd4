// Vector retrieval for one searcher: per collection, the active index version's vectors loaded into an ANN
// index (kept in step with the store incrementally: new vectors added, deleted chunks removed), and the query
// embedded with the embedder that built that version — never a different one, so vectors never mix.
//
// Permissions and metadata filters arrive as the same per-chunk `accept` the lexical path uses (one array
// read per candidate, from the per-document bitmaps of acl.ts) and are applied INSIDE the ANN search, so a
// filtered query still gets k readable results when k exist. ANN labels are chunk seqs; the searcher's
// in-memory table lists its chunks' seqs in ascending order, so a label maps to a position by binary search.
// With a data directory, each version's ANN index is snapshotted there and reloaded + caught up on start.
import { StrataError } from '../core/errors.js';
import type { Collection } from '../core/types.js';
import type { Embedder } from '../models/types.js';
import type { IndexVersion, VectorStore } from '../store/vectors.js';
import { lru } from './acl.js';
import type { Candidate } from './fusion.js';
import { createIndexBuilder, type EmbedderResolver } from './versions.js';
import { annSnapshotPath, createAnnIndex, openAnnIndex, removeAnnSnapshot, syncAnnIndex, type AnnIndex, type AnnIndexOptions } from '../vector/index.js';

/** What vector search needs of the searcher's loaded lexical index (structurally its LoadedIndex). */
export interface ChunkTable {
  readonly chunkDoc: Int32Array;
  /** Chunk seq of each position, ascending. */
  readonly seqs: Int32Array;
}

export interface VectorQuery {
  /** The collection as just read from the store (its generation decides freshness). */
  collection: Collection;
  table: ChunkTable;
  query: string;
  /** Chunks wanted (the caller asks again with more when collapsing to documents leaves too few). */
  k: number;
  /** Pre-filter over table positions: permissions and metadata. */
  accept?: (key: number) => boolean;
  /** Name of the embedder to embed the query with; must be the one the active version was built with. */
  embedder?: string;
}

export interface VectorSearcher {
  /** Chunks by descending cosine similarity, as table positions, with the id of the embedder whose index answered. */
  search(q: VectorQuery): Promise<{ hits: Candidate[]; embedderId: string }>;
  /** The stored vector of a table position, when the active version has one (MMR). */
  vectorsFor(collection: Collection, table: ChunkTable): Promise<(key: number) => Float32Array | undefined>;
}

export interface VectorSearchOptions {
  resolveEmbedder: EmbedderResolver;
  /** Where ANN snapshots live (`<dataDir>/vectors/<version>.ann`); without it indexes are rebuilt from the store on load. */
  dataDir?: string;
  /** Engine settings (HNSW m, ef, exact-search threshold); dimensions come from the version. */
  ann?: Omit<AnnIndexOptions, 'dimensions'>;
  /** Query embeddings kept (LRU), keyed by embedder id and query text. Default 1,000. */
  queryCacheSize?: number;
}

/** Snapshot again after a catch-up that changed at least this many labels (a restart then reads less). */
const RESAVE_AFTER = 1000;

interface LoadedVectors {
  version: IndexVersion;
  /** (generation, embedded count) the index was last synced at. */
  syncedAt: string;
  index: AnnIndex;
  embedder: Embedder;
}

export function createVectorSearcher(store: VectorStore, options: VectorSearchOptions): VectorSearcher {
  const builder = createIndexBuilder(store, options.resolveEmbedder);
  const states = new Map<string, Promise<LoadedVectors>>();
  const queryCache = lru<Float32Array>(options.queryCacheSize ?? 1000);

  async function activeOrThrow(collection: Collection): Promise<IndexVersion> {
    const version = await store.activeIndexVersion(collection.id);
    if (!version) {
      const building = (await store.listIndexVersions(collection.id)).find((v) => v.state === 'building');
      throw new StrataError('search', 'invalid-input', `collection "${collection.name}" has no vector index yet${building ? ` (version ${building.id} is building: ${building.embeddedChunks}/${building.totalChunks} chunks)` : ''}`, {
        hint: building ? 'search in lexical mode until the build finishes: strata index status' : `build one: strata index build ${collection.name} --embedder <name>`,
      });
    }
    return version;
  }

  const source = (version: IndexVersion) => ({
    liveSeqs: [] as Int32Array | readonly number[],
    vectors: (afterSeq: number) => store.iterateVectors(version.id, afterSeq),
  });

  /** The collection's vectors, loaded (snapshot + catch-up, or rebuild) or brought up to date with the store. */
  async function stateFor(collection: Collection): Promise<LoadedVectors> {
    const version = await activeOrThrow(collection);
    const syncedAt = `${collection.generation}:${version.embeddedChunks}`;
    const previous = await states.get(collection.id)?.catch(() => undefined);
    if (previous && previous.version.id === version.id && previous.syncedAt === syncedAt) return previous;
    const loading = (async (): Promise<LoadedVectors> => {
      const src = source(version);
      src.liveSeqs = await store.vectorSeqs(version.id);
      const file = options.dataDir === undefined ? undefined : annSnapshotPath(options.dataDir, version.id);
      const annOptions = { ...options.ann, dimensions: version.dimensions };
      // Resolved first: a configuration that no longer fits the version fails before anything is loaded.
      const embedder = await builder.embedderFor(version);
      let index: AnnIndex;
      let changed: number;
      if (previous && previous.version.id === version.id) {
        // Same version: catch the loaded index up in place (new chunks added, deleted ones removed).
        const r = await syncAnnIndex(previous.index, src);
        index = previous.index;
        changed = r.added + r.removed;
      } else {
        if (file) {
          const opened = await openAnnIndex(file, annOptions, src);
          index = opened.index;
          changed = opened.from === 'rebuilt' ? Math.max(RESAVE_AFTER, opened.added) : opened.added + opened.removed;
        } else {
          index = createAnnIndex(annOptions);
          await syncAnnIndex(index, src);
          changed = 0;
        }
        // Snapshots of versions that are no longer active (retired by a switch, possibly in another process) go.
        if (options.dataDir !== undefined) {
          for (const v of await store.listIndexVersions(collection.id)) {
            if (v.state === 'retired' || v.state === 'failed') await removeAnnSnapshot(annSnapshotPath(options.dataDir, v.id));
          }
        }
      }
      if (file && changed >= RESAVE_AFTER) await index.save(file, { versionId: version.id, embedderId: version.embedderId });
      return { version, syncedAt, index, embedder };
    })();
    states.set(collection.id, loading);
    loading.catch(() => states.delete(collection.id));
    return loading;
  }

  async function embedQuery(state: LoadedVectors, query: string, name: string | undefined): Promise<Float32Array> {
    let embedder = state.embedder;
    if (name !== undefined) {
      embedder = await options.resolveEmbedder(name);
      if (embedder.id !== state.version.embedderId) {
        throw new StrataError('search', 'invalid-input', `embedder "${name}" (${embedder.id}) did not build this collection's index, ${state.version.embedderId} did`, {
          hint: `omit --embedder, or rebuild: strata index build <collection> --embedder ${name}`,
        });
      }
    }
    const cacheKey = `${embedder.id}\u0000${query}`;
    const hit = queryCache.get(cacheKey);
    if (hit) return hit;
    const [v] = await embedder.embed([query], { purpose: 'query' });
    if (!(v instanceof Float32Array) || v.length !== state.version.dimensions || !v.every(Number.isFinite)) {
      throw new StrataError('search', 'unavailable', `embedder ${embedder.id} returned an unusable query vector (${v?.length ?? 'none'} values, index expects ${state.version.dimensions} finite values)`, {
        hint: 'the provider answered out of contract; check the embedder configuration',
      });
    }
    queryCache.set(cacheKey, v);
    return v;
  }

  return {
    async search(q) {
      const state = await stateFor(q.collection);
      const query = await embedQuery(state, q.query, q.embedder);
      const { seqs } = q.table;
      const accept = q.accept;
      // A label the table does not hold (a chunk newer than the table) is never returned.
      const hits = state.index.search(query, q.k, {
        accept: (seq) => {
          const key = positionOf(seqs, seq);
          return key >= 0 && (accept === undefined || accept(key));
        },
      });
      return { hits: hits.map((h) => ({ key: positionOf(seqs, h.label), score: h.score })), embedderId: state.version.embedderId };
    },
    async vectorsFor(collection, table) {
      // Straight from the ANN index (normalised copies), instead of reading every vector of the version again.
      const { index } = await stateFor(collection);
      return (key) => {
        const seq = table.seqs[key];
        return seq === undefined || !index.has(seq) ? undefined : index.vector(seq);
      };
    },
  };
}

/** Position of `seq` in the ascending `seqs`, or -1. */
export function positionOf(seqs: Int32Array, seq: number): number {
  let lo = 0;
  let hi = seqs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = seqs[mid]!;
    if (v === seq) return mid;
    if (v < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
