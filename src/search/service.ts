// Lexical search over a collection: keeps one in-memory BM25 index per collection, rebuilt from the store
// when the collection's generation changes, applies the caller's permissions and metadata filters before
// the top-k cut, collapses chunks to documents and makes highlighted snippets. Document fetch, listing and
// counting go through the same permission check (getDocumentFor, listDocumentsFor, countDocumentsFor).
import { canRead, principalsKey } from '../core/access.js';
import { StrataError } from '../core/errors.js';
import type { Caller, Collection, ChunkLocation, Document } from '../core/types.js';
import type { Store } from '../store/types.js';
import { assertSameWorkspace, createPolicyCache, lru, type AclSlot, type PolicySnapshot } from './acl.js';
import { getAnalyzer, type Analyzer } from './analyzers.js';
import { createBm25Index, encodeTermCounts, type Bm25Index, type Bm25Params } from './bm25.js';
import { compileFilter, type Filter } from './filters.js';
import { requireRanker, wantsRanker, type HybridRanker, type RetrievalOptions } from './hybrid.js';
import { createSnippetCache, makeSnippet } from './snippet.js';

/** `mode`, `fusion`, `rerank`, `mmr`, `embedder`: see search/hybrid.ts (lexical when absent). */
export interface SearchRequest extends RetrievalOptions {
  /** Who asks: only documents the caller may read are ranked, counted or shown. */
  caller: Caller;
  collection: Collection;
  /**
   * `collection` was read from the store for this very request (as the server's routes do), so the searcher
   * need not read it again to learn its current generations.
   */
  fresh?: boolean;
  query: string;
  limit?: number;
  offset?: number;
  filter?: Filter;
  /** 'document' (default) returns each document once, with its best chunk; 'chunk' returns chunks. */
  collapse?: 'document' | 'chunk';
  /** Snippet length in characters; 0 disables snippets. */
  snippetChars?: number;
  /** Also count the documents that match and that the caller may read (`total`). */
  countTotal?: boolean;
  /** Metadata fields to count values of, over every matching document the caller may read (`facets`). */
  facets?: string[];
}

export interface FacetValue {
  value: string | number | boolean;
  count: number;
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
  /** Matching documents the caller may read (when `countTotal` or `facets` was asked). */
  total?: number;
  /** Per requested field, its most frequent values among those documents (at most 20, most frequent first). */
  facets?: Record<string, FacetValue[]>;
  tookMs: number;
}

interface LoadedIndex extends AclSlot {
  generation: number;
  bm25: Bm25Index;
  analyzer: Analyzer;
  chunkIds: string[];
  chunkDoc: Int32Array;
  ordinals: Int32Array;
  /** Chunk seqs by position, ascending (the store yields chunks in seq order): ANN labels of vector search. */
  seqs: Int32Array;
  texts: string[];
  locations: ChunkLocation[];
  docIds: string[];
  sourceIds: string[];
  docMeta: Document['metadata'][];
}

export interface SearcherStats {
  /** Text indexes built from the store (a policy change never adds one). */
  indexLoads: number;
  /** Policy snapshots read from the store. */
  policyLoads: number;
  /** Permission bitmaps computed (one per index, policy snapshot and distinct principal set). */
  bitmapBuilds: number;
  /** Chunk texts held by the snippet cache. */
  snippetCacheEntries: number;
  /** Searches answered from the result cache. */
  resultCacheHits: number;
}

export interface Searcher {
  search(req: SearchRequest): Promise<SearchResponse>;
  /** The document if it exists and the caller may read it; null otherwise, so existence does not leak. */
  getDocumentFor(caller: Caller, collection: Collection, idOrSourceId: string): Promise<Document | null>;
  /** Documents the caller may read, by source id. */
  listDocumentsFor(caller: Caller, collection: Collection, page?: { limit?: number; offset?: number }): Promise<Document[]>;
  /** How many documents the caller may read. */
  countDocumentsFor(caller: Caller, collection: Collection): Promise<number>;
  /**
   * Loads (or refreshes) a collection's index ahead of the first query. With `snippets`, also analyzes chunks
   * for snippets while the snippet cache has room (a server about to listen: a fresh process would otherwise
   * analyze every chunk it first shows, and stem every word it first meets, while requests queue).
   */
  warm(collection: Collection, options?: { snippets?: boolean }): Promise<void>;
  readonly stats: Readonly<SearcherStats>;
}

export interface SearcherOptions {
  /** Distinct principal sets whose permission bitmaps are kept per collection (LRU). Default 32. */
  aclCacheSize?: number;
  /** Tokens of recently snippeted chunks kept for later snippets (LRU, ~12 bytes each). Default 2,000,000. */
  snippetCacheTokens?: number;
  /** Vector and hybrid modes, reranking and MMR (search/hybrid.ts); without it the searcher is lexical only. */
  ranker?: HybridRanker;
  /**
   * Lexical answers kept for repeated identical requests (LRU by count; 0 disables). Keyed by the collection's
   * content and policy generations and the caller's principal set, so a write, a policy change or another
   * caller never gets a stale or foreign answer. Default 1,000.
   */
  resultCacheEntries?: number;
}

export function createSearcher(store: Store, params: Bm25Params, options: SearcherOptions = {}): Searcher {
  const cache = new Map<string, Promise<LoadedIndex>>();
  const acl = createPolicyCache(store, options.aclCacheSize);
  const snippets = createSnippetCache(options.snippetCacheTokens);
  const resultCacheEntries = options.resultCacheEntries ?? 1000;
  const results = lru<Omit<SearchResponse, 'tookMs'>>(Math.max(1, resultCacheEntries));
  let resultHits = 0;
  let indexLoads = 0;

  /** The collection as stored now, with both generations read before anything is loaded for them. */
  async function current(collection: Collection, fresh = false): Promise<{ col: Collection; policyGeneration: number }> {
    const col = fresh && collection.policyGeneration !== undefined ? collection : await store.getCollection(collection.workspaceId, collection.name);
    if (!col) {
      throw new StrataError('search', 'not-found', `collection "${collection.name}" not found`, { hint: 'it may have been deleted' });
    }
    return { col, policyGeneration: col.policyGeneration ?? (await store.policyGeneration(col.id)) };
  }

  async function indexFor(fresh: Collection): Promise<LoadedIndex> {
    const cached = await cache.get(fresh.id)?.catch(() => undefined);
    if (cached && cached.generation === fresh.generation) return cached;
    indexLoads++;
    const loading = load(fresh);
    cache.set(fresh.id, loading);
    loading.then(
      (next) => {
        // Chunks gone from the collection (deleted, replaced) leave the snippet cache with their text, and answers
        // of the older content leave the result cache.
        if (!cached) return;
        results.deleteWhere((key) => key.startsWith(`${fresh.id}\n`) && !key.startsWith(`${fresh.id}\n${next.generation}\n`));
        const live = new Set(next.chunkIds);
        snippets.forget(cached.chunkIds.filter((id) => !live.has(id)));
      },
      () => cache.delete(fresh.id),
    );
    return loading;
  }

  async function snapshotFor(collection: Collection): Promise<PolicySnapshot> {
    const { col, policyGeneration } = await current(collection);
    return acl.snapshot(col.id, col.generation, policyGeneration);
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
      seqs: new Int32Array(0),
      texts: [],
      locations: [],
      docIds: [],
      sourceIds: [],
      docMeta: [],
    };
    const docIndex = new Map<string, number>();
    const chunkDoc: number[] = [];
    const ordinals: number[] = [];
    const seqs: number[] = [];
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
      seqs.push(c.seq);
      bm25.add(key, c.terms, c.termCount);
    }
    idx.chunkDoc = Int32Array.from(chunkDoc);
    idx.ordinals = Int32Array.from(ordinals);
    idx.seqs = Int32Array.from(seqs);
    const docs = await store.getDocumentsByIds(idx.docIds);
    idx.docMeta = idx.docIds.map((id) => docs.get(id)?.metadata ?? {});
    return idx;
  }

  function snippetOf(idx: LoadedIndex, key: number, termSet: ReadonlySet<string>, maxChars: number) {
    const text = idx.texts[key]!;
    // Chunk ids are unique; the cache also checks the text and analyzer, so a reused id is never stale.
    const index = termSet.size === 0 ? undefined : snippets.index(idx.chunkIds[key]!, text, idx.analyzer);
    return makeSnippet(text, termSet, idx.analyzer, { maxChars, index });
  }

  return {
    get stats() {
      return { indexLoads, ...acl.stats, snippetCacheEntries: snippets.size, resultCacheHits: resultHits };
    },
    async warm(collection, { snippets: prime = false } = {}) {
      const idx = await indexFor((await current(collection)).col);
      if (!prime) return;
      for (let key = 0; key < idx.texts.length && snippets.tokens + idx.texts[key]!.length / 4 < snippets.maxTokens; key++) {
        snippets.index(idx.chunkIds[key]!, idx.texts[key]!, idx.analyzer);
      }
    },
    async getDocumentFor(caller, collection, idOrSourceId) {
      assertSameWorkspace(caller, collection);
      // Read from the store, not from a cache: a policy change applies to the very next fetch.
      const doc = await store.getDocument(collection.id, idOrSourceId);
      if (!doc) return null;
      return caller.bypassAcl === true || canRead(doc.accessPolicy, new Set(caller.principals)) ? doc : null;
    },
    async listDocumentsFor(caller, collection, { limit = 100, offset = 0 } = {}) {
      assertSameWorkspace(caller, collection);
      if (caller.bypassAcl === true) return store.listDocuments({ collectionId: collection.id, limit, offset });
      const principals = new Set(caller.principals);
      const out: Document[] = [];
      let skip = offset;
      for (let at = 0; out.length < limit; at += 500) {
        const page = await store.listDocuments({ collectionId: collection.id, limit: 500, offset: at });
        for (const d of page) {
          if (!canRead(d.accessPolicy, principals)) continue;
          if (skip > 0) skip--;
          else if (out.length < limit) out.push(d);
        }
        if (page.length < 500) break;
      }
      return out;
    },
    async countDocumentsFor(caller, collection) {
      assertSameWorkspace(caller, collection);
      if (caller.bypassAcl === true) return store.countDocuments(collection.id);
      return acl.count(await snapshotFor(collection), caller);
    },
    async search(req) {
      const t0 = performance.now();
      const { caller } = req;
      assertSameWorkspace(caller, req.collection);
      const { col, policyGeneration } = await current(req.collection, req.fresh === true);
      const limit = req.limit ?? 10;
      const offset = req.offset ?? 0;
      const collapse = req.collapse ?? 'document';
      const snippetChars = req.snippetChars ?? 240;
      // Vector modes depend on the active index version too, which the key does not hold: only lexical answers are cached.
      const cacheKey =
        resultCacheEntries > 0 && !wantsRanker(req, options.ranker)
          ? `${col.id}\n${col.generation}\n${policyGeneration}\n${caller.bypassAcl === true ? '(operator)' : principalsKey(caller.principals)}\n${JSON.stringify([
              req.query,
              limit,
              offset,
              req.filter ?? null,
              collapse,
              snippetChars,
              req.countTotal === true,
              req.facets ?? null,
            ])}`
          : undefined;
      const cached = cacheKey === undefined ? undefined : results.get(cacheKey);
      if (cached) {
        resultHits++;
        return { ...cached, tookMs: performance.now() - t0 };
      }
      const idx = await indexFor(col);
      const terms = idx.analyzer.terms(req.query);
      // Permissions and metadata filters become one per-document bitmap, applied inside the BM25 loop, so the
      // top-k is cut from documents the caller may read: a restrictive policy never starves the page.
      let allowed: Uint8Array | undefined;
      if (caller.bypassAcl !== true) {
        const snapshot = await acl.snapshot(col.id, col.generation, policyGeneration);
        const bitmap = acl.bitmap(idx, idx.docIds, snapshot, caller);
        if (!bitmap.all) allowed = bitmap.bits;
      }
      if (req.filter && Object.keys(req.filter).length > 0) {
        const match = compileFilter(req.filter);
        const both = new Uint8Array(idx.docIds.length);
        idx.docMeta.forEach((m, i) => (both[i] = (allowed === undefined || allowed[i] === 1) && match(m) ? 1 : 0));
        allowed = both;
      }
      const bits = allowed;
      const accept = bits && ((key: number) => bits[idx.chunkDoc[key]!] === 1);
      const want = offset + limit;
      let picked: { key: number; score: number }[] = [];
      // Totals and facets see every match the pre-filter accepts: the caller's permissions apply to them too. They
      // count lexical matches (documents holding a query term), whatever the mode ranks by.
      const counting = req.countTotal === true || (req.facets?.length ?? 0) > 0;
      const matched = counting ? new Uint8Array(idx.docIds.length) : undefined;
      let onMatch = matched && ((key: number) => (matched[idx.chunkDoc[key]!] = 1));
      const lexical = (n: number) => idx.bm25.search(terms, { limit: n, accept });
      if (wantsRanker(req, options.ranker)) {
        if (onMatch) idx.bm25.search(terms, { limit: 1, accept, onMatch });
        picked = await requireRanker(options.ranker).rank({ collection: col, table: idx, query: req.query, want, collapse, accept, lexical }, req);
      }
      // Ask for more chunks until `want` distinct documents are found or the matches run out.
      else for (let n = collapse === 'document' ? want * 3 : want; ; n *= 4) {
        const hits = idx.bm25.search(terms, { limit: n, accept, onMatch });
        onMatch = undefined; // every match was seen by the first pass
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
          snippet: snippetChars > 0 ? snippetOf(idx, h.key, termSet, snippetChars) : undefined,
          metadata: meta,
        };
      });
      const answer = { hits, terms, ...(matched && summarize(matched, idx.docMeta, req.facets ?? [])) };
      if (cacheKey !== undefined) results.set(cacheKey, answer);
      return { ...answer, tookMs: performance.now() - t0 };
    },
  };
}

/** Total and facet counts over the matched documents (`matched[d] === 1`). */
function summarize(matched: Uint8Array, meta: readonly Document['metadata'][], fields: readonly string[]): { total: number; facets?: Record<string, FacetValue[]> } {
  let total = 0;
  const counts = fields.map(() => new Map<string | number | boolean, number>());
  for (let d = 0; d < matched.length; d++) {
    if (matched[d] !== 1) continue;
    total++;
    fields.forEach((f, i) => {
      const v = meta[d]![f];
      for (const x of Array.isArray(v) ? v : [v]) {
        if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') counts[i]!.set(x, (counts[i]!.get(x) ?? 0) + 1);
      }
    });
  }
  if (fields.length === 0) return { total };
  const facets: Record<string, FacetValue[]> = {};
  fields.forEach((f, i) => {
    facets[f] = [...counts[i]!]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)))
      .slice(0, 20);
  });
  return { total, facets };
}

/** The analysis the ingest pipeline injects: chunk text → encoded term frequencies for the store. */
export function indexTextWith(analyzerName: string): (text: string) => { terms: string; termCount: number } {
  const analyzer = getAnalyzer(analyzerName);
  return (text) => {
    // Byte-identical to encodeTermFreqs(analyzer.terms(text)), without the intermediate term list.
    const { terms, freqs, total } = analyzer.termFreqs(text);
    return { terms: encodeTermCounts(terms, freqs), termCount: total };
  };
}
