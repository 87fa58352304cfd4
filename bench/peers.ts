// Side-by-side lexical benchmark on one BEIR dataset in one process: Strata (the real pipeline and search
// service, via runBeir) against SQLite FTS5 (better-sqlite3) and MiniSearch, on the same corpus text
// (title + text) and queries. Prints one JSON object. Usage:
//   npx tsx bench/peers.ts [../shared/datasets/scifact]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import MiniSearch from 'minisearch';
import { validateConfig } from '../src/core/config.js';
import { percentile, readBeir, runBeir } from '../src/eval/beir.js';
import { mean, mrrAtK, ndcgAtK, recallAtK } from '../src/search/metrics.js';

interface PeerResult {
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
  index_seconds: number;
  search_p50_ms: number;
  search_p95_ms: number;
}

const dir = resolve(process.argv[2] ?? '../shared/datasets/scifact');
const data = readBeir(dir);
const corpus = readFileSync(join(dir, 'corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { _id: string; title?: string; text?: string });

function evaluate(name: string, indexSeconds: number, search: (q: string) => string[]): PeerResult {
  const ids = [...data.queries.keys()];
  for (const id of ids.slice(0, 20)) search(data.queries.get(id)!); // same warm-up as runBeir
  const lat: number[] = [];
  const nd: number[] = [];
  const rc: number[] = [];
  const mr: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    const ranked = search(data.queries.get(id)!);
    lat.push(performance.now() - t);
    const q = data.qrels.get(id)!;
    nd.push(ndcgAtK(ranked, q, 10));
    rc.push(recallAtK(ranked, q, 100));
    mr.push(mrrAtK(ranked, q, 10));
  }
  process.stderr.write(`${name} done\n`);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    'ndcg@10': r4(mean(nd)),
    'recall@100': r4(mean(rc)),
    'mrr@10': r4(mean(mr)),
    index_seconds: r4(indexSeconds),
    search_p50_ms: r4(percentile(lat, 50)),
    search_p95_ms: r4(percentile(lat, 95)),
  };
}

function fts5(): PeerResult {
  const db = new Database(':memory:');
  const t0 = performance.now();
  db.exec("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize = 'porter unicode61')");
  const ins = db.prepare('INSERT INTO docs (id, title, body) VALUES (?, ?, ?)');
  db.transaction(() => corpus.forEach((d) => ins.run(d._id, d.title ?? '', d.text ?? '')))();
  const indexSeconds = (performance.now() - t0) / 1000;
  const stmt = db.prepare('SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 100');
  // FTS5's query syntax would treat words like AND/NOT and punctuation as operators: quote every token.
  const toMatch = (q: string) =>
    (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((t) => `"${t}"`).join(' OR ');
  return evaluate('fts5', indexSeconds, (q) => {
    const m = toMatch(q);
    return m ? (stmt.all(m) as { id: string }[]).map((r) => r.id) : [];
  });
}

function minisearch(): PeerResult {
  const t0 = performance.now();
  const ms = new MiniSearch<{ id: string; title: string; text: string }>({ fields: ['title', 'text'], idField: 'id' });
  ms.addAll(corpus.map((d) => ({ id: d._id, title: d.title ?? '', text: d.text ?? '' })));
  const indexSeconds = (performance.now() - t0) / 1000;
  return evaluate('minisearch', indexSeconds, (q) => ms.search(q, { combineWith: 'OR' }).slice(0, 100).map((r) => String(r.id)));
}

const strata = await runBeir({ dir, config: validateConfig({}, 'defaults') });
process.stderr.write('strata done\n');
const peers = { 'sqlite-fts5': fts5(), minisearch: minisearch() };
const ratios = Object.fromEntries(
  Object.entries(peers).map(([name, p]) => [
    name,
    {
      p50_speedup: Math.round((p.search_p50_ms / strata.search_p50_ms) * 100) / 100,
      p95_speedup: Math.round((p.search_p95_ms / strata.search_p95_ms) * 100) / 100,
      ndcg10_delta: Math.round((strata['ndcg@10'] - p['ndcg@10']) * 1e4) / 1e4,
    },
  ]),
);
console.log(JSON.stringify({ dataset: dir, node: process.version, strata, peers, strata_vs_peers: ratios }, null, 2));
