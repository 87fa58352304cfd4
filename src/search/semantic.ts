// Wiring of semantic retrieval from the one validated config: named embedders and rerankers (resolved once
// per name and kept), the index builder, the vector searcher and the hybrid ranker. The CLI, the server and
// the BEIR benchmark all build it here, so a name means the same model everywhere.
import type { StrataConfig } from '../core/config.js';
import { StrataError, isStrataError } from '../core/errors.js';
import type { Collection } from '../core/types.js';
import { createEmbedder, embedderConfig } from '../models/embed/index.js';
import type { Embedder, Reranker } from '../models/types.js';
import type { VectorStore } from '../store/vectors.js';
import { createHybridRanker, type HybridRanker } from './hybrid.js';
import { createVectorSearcher, type VectorSearcher } from './vector-search.js';
import { createIndexBuilder, type IndexBuilder } from './versions.js';

export interface Semantic {
  resolveEmbedder(name: string): Promise<Embedder>;
  resolveReranker(name: string): Promise<Reranker>;
  builder: IndexBuilder;
  vectors: VectorSearcher;
  ranker: HybridRanker;
}

export interface SemanticDeps {
  /** Injected fetch for hosted providers (tests replay vendor formats on a local server). */
  fetch?: typeof fetch;
  /** Keep ANN snapshots under the data directory (default true; the BEIR bench's throw-away store turns it off). */
  snapshots?: boolean;
}

export function semanticFromConfig(store: VectorStore, config: StrataConfig, deps: SemanticDeps = {}): Semantic {
  // Resolved once per name: adapters hold clients, limiters and (static) loaded word vectors.
  const embedders = new Map<string, Promise<Embedder>>();
  const rerankers = new Map<string, Promise<Reranker>>();
  const resolveEmbedder = (name: string): Promise<Embedder> => {
    let e = embedders.get(name);
    if (!e) {
      // The index builder caches document vectors by content hash itself; the pipeline gets no cache.
      e = (async () => createEmbedder(embedderConfig(config, name), { dataDir: config.dataDir, fetch: deps.fetch }))();
      embedders.set(name, e);
      e.catch(() => embedders.delete(name));
    }
    return e;
  };
  const resolveReranker = (name: string): Promise<Reranker> => {
    let r = rerankers.get(name);
    if (!r) {
      r = (async () => {
        const cfg = config.rerankers[name];
        if (!cfg) {
          const names = Object.keys(config.rerankers);
          throw new StrataError('search', 'config', `no reranker named "${name}"`, {
            hint: names.length ? `configured rerankers: ${names.join(', ')}` : 'add one under `rerankers:` in the config',
            details: { reranker: name, available: names },
          });
        }
        // Loaded on first use: a search that reranks nothing never loads reranker adapters (transformers.js among them).
        const { createReranker } = await import('../models/rerank/index.js');
        return createReranker(cfg, { dataDir: config.dataDir, fetch: deps.fetch });
      })();
      rerankers.set(name, r);
      r.catch(() => rerankers.delete(name));
    }
    return r;
  };
  const builder = createIndexBuilder(store, resolveEmbedder);
  const vectors = createVectorSearcher(store, { resolveEmbedder, dataDir: deps.snapshots === false || config.dataDir === ':memory:' ? undefined : config.dataDir });
  const ranker = createHybridRanker({ vectors, resolveReranker, defaultMode: config.search.mode, fusion: config.search.fusion });
  return { resolveEmbedder, resolveReranker, builder, vectors, ranker };
}

/** The embedder a collection is configured with (`collections.<name>.embedder`), if any. */
export const configuredEmbedder = (config: StrataConfig, collection: string): string | undefined => config.collections[collection]?.embedder;

/**
 * After an ingest wrote chunks: embeds them for the collection's active index version (nothing when it has
 * none). A failure keeps what was ingested and says how to retry.
 */
export async function catchUpAfterIngest(
  store: VectorStore,
  config: StrataConfig,
  collection: Collection,
  deps: SemanticDeps = {},
): Promise<{ versionId: number; embedderId: string; embedded: number } | null> {
  if (!(await store.activeIndexVersion(collection.id))) return null;
  try {
    const { version, embedded } = await semanticFromConfig(store, config, deps).builder.catchUp(collection);
    return version ? { versionId: version.id, embedderId: version.embedderId, embedded } : null;
  } catch (err) {
    throw new StrataError('search', isStrataError(err) ? err.code : 'internal', `the documents were ingested, but embedding the new chunks failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      hint: `until they are embedded, vector search does not see them; retry with \`strata index build ${collection.name}\``,
    });
  }
}
