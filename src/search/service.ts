// Lexical search over a collection: keeps one in-memory BM25 index per collection, rebuilt from the store
// when the collection's generation changes, applies metadata filters before the top-k cut, collapses
// chunks to documents and makes highlighted snippets.
import type { Collection, ChunkLocation, Document } from '../core/types.js';
import type { Store } from '../store/types.js';
import { getAnalyzer, type Analyzer } from './analyzers.js';
import { createBm25Index, encodeTermFreqs, type Bm25Index, type Bm25Params } from './bm25.js';
import { compileFilter, type Filter } from './filters.js';
import { makeSnippet } from './snippet.js';

export interface SearchRequest {
  collection: Collection;
  query: string;
  limit?: number;
  offset?: number;
  filter?: Filter;
  /** 'document' (default) returns each document once, with its best chunk; 'chunk' returns chunks. */
  collapse?: 'document' | 'chunk';
  /** Snippet length in characters; 0 disables snippets. */
  snippetChars?: number;
}

export interface SearchHit {
  rank: number;
  score: number;
  documentId: string;
  sourceId: string;
  chunkId: string;
  chunkOrdinal: number;
  title: string | undefined;
  path: string | undefined;
  location: ChunkLocation;
  /** Snippet text with matched terms between the `highlights` offsets. */
  snippet?: { text: string; highlights: [number, number][] };
  metadata: Document['metadata'];
}

export interface SearchResponse {
  hits: SearchHit[];
  /** Analyzed query terms (what was actually matched). */
  terms: string[];
  tookMs: number;
}

interface LoadedIndex {
  generation: number;
  bm25: Bm25Index;
  analyzer: Analyzer;
  chunkIds: string[];
  chunkDoc: Int32Array;
  ordinals: Int32Array;
  texts: string[];
  locations: ChunkLocation[];
  docIds: string[];
  sourceIds: string[];
  docMeta: Document['metadata'][];
}

export interface Searcher {
  search(req: SearchRequest): Promise<SearchResponse>;
  /** Loads (or refreshes) a collection's index ahead of the first query. */
  warm(collection: Collection): Promise<void>;
}

export function createSearcher(store: Store, params: Bm25Params): Searcher {
  const cache = new Map<string, Promise<LoadedIndex>>();

  async function indexFor(collection: Collection): Promise<LoadedIndex> {
    const fresh = (await store.getCollection(collection.workspaceId, collection.name)) ?? collection;
    const cached = cache.get(collection.id);
    if (cached) {
      const idx = await cached;
      if (idx.generation === fresh.generation) return idx;
    }
    const loading = load(fresh);
    cache.set(collection.id, loading);
    loading.catch(() => cache.delete(collection.id));
    return loading;
  }

  async function load(collection: Collection): Promise<LoadedIndex> {
    const bm25 = createBm25Index(params);
    const idx: LoadedIndex = {
      generation: collection.generation,
      bm25,
      analyzer: getAnalyzer(collection.settings.analyzer.name),
      chunkIds: [],
      chunkDoc: new Int32Array(0),
      ordinals: new Int32Array(0),
      texts: [],
      locations: [],
      docIds: [],
      sourceIds: [],
      docMeta: [],
    };
    const docIndex = new Map<string, number>();
    const chunkDoc: number[] = [];
    const ordinals: number[] = [];
    for await (const c of store.iterateChunks(collection.id)) {
      let d = docIndex.get(c.documentId);
      if (d === undefined) {
        d = idx.docIds.length;
        docIndex.set(c.documentId, d);
        idx.docIds.push(c.documentId);
        idx.sourceIds.push(c.sourceId);
      }
      const key = idx.chunkIds.length;
      idx.chunkIds.push(c.id);
      idx.texts.push(c.text);
      idx.locations.push(c.location);
      chunkDoc.push(d);
      ordinals.push(c.ordinal);
      bm25.add(key, c.terms, c.termCount);
    }
    idx.chunkDoc = Int32Array.from(chunkDoc);
    idx.ordinals = Int32Array.from(ordinals);
    const docs = await store.getDocumentsByIds(idx.docIds);
    idx.docMeta = idx.docIds.map((id) => docs.get(id)?.metadata ?? {});
    return idx;
  }

  return {
    async warm(collection) {
      await indexFor(collection);
    },
    async search(req) {
      const t0 = performance.now();
      const idx = await indexFor(req.collection);
      const limit = req.limit ?? 10;
      const offset = req.offset ?? 0;
      const collapse = req.collapse ?? 'document';
      const terms = idx.analyzer.terms(req.query);
      let accept: ((key: number) => boolean) | undefined;
      if (req.filter && Object.keys(req.filter).length > 0) {
        const match = compileFilter(req.filter);
        const allowed = new Uint8Array(idx.docIds.length);
        idx.docMeta.forEach((m, i) => (allowed[i] = match(m) ? 1 : 0));
        accept = (key) => allowed[idx.chunkDoc[key]!] === 1;
      }
      const want = offset + limit;
      let picked: { key: number; score: number }[] = [];
      // Ask for more chunks until `want` distinct documents are found or the matches run out.
      for (let n = collapse === 'document' ? want * 3 : want; ; n *= 4) {
        const hits = idx.bm25.search(terms, { limit: n, accept });
        if (collapse === 'chunk') {
          picked = hits;
          break;
        }
        const seen = new Set<number>();
        picked = [];
        for (const h of hits) {
          const d = idx.chunkDoc[h.key]!;
          if (seen.has(d)) continue;
          seen.add(d);
          picked.push(h);
          if (picked.length === want) break;
        }
        if (picked.length >= want || hits.length < n) break;
      }
      const termSet = new Set(terms);
      const snippetChars = req.snippetChars ?? 240;
      const hits = picked.slice(offset).map((h, i): SearchHit => {
        const d = idx.chunkDoc[h.key]!;
        const meta = idx.docMeta[d]!;
        return {
          rank: offset + i + 1,
          score: h.score,
          documentId: idx.docIds[d]!,
          sourceId: idx.sourceIds[d]!,
          chunkId: idx.chunkIds[h.key]!,
          chunkOrdinal: idx.ordinals[h.key]!,
          title: meta.title,
          path: meta.path,
          location: idx.locations[h.key]!,
          snippet: snippetChars > 0 ? makeSnippet(idx.texts[h.key]!, termSet, idx.analyzer, { maxChars: snippetChars }) : undefined,
          metadata: meta,
        };
      });
      return { hits, terms, tookMs: performance.now() - t0 };
    },
  };
}

/** The analysis the ingest pipeline injects: chunk text → encoded term frequencies for the store. */
export function indexTextWith(analyzerName: string): (text: string) => { terms: string; termCount: number } {
  const analyzer = getAnalyzer(analyzerName);
  return (text) => {
    const terms = analyzer.terms(text);
    return { terms: encodeTermFreqs(terms), termCount: terms.length };
  };
}
