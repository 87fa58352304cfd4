// HTTP load benchmark: SciFact ingested through the real pipeline into a temporary data dir, documents
// restricted to groups, reader keys for several users, then a load generator (50 connections, ~10 s) against
// POST /v1/search with varied queries and users. The server runs on this process's main thread, as under
// `strata serve`. The load generator is `wrk` (Debian package; a separate C process, so it takes little of
// the two cores) when installed, else autocannon in a worker thread (`--client autocannon` forces it).
//
//   npx tsx bench/load.ts [../shared/datasets/scifact] [--duration 10] [--warmup 5] [--connections 50] [--snippet-chars 240] [--client wrk|autocannon|sequential] [--workers 1] [--no-result-cache]
//
// --calibrate-us N replaces Strata with a trivial server (`--workers` processes, node:cluster) that burns N µs of
// CPU per request and answers a few bytes: what latency a server of that per-request cost gets from this
// machine and client, to read Strata's numbers against.
//
// Prints one JSON object: requests_per_s, latency_p50_ms, latency_p95_ms, latency_p99_ms, errors, non2xx, …
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
/**
 * Seconds of the same load before the measured run, not counted: a fresh server process runs cold (code not yet
 * optimized, the analyzer's raw-token table and the snippet cache empty) and its first seconds say how it starts,
 * not how it serves. 0 measures from the first request.
 */
const warmup = flag('warmup', 5);
const connections = flag('connections', 50);
/** The API's default; 0 measures search without snippets (they are the costliest part of a search). */
const snippetChars = flag('snippet-chars', 240);
/** Server processes: 1 serves from this process's main thread; more runs `strata serve --workers N` as a child. */
const workers = flag('workers', 1);
/** wrk's threads (each drives connections / threads of the connections). */
const wrkThreads = flag('wrk-threads', 1);
const clientArg = args.includes('--client') ? args[args.indexOf('--client') + 1] : undefined;
const client = clientArg ?? (spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk');
/** The app when it serves from this process (`--client sequential` calls it directly). */
let inProcessApp: { fetch(req: Request): Response | Promise<Response> } | undefined;
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
/** `--no-result-cache` measures every search for real (the 300 queries × 8 users repeat within a run). */
const resultCache = !args.includes('--no-result-cache');
const calibrateUs = args.includes('--calibrate-us') ? flag('calibrate-us', 400) : undefined;
const config = validateConfig(
  { dataDir: join(work, 'data'), search: { resultCacheEntries: resultCache ? 1000 : 0 }, server: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } },
  'bench/load.ts',
);
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

  // 3. The server, on loopback, with the index warm: in this process (one worker), or `strata serve --workers N`.
  const policies = await store.policies(collection.id);
  const server = calibrateUs !== undefined ? await serveTrivial(calibrateUs) : workers > 1 ? await serveWorkers() : await serveHere();

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
  let aclViolations = 0;
  for (const [i, r] of requests.slice(0, 80).entries()) {
    const res = await fetch(`${server.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
    const body = (await res.json()) as { hits: { documentId: string }[] };
    const user = users[i % users.length]!;
    const principals = new Set([`user:${user}`, ...USERS[user]!.map((g) => `group:${g}`), '*']);
    aclViolations += body.hits.filter((h) => !canRead(policies.get(h.documentId) ?? null, principals)).length;
  }

  if (warmup > 0 && client !== 'sequential') {
    log(`${client}: warming up for ${warmup} s (not measured)`);
    await (client === 'wrk' ? runWrk(server.url, requests, warmup) : runAutocannon(server.url, requests, warmup));
  }
  log(`${client}: ${connections} connections for ${duration} s against ${server.url}/v1/search (${requests.length} distinct requests, ${users.length} users)`);
  // The server thread's busy share during the run: busy µs per request is the server's own cost, whatever the
  // load generator takes of the machine.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const procCpu0 = server.pid === undefined ? 0 : treeCpuUs(server.pid);
  const run = client === 'wrk' ? await runWrk(server.url, requests, duration) : client === 'sequential' ? await runSequential(requests) : await runAutocannon(server.url, requests, duration);
  const elu = performance.eventLoopUtilization(elu0);
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);
  const procCpu = server.pid === undefined ? 0 : treeCpuUs(server.pid) - procCpu0;
  await server.close();
  // The server's own cost per request is only visible when it runs in this process.
  const here = workers === 1;
  const result = {
    ...run,
    workers,
    server_busy_us_per_request: here ? Math.round((elu.active * 1000) / run.requests_total) : null,
    // In this process (autocannon's worker thread included when it is the client), or the supervisor and its
    // workers from /proc (10 ms clock ticks; fine over thousands of requests).
    server_process_cpu_us_per_request: Math.round((here ? cpu.user + cpu.system : procCpu) / run.requests_total),
    server_thread_utilization: here ? Math.round(elu.utilization * 1000) / 1000 : null,
    /** Longest stalls of the server's event loop (a stall delays every request in flight). */
    server_loop_delay_p99_ms: here ? Math.round(loopDelay.percentile(99) / 1e4) / 100 : null,
    server_loop_delay_max_ms: here ? Math.round(loopDelay.max / 1e4) / 100 : null,
  };

  console.log(
    JSON.stringify(
      {
        ...result,
        client,
        duration_s: duration,
        warmup_s: client === 'sequential' ? 0 : warmup,
        connections,
        snippet_chars: snippetChars,
        result_cache_entries: config.search.resultCacheEntries,
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

/** CPU time (user + system, µs) of a process and its children, from /proc (Linux). */
function treeCpuUs(pid: number): number {
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state ppid … utime (14) stime (15), 1-based.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(entry) === pid || Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

async function serveHere(): Promise<{ url: string; pid?: number; close(): Promise<void> }> {
  const searcher = createSearcher(store, config.search.bm25, { resultCacheEntries: config.search.resultCacheEntries });
  const col = (await store.getCollection((await store.ensureWorkspace(config.workspace)).id, 'scifact'))!;
  await searcher.warm(col, { snippets: true });
  const served = createApp({ config, store, searcher, log: (level, message, fields) => level === 'error' && log(`${message} ${JSON.stringify(fields)}`) });
  inProcessApp = served.app;
  // As `strata serve` does in a single process: WAL checkpoints on a thread of their own.
  const housekeeping = store.maintenance?.runInBackground(500, (e) => log(`storage maintenance failed: ${String(e)}`));
  const server = await listen(served, { host: '127.0.0.1', port: 0 });
  return {
    ...server,
    close: async () => {
      await server.close();
      await housekeeping?.stop();
    },
  };
}

/** `--calibrate-us`: `workers` processes answering every request after burning `us` µs of CPU. */
async function serveTrivial(us: number): Promise<{ url: string; pid?: number; close(): Promise<void> }> {
  const code = `
    const cluster = require('node:cluster'); const http = require('node:http');
    if (cluster.isPrimary) { for (let i = 0; i < ${workers}; i++) cluster.fork(); let up = 0;
      cluster.on('listening', (w, a) => { if (++up === ${workers}) process.stdout.write('listening on http://127.0.0.1:' + a.port + '\\n'); }); }
    else http.createServer((req, res) => { req.resume(); req.on('end', () => {
      const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < ${us}000n);
      res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"hits":[]}'); }); }).listen(0, '127.0.0.1');`;
  const script = join(work, 'calibrate.cjs'); // a file: cluster workers re-run the primary's script
  writeFileSync(script, code);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolveUrl(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the calibration server exited (${code})`)));
  });
  return { url, pid: child.pid, close: () => new Promise<void>((done) => (child.once('exit', () => done()), child.kill('SIGKILL'))) };
}

/** `strata serve --workers N` on the prepared data dir, as a user would run it; stopped with SIGTERM. */
async function serveWorkers(): Promise<{ url: string; pid?: number; close(): Promise<void> }> {
  const file = join(work, 'strata.config.yaml');
  writeFileSync(file, `dataDir: ${config.dataDir}\nsearch:\n  resultCacheEntries: ${config.search.resultCacheEntries}\nserver:\n  rateLimit: { perSecond: 1000000, burst: 1000000 }\n`);
  const main = new URL('../src/cli/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [...process.execArgv, main, '--config', file, 'serve', '--port', '0', '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`strata serve exited (${code}) before listening`)));
  });
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

interface LoadResult {
  requests_per_s: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  latency_p99_ms: number;
  latency_max_ms: number;
  errors: number;
  non2xx: number;
  requests_total: number;
}

/**
 * `--client sequential`: one request at a time through the app's fetch (no sockets, no load generator), for
 * `duration` seconds. Not a load test: its `server_process_cpu_us_per_request` is the server's own work per
 * search, comparable between code versions minutes apart on a host whose speed under load varies.
 */
async function runSequential(requests: { method: 'POST'; path: string; headers: Record<string, string>; body: string }[]): Promise<LoadResult> {
  if (!inProcessApp || workers > 1) throw new Error('--client sequential runs the server in this process (no --workers)');
  const lat: number[] = [];
  const end = performance.now() + duration * 1000;
  let errors = 0;
  for (let i = 0; performance.now() < end; i++) {
    const r = requests[i % requests.length]!;
    const t = performance.now();
    const res = await inProcessApp.fetch(new Request(`http://bench${r.path}`, { method: r.method, headers: r.headers, body: r.body }));
    await res.text();
    if (res.status !== 200) errors++;
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! * 100) / 100;
  return { requests_per_s: Math.round((lat.length / duration) * 10) / 10, latency_p50_ms: q(0.5), latency_p95_ms: q(0.95), latency_p99_ms: q(0.99), latency_max_ms: q(1), errors, non2xx: errors, requests_total: lat.length };
}

async function runAutocannon(url: string, requests: { method: 'POST'; path: string; headers: Record<string, string>; body: string }[], duration: number): Promise<LoadResult> {
  // autocannon's percentile list has no p95; it is a module-level array, so p95 is added before the run.
  const requireFromAutocannon = createRequire(createRequire(import.meta.url).resolve('autocannon'));
  (requireFromAutocannon('hdr-histogram-percentiles-obj') as { percentiles: number[] }).percentiles.push(95);
  const result = await autocannon({ url, connections, duration, requests, workers: 1 });
  const lat = result.latency as unknown as Record<string, number>;
  return {
    requests_per_s: Math.round((result.requests.total / result.duration) * 10) / 10,
    latency_p50_ms: lat.p50!,
    latency_p95_ms: lat.p95!,
    latency_p99_ms: lat.p99!,
    latency_max_ms: lat.max!,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests_total: result.requests.total,
  };
}

/** wrk with a Lua script cycling through the prepared requests; its `done` hook prints one JSON line. */
async function runWrk(url: string, requests: { path: string; headers: Record<string, string>; body: string }[], duration: number): Promise<LoadResult> {
  const lua = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const script = join(work, 'load.lua');
  writeFileSync(
    script,
    `local reqs = {}
${requests
  .map((r) => `reqs[#reqs + 1] = wrk.format("POST", ${lua(r.path)}, { ["host"] = ${lua(new URL(url).host)}, ["authorization"] = ${lua(r.headers.authorization!)}, ["content-type"] = "application/json" }, ${lua(r.body)})`)
  .join('\n')}
local i = 0
init = function(args) i = math.random(#reqs) end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"total":%d,"us":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d,"errors":%d,"status":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
`,
  );
  // A child process, so the server's event loop is free while wrk runs.
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn('wrk', [`-t${wrkThreads}`, `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '-s', script, url]);
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith('{"total"'));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  const w = JSON.parse(line) as Record<string, number>;
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    requests_per_s: Math.round((w.total! / (w.us! / 1e6)) * 10) / 10,
    latency_p50_ms: ms(w.p50!),
    latency_p95_ms: ms(w.p95!),
    latency_p99_ms: ms(w.p99!),
    latency_max_ms: ms(w.max!),
    errors: w.errors!,
    non2xx: w.status!,
    requests_total: w.total!,
  };
}
