// HTTP load benchmark: SciFact ingested through the real pipeline into a temporary data dir, documents
// restricted to groups, reader keys for several users, then autocannon (50 connections, ~10 s) against
// POST /v1/search with varied queries and users. The server runs on this process's main thread, as under
// `strata serve`; autocannon runs in a worker thread so the load generator does not share its event loop.
//
//   npx tsx bench/load.ts [../shared/datasets/scifact] [--duration 10] [--connections 50] [--snippet-chars 240]
//
// Prints one JSON object: requests_per_s, latency_p50_ms, latency_p95_ms, latency_p99_ms, errors, non2xx, …
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { canRead } from '../src/core/access.js';
import { validateConfig } from '../src/core/config.js';
import { syncFolder } from '../src/ingest/sync.js';
import { createSearcher, indexTextWith } from '../src/search/service.js';
import { openStore } from '../src/store/open.js';
import { createApp } from '../src/server/app.js';
import { generateApiKey } from '../src/server/auth/api-keys.js';
import { listen } from '../src/server/node.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const dataset = resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? '../shared/datasets/scifact');
const duration = flag('duration', 10);
const connections = flag('connections', 50);
/** The API's default; 0 measures search without snippets (they are the costliest part of a search). */
const snippetChars = flag('snippet-chars', 240);
const log = (msg: string) => process.stderr.write(`[load] ${msg}\n`);

// Groups and users: every fourth document is open to the whole workspace, the others to one group each.
const GROUPS = ['biology', 'medicine', 'epidemiology'];
const USERS: Record<string, string[]> = {
  ana: ['biology'],
  ben: ['medicine'],
  cai: ['epidemiology'],
  dee: ['biology', 'medicine'],
  eli: ['medicine', 'epidemiology'],
  fay: [],
  gus: ['biology', 'epidemiology'],
  hal: ['biology', 'medicine', 'epidemiology'],
};

const work = mkdtempSync(join(tmpdir(), 'strata-load-'));
const config = validateConfig({ dataDir: join(work, 'data'), server: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } }, 'bench/load.ts');
const store = await openStore(config);
try {
  // 1. Ingest the corpus through the real pipeline (the folder holds a link to corpus.jsonl only).
  const source = join(work, 'source');
  mkdirSync(source);
  symlinkSync(join(dataset, 'corpus.jsonl'), join(source, 'corpus.jsonl'));
  const ws = await store.ensureWorkspace(config.workspace);
  const collection = await store.createCollection({ workspaceId: ws.id, name: 'scifact', settings: { chunking: config.chunking, analyzer: config.search.analyzer } });
  let t = performance.now();
  const report = await syncFolder({ store, collection, root: source, ingest: { ...config.ingest, exclude: [] }, indexText: indexTextWith(config.search.analyzer.name) });
  log(`ingested ${report.documents.inserted} documents in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // 2. Directory, policies and one reader key per user.
  for (const g of GROUPS) await store.upsertPrincipal({ workspaceId: ws.id, kind: 'group', id: g, groups: [] });
  for (const [u, groups] of Object.entries(USERS)) await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: u, groups });
  const docs = await store.listDocuments({ collectionId: collection.id, limit: 1_000_000 });
  t = performance.now();
  for (const [i, d] of docs.entries()) {
    if (i % 4 !== 0) await store.setAccessPolicy(collection.id, d.id, { readers: [`group:${GROUPS[i % 4 - 1]}`] });
  }
  log(`restricted ${docs.length - Math.ceil(docs.length / 4)} of ${docs.length} documents to one group each in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const keys: Record<string, string> = {};
  for (const u of Object.keys(USERS)) {
    const m = generateApiKey();
    await store.createApiKey({ workspaceId: ws.id, name: 'load', role: 'reader', subject: u, prefix: m.prefix, hash: m.hash });
    keys[u] = m.key;
  }

  // 3. The server, on loopback, with the index warm.
  const searcher = createSearcher(store, config.search.bm25);
  await searcher.warm(collection);
  const { app } = createApp({ config, store, searcher, log: (level, message, fields) => level === 'error' && log(`${message} ${JSON.stringify(fields)}`) });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });

  // 4. Varied requests: every test query, users round-robin.
  const queries = readFileSync(join(dataset, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .slice(0, 600);
  const users = Object.keys(USERS);
  const requests = queries.map((query, i) => ({
    method: 'POST' as const,
    path: '/v1/search',
    headers: { authorization: `Bearer ${keys[users[i % users.length]!]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ collection: 'scifact', query, limit: 10, snippetChars }),
  }));

  // Sanity before load: what each user gets back is readable by that user.
  const policies = await store.policies(collection.id);
  let aclViolations = 0;
  for (const [i, r] of requests.slice(0, 80).entries()) {
    const res = await fetch(`${server.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
    const body = (await res.json()) as { hits: { documentId: string }[] };
    const user = users[i % users.length]!;
    const principals = new Set([`user:${user}`, ...USERS[user]!.map((g) => `group:${g}`), '*']);
    aclViolations += body.hits.filter((h) => !canRead(policies.get(h.documentId) ?? null, principals)).length;
  }

  // autocannon's percentile list has no p95; it is a module-level array, so p95 is added before the run.
  const requireFromAutocannon = createRequire(createRequire(import.meta.url).resolve('autocannon'));
  (requireFromAutocannon('hdr-histogram-percentiles-obj') as { percentiles: number[] }).percentiles.push(95);
  log(`autocannon: ${connections} connections for ${duration} s against ${server.url}/v1/search (${requests.length} distinct requests, ${users.length} users)`);
  const result = await autocannon({ url: server.url, connections, duration, requests, workers: 1 });
  await server.close();

  const lat = result.latency as unknown as Record<string, number>;
  console.log(
    JSON.stringify(
      {
        requests_per_s: Math.round((result.requests.total / result.duration) * 10) / 10,
        latency_p50_ms: lat.p50,
        latency_p95_ms: lat.p95,
        latency_p99_ms: lat.p99,
        latency_max_ms: lat.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        requests_total: result.requests.total,
        duration_s: result.duration,
        connections,
        snippet_chars: snippetChars,
        documents: docs.length,
        users: users.length,
        acl_violations_in_sample: aclViolations,
        cpus: availableParallelism(),
        cpu_model: cpus()[0]?.model,
        node: process.version,
      },
      null,
      2,
    ),
  );
} finally {
  await store.close();
  rmSync(work, { recursive: true, force: true });
}
