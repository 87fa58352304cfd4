// Clustered synthetic vectors for ANN tests: uniform random vectors are nearly equidistant in high
// dimensions, which flatters or breaks ANN recall unrealistically; embeddings come in topical clusters.
import { seededRandom } from '../core/random.js';
export const rng = seededRandom;

export interface Clustered {
  vectors: Float32Array[];
  queries: Float32Array[];
  /** Cluster of each vector. */
  cluster: Int32Array;
}

/** `n` vectors in `clusters` Gaussian clusters of uneven sizes, plus `q` queries drawn the same way. */
export function clustered(n: number, q: number, dims: number, clusters: number, seed = 1): Clustered {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centers = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  // Zipf-like cluster sizes: a few big topics, many small ones.
  const weights = centers.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let x = r() * total;
    for (let i = 0; i < clusters; i++) if ((x -= weights[i]!) <= 0) return i;
    return clusters - 1;
  };
  const draw = (c: number) => {
    const center = centers[c]!;
    return Float32Array.from({ length: dims }, (_, i) => center[i]! + 0.45 * gauss());
  };
  const cluster = new Int32Array(n);
  const vectors = Array.from({ length: n }, (_, i) => draw((cluster[i] = pick())));
  const queries = Array.from({ length: q }, () => draw(pick()));
  return { vectors, queries, cluster };
}
