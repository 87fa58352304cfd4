// The BEIR retrieval benchmark: ingest corpus.jsonl into a fresh temporary store through the real
// pipeline, run every test query through the real search service, score with pytrec_eval definitions.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { operatorCaller } from '../core/access.js';
import type { StrataConfig } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import { syncFolder } from '../ingest/sync.js';
import { openStore } from '../store/open.js';
import { mean, mrrAtK, ndcgAtK, recallAtK } from '../search/metrics.js';
import { effectiveFusion, type FusionSettings, type SearchMode } from '../search/hybrid.js';
import { semanticFromConfig } from '../search/semantic.js';
import { createSearcher, indexTextWith } from '../search/service.js';

export interface BeirResult {
  dataset: string;
  mode: SearchMode;
  /** Embedder id the vector index was built with (vector and hybrid modes), else null. */
  embedder: string | null;
  /** Fusion used by hybrid mode, else null. */
  fusion: Pick<FusionSettings, 'method' | 'rrfK' | 'vectorWeight' | 'normalization' | 'candidates'> | null;
  /** Time to embed the corpus and activate the index version (vector and hybrid modes; counted apart from ingest). */
  embed_seconds: number;
  queries: number;
  documents: number;
  chunks: number;
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
  /** nDCG@10 on two halves of the queries split by a hash of their id (a check that no half is favoured). */
  'ndcg@10_half_a': number;
  'ndcg@10_half_b': number;
  ingest_seconds: number;
  ingest_docs_per_s: number;
  search_p50_ms: number;
  search_p95_ms: number;
  search_p99_ms: number;
  peak_rss_mb: number;
  index_bytes: number;
  params: { k1: number; b: number; analyzer: string; maxTokens: number; overlapTokens: number };
}

export interface BeirOptions {
  dir: string;
  config: StrataConfig;
  split?: string;
  /** Keep the temporary store (for inspection) instead of deleting it. */
  keep?: boolean;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Retrieval mode (default lexical). */
  mode?: SearchMode;
  /** Embedder name for vector and hybrid modes (default: static, the offline word vectors). */
  embedder?: string;
  /** Hybrid fusion overrides (defaults: search.fusion of the config). */
  fusion?: Partial<FusionSettings>;
}

export interface BeirData {
  queries: Map<string, string>;
  qrels: Map<string, Map<string, number>>;
}

/** Reads queries.jsonl and qrels/<split>.tsv; only queries that have qrels are kept (the BEIR convention). */
export function readBeir(dir: string, split = 'test'): BeirData {
  const need = ['corpus.jsonl', 'queries.jsonl', join('qrels', `${split}.tsv`)];
  for (const f of need) {
    if (!existsSync(join(dir, f))) {
      throw new StrataError('bench', 'invalid-input', `${join(dir, f)} not found`, {
        hint: `a BEIR directory holds ${need.join(', ')}`,
      });
    }
  }
  const qrels = new Map<string, Map<string, number>>();
  const lines = readFileSync(join(dir, 'qrels', `${split}.tsv`), 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    const [q, d, s] = line.trim().split('\t');
    if (!q || d === undefined || s === undefined) continue;
    if (i === 0 && Number.isNaN(Number(s))) continue; // header row
    const score = Number(s);
    if (!Number.isFinite(score)) throw new StrataError('bench', 'invalid-input', `qrels line ${i + 1}: score "${s}" is not a number`);
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, score);
  }
  const queries = new Map<string, string>();
  for (const [i, line] of readFileSync(join(dir, 'queries.jsonl'), 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let o: { _id?: unknown; text?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      throw new StrataError('bench', 'invalid-input', `queries.jsonl line ${i + 1} is not valid JSON`);
    }
    const id = String(o._id);
    if (qrels.has(id) && typeof o.text === 'string') queries.set(id, o.text);
  }
  return { queries, qrels };
}

export async function runBeir(opts: BeirOptions): Promise<BeirResult> {
  const dir = resolve(opts.dir);
  const data = readBeir(dir, opts.split);
  const work = mkdtempSync(join(tmpdir(), 'strata-beir-'));
  // Ingest only the corpus: the folder we sync holds a link to corpus.jsonl and nothing else.
  const source = join(work, 'source');
  const config: StrataConfig = { ...opts.config, dataDir: join(work, 'data') };
  const store = await openStore(config);
  try {
    mkdirSync(source);
    symlinkSync(join(dir, 'corpus.jsonl'), join(source, 'corpus.jsonl'));
    const ws = await store.ensureWorkspace('bench');
    const collection = await store.createCollection({
      workspaceId: ws.id,
      name: 'beir',
      settings: { chunking: config.chunking, analyzer: config.search.analyzer },
    });
    const mode = opts.mode ?? 'lexical';
    // Embedders come from the caller's config and data directory (so the static vectors' converted cache is
    // reused); the throw-away store keeps no ANN snapshots.
    const semantic = semanticFromConfig(store, opts.config, { snapshots: false });
    const searcher = createSearcher(store, config.search.bm25, { ranker: semantic.ranker, resultCacheEntries: 0 /* every query timed for real */ });
    const t0 = performance.now();
    const report = await syncFolder({
      store,
      collection,
      root: source,
      ingest: { ...config.ingest, followSymlinks: true, exclude: [] },
      indexText: indexTextWith(config.search.analyzer.name),
    });
    const failed = report.outcomes.find((o) => o.status === 'failed');
    if (failed) throw new StrataError('bench', 'invalid-input', `corpus.jsonl could not be ingested: ${failed.reason}`);
    await searcher.warm(collection); // the in-memory index build counts as part of ingest
    const ingestSeconds = (performance.now() - t0) / 1000;
    opts.onProgress?.('ingested', report.documents.inserted, report.documents.inserted);
    let embedderId: string | null = null;
    let embedSeconds = 0;
    if (mode !== 'lexical') {
      const t1 = performance.now();
      const version = await semantic.builder.start(collection, opts.embedder ?? 'static');
      const active = await semantic.builder.run(version.id, { onProgress: (p) => opts.onProgress?.('embedding', p.embedded, p.total) });
      embedderId = active.embedderId;
      // The first vector query loads the ANN index: part of building it, not of a query's latency.
      await searcher.search({ caller: operatorCaller(ws.id, 'bench'), collection, query: 'warm up', mode, limit: 1, snippetChars: 0 });
      embedSeconds = (performance.now() - t1) / 1000;
    }
    const fusion = mode === 'hybrid' ? effectiveFusion(embedderId, opts.config.search.fusion, opts.fusion) : undefined;

    const ids = [...data.queries.keys()];
    // A short untimed warm-up so the JIT state matches a long-running server, then every query timed.
    // The benchmark owns its throw-away store: a trusted operator that reads everything.
    const caller = operatorCaller(ws.id, 'bench');
    for (const id of ids.slice(0, 20)) await searcher.search({ caller, collection, query: data.queries.get(id)!, limit: 100, snippetChars: 0, mode, fusion });
    const latencies: number[] = [];
    const perQuery = new Map<string, { ndcg: number; recall: number; mrr: number }>();
    for (const [n, id] of ids.entries()) {
      const t = performance.now();
      const res = await searcher.search({ caller, collection, query: data.queries.get(id)!, limit: 100, snippetChars: 0, mode, fusion });
      latencies.push(performance.now() - t);
      const ranked = res.hits.map((h) => h.sourceId);
      const q = data.qrels.get(id)!;
      perQuery.set(id, { ndcg: ndcgAtK(ranked, q, 10), recall: recallAtK(ranked, q, 100), mrr: mrrAtK(ranked, q, 10) });
      if (n % 25 === 0) opts.onProgress?.('queries', n, ids.length);
    }
    const half = (id: string) => createHash('sha256').update(id).digest()[0]! % 2 === 0;
    const all = [...perQuery.entries()];
    const stats = await store.listCollections(ws.id);
    return {
      dataset: dir,
      mode,
      embedder: embedderId,
      fusion: fusion ? { method: fusion.method, rrfK: fusion.rrfK, vectorWeight: fusion.vectorWeight, normalization: fusion.normalization, candidates: fusion.candidates } : null,
      embed_seconds: round(embedSeconds, 3),
      queries: ids.length,
      documents: stats[0]?.documentCount ?? 0,
      chunks: stats[0]?.chunkCount ?? 0,
      'ndcg@10': round(mean(all.map(([, m]) => m.ndcg))),
      'recall@100': round(mean(all.map(([, m]) => m.recall))),
      'mrr@10': round(mean(all.map(([, m]) => m.mrr))),
      'ndcg@10_half_a': round(mean(all.filter(([id]) => half(id)).map(([, m]) => m.ndcg))),
      'ndcg@10_half_b': round(mean(all.filter(([id]) => !half(id)).map(([, m]) => m.ndcg))),
      ingest_seconds: round(ingestSeconds, 3),
      ingest_docs_per_s: Math.round((stats[0]?.documentCount ?? 0) / ingestSeconds),
      search_p50_ms: round(percentile(latencies, 50), 3),
      search_p95_ms: round(percentile(latencies, 95), 3),
      search_p99_ms: round(percentile(latencies, 99), 3),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      index_bytes: (await store.sizeBytes?.()) ?? 0,
      params: {
        k1: config.search.bm25.k1,
        b: config.search.bm25.b,
        analyzer: config.search.analyzer.name,
        maxTokens: config.chunking.maxTokens,
        overlapTokens: config.chunking.overlapTokens,
      },
    };
  } finally {
    await store.close();
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
