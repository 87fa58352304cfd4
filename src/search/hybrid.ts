// Retrieval beyond plain BM25: vector and hybrid modes, reranking and MMR, as one pipeline the searcher calls
// with its loaded table, its permission/metadata `accept` and its lexical search:
//   candidates (lexical, vector or both) → collapse to documents → fuse (hybrid) → rerank → MMR → top `want`.
// Lists are collapsed before fusing, so a document whose best lexical chunk and best vector chunk differ
// still gets the agreement of both lists; its representative chunk is the one from the list ranking it higher.
import { StrataError } from '../core/errors.js';
import type { Collection } from '../core/types.js';
import type { Reranker } from '../models/types.js';
import { fuse, type Candidate, type FusionMethod, type Normalization } from './fusion.js';
import { mmr } from './mmr.js';
import { rerankCandidates } from './rerank-step.js';
import type { ChunkTable, VectorSearcher } from './vector-search.js';

export type SearchMode = 'lexical' | 'vector' | 'hybrid';

export interface FusionSettings {
  method: FusionMethod;
  rrfK: number;
  /** Weighted fusion: weight of the vector list; lexical gets 1 − vectorWeight. */
  vectorWeight: number;
  normalization: Normalization;
  /** Candidates (documents, or chunks with --chunks) taken from each list before fusing, at least the page. */
  candidates: number;
}

export const DEFAULT_FUSION: FusionSettings = { method: 'rrf', rrfK: 60, vectorWeight: 0.5, normalization: 'minmax', candidates: 100 };

/**
 * Fusion defaults per embedder (by `Embedder.id`), for what the configuration and the request leave unset: how
 * much a model's similarities deserve to move a lexical ranking. The offline static word vectors are general
 * domain and weak (SciFact nDCG@10 alone 0.18; RRF with BM25 0.38 against BM25's 0.69), so hybrid search gives
 * them a tenth of the say in a score-weighted fusion, where they tie BM25 (0.6906) instead of dragging it down
 * (docs/BENCHMARKS.md). Models not listed get RRF. A prior shapes how the lists are fused, never how deep they
 * are, so the depth is known before the vector search tells which embedder answered.
 */
export const FUSION_PRIORS: Readonly<Record<string, Partial<Pick<FusionSettings, 'method' | 'rrfK' | 'vectorWeight' | 'normalization'>>>> = {
  'static:wink-sg-100d@100': { method: 'weighted', vectorWeight: 0.1, normalization: 'minmax' },
};

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Fusion settings in force: the request's, else the configuration's, else the embedder's prior, else RRF. */
export function effectiveFusion(embedderId: string | null | undefined, configured?: Partial<FusionSettings>, requested?: Partial<FusionSettings>): FusionSettings {
  return { ...DEFAULT_FUSION, ...(embedderId ? FUSION_PRIORS[embedderId] : undefined), ...defined(configured), ...defined(requested) };
}

/** The per-request retrieval options (all optional: the searcher's defaults apply). */
export interface RetrievalOptions {
  /** 'lexical' (BM25), 'vector' (embedding similarity) or 'hybrid' (both, fused). */
  mode?: SearchMode;
  fusion?: Partial<FusionSettings>;
  /** Re-score the first `topN` (default 50) results with a configured reranker. */
  rerank?: { name: string; topN?: number };
  /** Diversify the page: MMR with this λ (1 = relevance only) over the chunk vectors. */
  mmr?: { lambda: number };
  /** The embedder to embed the query with (must be the one that built the collection's index). */
  embedder?: string;
}

export interface RankInput {
  collection: Collection;
  table: ChunkTable & { readonly texts: readonly string[] };
  query: string;
  /** offset + limit: how many results the page needs. */
  want: number;
  collapse: 'document' | 'chunk';
  accept?: (key: number) => boolean;
  /** BM25 over the same table and filter. */
  lexical: (n: number) => Candidate[];
}

export interface HybridRanker {
  readonly defaultMode: SearchMode;
  /** Up to `want` results (chunk keys), best first, one per document unless collapse is 'chunk'. */
  rank(input: RankInput, options: RetrievalOptions): Promise<Candidate[]>;
}

export interface HybridRankerOptions {
  vectors: VectorSearcher;
  resolveReranker?: (name: string) => Reranker | Promise<Reranker>;
  defaultMode?: SearchMode;
  fusion?: Partial<FusionSettings>;
}

/** Whether a request needs the ranker (anything but plain lexical ranking). */
export function wantsRanker(req: RetrievalOptions, ranker: HybridRanker | undefined): boolean {
  return (req.mode ?? ranker?.defaultMode ?? 'lexical') !== 'lexical' || req.rerank !== undefined || req.mmr !== undefined;
}

export function requireRanker(ranker: HybridRanker | undefined): HybridRanker {
  if (ranker) return ranker;
  throw new StrataError('search', 'invalid-input', 'vector and hybrid search, reranking and MMR need the semantic search service, which this searcher was created without', {
    hint: 'create the searcher with a ranker (createHybridRanker), as the CLI and server do',
  });
}

export function createHybridRanker(options: HybridRankerOptions): HybridRanker {
  return {
    defaultMode: options.defaultMode ?? 'lexical',
    async rank(input, req) {
      const mode = req.mode ?? options.defaultMode ?? 'lexical';
      const { want, collapse, table } = input;
      // Depth of each list: the page, or more when fusion, reranking or MMR need a pool to choose from.
      const pooled = mode === 'hybrid' || req.rerank !== undefined || req.mmr !== undefined;
      const depth = pooled ? Math.max(want, effectiveFusion(undefined, options.fusion, req.fusion).candidates, req.rerank?.topN ?? 0) : want;
      let embedderId: string | undefined;
      const vector = async (n: number) => {
        const found = await options.vectors.search({ collection: input.collection, table, query: input.query, k: n, accept: input.accept, embedder: req.embedder });
        embedderId = found.embedderId;
        return found.hits;
      };
      const lexical = async (n: number) => input.lexical(n);

      let ranked: Candidate[];
      if (mode === 'lexical') ranked = await collapsed(lexical, depth, collapse, table);
      else if (mode === 'vector') ranked = await collapsed(vector, depth, collapse, table);
      else {
        const lists = [await collapsed(lexical, depth, collapse, table), await collapsed(vector, depth, collapse, table)];
        // The fusion the answering embedder calls for (its prior), under the configuration's and the request's.
        const fusion = effectiveFusion(embedderId, options.fusion, req.fusion);
        ranked = fuseLists(lists, collapse, table, {
          method: fusion.method,
          rrfK: fusion.rrfK,
          normalization: fusion.normalization,
          weights: fusion.method === 'weighted' ? [1 - fusion.vectorWeight, fusion.vectorWeight] : undefined,
        });
      }
      if (req.rerank) {
        if (!options.resolveReranker) throw new StrataError('search', 'invalid-input', 'no rerankers are configured', { hint: 'add one under `rerankers:` in the config' });
        const reranker = await options.resolveReranker(req.rerank.name);
        ranked = await rerankCandidates(reranker, input.query, ranked, (k) => table.texts[k]!, { topN: req.rerank.topN });
      }
      if (req.mmr) {
        const vectorOf = await options.vectors.vectorsFor(input.collection, table);
        ranked = mmr(ranked, { lambda: req.mmr.lambda, k: want, vectorOf });
      }
      return ranked.slice(0, want);
    },
  };
}

/**
 * The first `want` results of a ranked chunk source, one per document for 'document': asks the source for
 * more (×4) until that many distinct documents came back or the source ran out.
 */
export async function collapsed(
  source: (n: number) => Promise<Candidate[]>,
  want: number,
  collapse: 'document' | 'chunk',
  table: ChunkTable,
): Promise<Candidate[]> {
  if (collapse === 'chunk') return source(want);
  for (let n = want * 3; ; n *= 4) {
    const hits = await source(n);
    const seen = new Set<number>();
    const picked: Candidate[] = [];
    for (const h of hits) {
      const d = table.chunkDoc[h.key]!;
      if (seen.has(d)) continue;
      seen.add(d);
      picked.push(h);
      if (picked.length === want) break;
    }
    if (picked.length >= want || hits.length < n) return picked;
  }
}

/**
 * Fuses collapsed lists. For documents, fusion is over document positions and each document comes back as
 * the chunk of the list that ranked it highest (the first list on a tie).
 */
export function fuseLists(
  lists: readonly Candidate[][],
  collapse: 'document' | 'chunk',
  table: ChunkTable,
  options: Parameters<typeof fuse>[1],
): Candidate[] {
  if (collapse === 'chunk') return fuse(lists, options);
  const best = new Map<number, { chunk: number; rank: number }>();
  const byDoc = lists.map((list) =>
    list.map((c, rank) => {
      const d = table.chunkDoc[c.key]!;
      const b = best.get(d);
      if (!b || rank < b.rank) best.set(d, { chunk: c.key, rank });
      return { key: d, score: c.score };
    }),
  );
  return fuse(byDoc, options).map((c) => ({ key: best.get(c.key)!.chunk, score: c.score }));
}
