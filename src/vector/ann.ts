// The ANN engine: exact search over a dense matrix for small indexes, an HNSW graph (hnswlib) once the
// index passes `exactBelow` vectors, and filtered search that still returns k hits when k labels pass the
// filter. Labels are the caller's integers (chunk seqs); vectors are L2-normalised, scores are cosine.
// It knows nothing of collections or the store: src/search wires it (see sync.ts for catch-up).
import { StrataError } from '../core/errors.js';
import { type AnnHit, checkLabel, createFlatVectors, type FlatVectors, normalise } from './flat.js';
import { createGraph, type Graph, type GraphParams } from './hnsw.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

export type { AnnHit } from './flat.js';

const C = 'vector';

export interface AnnIndexOptions {
  dimensions: number;
  /**
   * HNSW links per node. Default 32: on 100k word vectors (bench/ann.ts, docs/BENCHMARKS.md) M 16 needs
   * ef 256+ for recall@10 0.95, M 32 reaches it at ef 128 in about the same time per query.
   */
  m?: number;
  /** HNSW build beam. Default 200. */
  efConstruction?: number;
  /** Default search beam. Default 128 (recall@10 ≈ 0.95 on the word-vector benchmark, p50 < 1 ms). */
  ef?: number;
  /**
   * Below this many vectors every search is exact and no graph is built. Default: half a million
   * multiply-adds per query (5,000 vectors of 100 dimensions, 1,300 of 384; at least 1,000): the exact
   * scan runs at ~1.5 ns per multiply-add here (16 ms for 100k × 100 d), so this stays under a millisecond.
   */
  exactBelow?: number;
  /** Seed of the graph's level generator (reproducible builds). Default 100. */
  seed?: number;
}

export interface AnnSearchOptions {
  /** Only labels for which this returns true are returned (ACL and metadata filters): applied inside the search. */
  accept?: (label: number) => boolean;
  /** How many labels `accept` admits, if the caller knows (else it is estimated by sampling). */
  acceptCount?: number;
  /** Search beam for this query (HNSW only); higher is slower and more exact. */
  ef?: number;
  /** Force an exact scan (ground truth, evaluation). */
  exact?: boolean;
}

export interface AnnStats {
  size: number;
  dimensions: number;
  /** 'hnsw' once the graph exists and the index is large enough to use it. */
  engine: 'exact' | 'hnsw';
  graphSlots: number;
  graphTombstones: number;
  /** JS-side bytes (matrix, labels, label map); the graph's native memory comes on top (≈ size × (d·4 + m·8)). */
  heapBytes: number;
}

export interface AnnIndex {
  readonly dimensions: number;
  /** Live labels. */
  readonly size: number;
  has(label: number): boolean;
  /** Adds a vector, or replaces the vector of a label already present. Wrong length or non-finite → invalid-input. */
  add(label: number, vector: ArrayLike<number>): void;
  /** Removes a label; false when it was not present. */
  remove(label: number): boolean;
  /** Live labels, in no particular order. */
  labels(): Uint32Array;
  /** A copy of a label's stored vector (L2-normalised), e.g. for MMR; undefined when absent. */
  vector(label: number): Float32Array | undefined;
  /** The k best hits, best first. */
  search(query: ArrayLike<number>, k: number, options?: AnnSearchOptions): AnnHit[];
  /** Writes a snapshot (atomically: temp + rename); `meta` is stored with it and returned by `loadAnnIndex`. */
  save(file: string, meta?: Record<string, unknown>): Promise<void>;
  stats(): AnnStats;
}

const defaults = (o: AnnIndexOptions) => {
  if (!Number.isSafeInteger(o.dimensions) || o.dimensions <= 0) {
    throw new StrataError(C, 'invalid-input', `ANN dimensions must be a positive integer, got ${String(o.dimensions)}`);
  }
  const positive = (name: string, v: number | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    if (!Number.isSafeInteger(v) || v <= 0) throw new StrataError(C, 'invalid-input', `ANN option ${name} must be a positive integer, got ${String(v)}`);
    return v;
  };
  return {
    dimensions: o.dimensions,
    m: positive('m', o.m, 32),
    efConstruction: positive('efConstruction', o.efConstruction, 200),
    ef: positive('ef', o.ef, 128),
    exactBelow: positive('exactBelow', o.exactBelow, Math.max(1000, Math.round(500_000 / o.dimensions))),
    seed: o.seed ?? 100,
  };
};
type Resolved = ReturnType<typeof defaults>;

const SAMPLE = 512;

/**
 * Whether a filtered query is cheaper as an exact scan of the accepted labels than as a filtered graph walk,
 * in units of one JS multiply-add. The scan pays a callback (~6 units) per label and d per accepted one;
 * hnswlib must find `ef` accepted nodes, so it visits about ef / selectivity nodes at ~0.22 · 2M · d each
 * (native SIMD), plus a fixed ~120 · 2M · d. Calibrated on 100k × 100 d, M 32 (filtered p50: exact 1.1 ms
 * vs graph 1.8 ms at 10 % selectivity, 1.9 vs 1.1 ms at 20 %): the crossover sits near 15 % there.
 */
function exactIsCheaper(size: number, accepted: number, dims: number, m: number, ef: number): boolean {
  const selectivity = Math.max(1, accepted) / size;
  const scan = size * (6 + selectivity * dims);
  const walk = ((0.22 * ef) / selectivity + 120) * 2 * m * dims;
  return scan <= walk;
}

export function createAnnIndex(options: AnnIndexOptions): AnnIndex {
  return build(defaults(options), createFlatVectors(options.dimensions), null);
}

/**
 * Reads a snapshot written by `save`. A snapshot that is missing, truncated, altered or of other dimensions
 * throws a StrataError (`not-found`, `integrity` or `invalid-input`); the caller rebuilds from the store.
 */
export async function loadAnnIndex(file: string, options: AnnIndexOptions): Promise<{ index: AnnIndex; meta: Record<string, unknown> }> {
  const o = defaults(options);
  const snap = await readSnapshot(file, o.dimensions);
  const flat = createFlatVectors(o.dimensions, { labels: snap.labels, matrix: snap.matrix });
  const graph = snap.readGraph ? snap.readGraph((l) => flat.has(l)) : null;
  if (graph) {
    const inGraph = new Set(graph.labels());
    for (let s = 0; s < flat.size; s++) {
      if (!inGraph.has(flat.labelAt(s))) throw new StrataError(C, 'integrity', `ANN snapshot ${file}: the graph lacks label ${flat.labelAt(s)}`);
    }
  }
  return { index: build(o, flat, graph), meta: snap.meta };
}

function build(o: Resolved, flat: FlatVectors, initialGraph: Graph | null): AnnIndex {
  let graph = initialGraph;
  const params: GraphParams = { m: o.m, efConstruction: o.efConstruction, seed: o.seed };
  const isLive = (l: number) => flat.has(l);

  const buildGraph = () => {
    const g = createGraph(o.dimensions, Math.ceil(flat.size * 1.25), params, isLive);
    for (let s = 0; s < flat.size; s++) {
      const label = flat.labelAt(s);
      g.add(label, flat.get(label)!, false);
    }
    graph = g;
  };

  const useGraph = () => graph !== null && flat.size >= o.exactBelow;

  const estimateAccepted = (accept: (label: number) => boolean): number => {
    const n = flat.size;
    if (n <= SAMPLE) {
      let c = 0;
      for (let s = 0; s < n; s++) if (accept(flat.labelAt(s))) c++;
      return c;
    }
    // Evenly spaced sample: slots follow insertion order, which tracks documents, so strides see all of them.
    let hits = 0;
    const step = n / SAMPLE;
    for (let i = 0; i < SAMPLE; i++) if (accept(flat.labelAt(Math.floor(i * step)))) hits++;
    return Math.round((hits / SAMPLE) * n);
  };

  const index: AnnIndex = {
    dimensions: o.dimensions,
    get size() {
      return flat.size;
    },
    has: (label) => flat.has(label),
    add(label, vector) {
      checkLabel(label);
      const unit = normalise(vector, o.dimensions, `vector of label ${label}`);
      const wasLive = flat.has(label);
      flat.set(label, unit);
      if (graph) graph.add(label, unit, wasLive);
      else if (flat.size >= o.exactBelow) buildGraph();
    },
    remove(label) {
      if (!flat.remove(label)) return false;
      graph?.remove(label);
      return true;
    },
    labels: () => flat.labels(),
    vector: (label) => flat.get(label)?.slice(),
    search(query, k, opts = {}) {
      if (!Number.isSafeInteger(k) || k < 0) throw new StrataError(C, 'invalid-input', `k must be a non-negative integer, got ${String(k)}`);
      const q = normalise(query, o.dimensions, 'query vector');
      const want = Math.min(k, flat.size);
      if (want === 0) return [];
      const { accept } = opts;
      if (opts.exact || !useGraph()) return flat.search(q, want, accept);
      const ef = opts.ef ?? o.ef;
      if (!accept) return graph!.search(q, want, ef);
      const accepted = opts.acceptCount ?? estimateAccepted(accept);
      if (accepted <= want || exactIsCheaper(flat.size, accepted, o.dimensions, o.m, ef)) return flat.search(q, want, accept);
      // hnswlib keeps walking until `ef` accepted candidates are found, so the beam needs no inflation for
      // k; a graph region where accepted labels are rare can still come up short, and then exact answers.
      const hits = graph!.search(q, want, ef, accept);
      return hits.length >= want ? hits : flat.search(q, want, accept);
    },
    async save(file, meta = {}) {
      const { labels, matrix } = flat.export();
      await writeSnapshot(file, {
        dimensions: o.dimensions,
        labels,
        matrix,
        params: { m: o.m, efConstruction: o.efConstruction },
        writeGraph: graph ? (path) => graph!.writeSync(path) : null,
        meta,
      });
    },
    stats: () => ({
      size: flat.size,
      dimensions: o.dimensions,
      engine: useGraph() ? 'hnsw' : 'exact',
      graphSlots: graph?.slots ?? 0,
      graphTombstones: graph?.tombstones ?? 0,
      heapBytes: flat.bytes(),
    }),
  };
  return index;
}
