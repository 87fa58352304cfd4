// Gateway overhead benchmark. A local upstream speaking the OpenAI Chat Completions format answers every request
// after a fixed delay (default 20 ms). An open-loop client sends requests on a fixed schedule (latency is measured
// from the scheduled send time, so a stalled server cannot hide its queueing) straight to the upstream ("direct")
// and through Strata's /v1/chat/completions (API key auth, rate limit, gateway routing, cost, usage records in
// SQLite, the openai-compatible adapter). Added latency = gateway percentile − direct percentile at the same rate.
// The two are measured in alternating legs (--rounds rounds of --seconds each way, the order swapped every round),
// so a slow spell of a shared host falls on both sides instead of on one: reported per round, as the median of the
// rounds, and pooled over all legs. Then the offered rate is stepped up through the gateway to find the highest
// rate it sustains. The gateway runs on this process's main thread (as under `strata serve`); the upstream and
// the load client each run in their own worker thread.
//
//   npx tsx bench/gateway.ts [--rate 500] [--rounds 5] [--seconds 6] [--delay-ms 20] [--max-rates 1000,1500,2000,3000,4000] [--floor | --with-floor] [--v8-default]
//
// --floor puts a bare node:http proxy (no auth, routing, validation or records) where Strata's server would be:
// what any Node.js proxy adds on this machine, the floor under Strata's numbers. --with-floor measures that proxy too,
// in a third leg of every round (the order rotated), and reports what Strata adds over it: on a shared host whose
// speed drifts (the floor's added p50 was 0.28–0.45 ms in earlier sessions, 0.53–0.81 ms later), the difference
// from a proxy measured minutes apart is the steadier number.
//
// The server runs with the V8 flag `npm start` and `strata serve --workers` give it (YOUNG_GENERATION_FLAG): started
// without it, the benchmark starts itself again with it. --v8-default measures without it.
//
// Prints one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { validateConfig } from '../src/core/config.js';
import { createApp } from '../src/server/app.js';
import { generateApiKey } from '../src/server/auth/api-keys.js';
import { listen, YOUNG_GENERATION_FLAG, youngGenerationFlags } from '../src/server/node.js';
import { createSearcher } from '../src/search/service.js';
import { openStore } from '../src/store/open.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const rate = Number(flag('rate', '500'));
const seconds = Number(flag('seconds', '6'));
const rounds = Number(flag('rounds', '5'));
const delayMs = Number(flag('delay-ms', '20'));
const maxRates = flag('max-rates', '1000,1500,2000,3000,4000').split(',').map(Number);
const floor = args.includes('--floor');
const withFloor = !floor && args.includes('--with-floor');
const log = (msg: string) => process.stderr.write(`[gateway-bench] ${msg}\n`);

const v8Default = args.includes('--v8-default');
const v8Flags = youngGenerationFlags();
if (!v8Default && v8Flags.length === 0) {
  // V8 reads the flag only at start (and Node refuses it in NODE_OPTIONS): run again with it.
  const again = spawnSync(process.execPath, [...process.execArgv, YOUNG_GENERATION_FLAG, process.argv[1]!, ...args], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const UPSTREAM = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const body = JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', created: 1730000000, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 24, completion_tokens: 8, total_tokens: 32, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }, workerData.delayMs));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

// Open loop: request i is due at start + i/rate whatever happened before; its latency counts from that instant.
const CLIENT = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, body, rate, seconds } = workerData;
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });
const total = Math.round(rate * seconds);
const lat = new Float64Array(total);
let done = 0, errors = 0, statuses = {};
const start = performance.now() + 50;
function send(i) {
  const due = start + (i * 1000) / rate;
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
    res.resume();
    res.on('end', () => { lat[i] = performance.now() - due; finish(); });
  });
  req.on('error', () => { errors++; lat[i] = NaN; finish(); });
  req.end(body);
}
function finish() { if (++done === total) report(); }
function report() {
  const ok = Array.from(lat).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const q = (p) => ok.length ? ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] : null;
  const wall = (performance.now() - start) / 1000;
  parentPort.postMessage({ offered_rps: rate, sent: total, completed_rps: Math.round(ok.length / wall), errors, statuses,
    p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), max_ms: ok.at(-1) ?? null, latencies: Float64Array.from(ok) });
}
let i = 0;
(function tick() {
  const now = performance.now();
  while (i < total && start + (i * 1000) / rate <= now) send(i++);
  if (i < total) setTimeout(tick, Math.max(0, start + (i * 1000) / rate - performance.now()));
})();
`;

interface LoadResult {
  /** Sorted latencies of the completed requests (ms), for pooling legs; dropped from the printed JSON. */
  latencies?: Float64Array;
  offered_rps: number;
  completed_rps: number;
  sent: number;
  errors: number;
  statuses: Record<string, number>;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

function worker<T>(code: string, data: unknown): Promise<{ result: T; worker: Worker }> {
  const w = new Worker(code, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    w.once('message', (result: T) => resolve({ result, worker: w }));
    w.once('error', reject);
  });
}

async function load(url: string, headers: Record<string, string>, r: number, s: number): Promise<LoadResult> {
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'What is the capital of France?' }], temperature: 0.7 });
  const { result, worker: w } = await worker<LoadResult>(CLIENT, { url, headers: { 'content-type': 'application/json', ...headers }, body, rate: r, seconds: s });
  await w.terminate();
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { ...result, p50_ms: round(result.p50_ms), p90_ms: round(result.p90_ms), p99_ms: round(result.p99_ms), max_ms: round(result.max_ms) };
}

/** The floor: read the body, forward it with a keep-alive agent, parse and re-serialise the answer. */
async function bareProxy(upstreamPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const { Agent, createServer, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true });
  const srv = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const headers = { 'content-type': 'application/json', 'content-length': body.length };
      const up = request({ host: '127.0.0.1', port: upstreamPort, path: '/v1/chat/completions', method: 'POST', agent, headers }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          const text = JSON.stringify(JSON.parse(Buffer.concat(out).toString('utf8')));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        });
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeIdleConnections();
      }),
  };
}

async function main() {
  const { result: upstreamPort, worker: upstream } = await worker<number>(UPSTREAM, { delayMs });
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const dir = mkdtempSync(join(tmpdir(), 'strata-gw-bench-'));
  const config = validateConfig(
    {
      dataDir: dir,
      server: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
      providers: { up: { kind: 'openai-compatible', baseUrl: `${upstreamUrl}/v1`, apiKey: 'sk-bench-upstream-key-000000', maxRetries: 0, timeoutMs: 10_000 } },
      models: { 'bench-model': { provider: 'up', contextWindow: 128_000, pricing: { input: 0.15, output: 0.6 }, clearedFor: ['public', 'internal'] } },
      gateway: { aliases: { bench: { targets: [{ model: 'bench-model' }], retries: 0 } }, budgets: { default: { usdPerDay: 1000 } } },
    },
    'bench',
  );
  const store = await openStore(config);
  // As `strata serve` does in a single process: WAL checkpoints on a thread of their own.
  const housekeeping = store.maintenance?.runInBackground(500, (e) => log(`storage maintenance failed: ${String(e)}`));
  const ws = await store.ensureWorkspace(config.workspace);
  await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'bench', groups: [] });
  const m = generateApiKey();
  await store.createApiKey({ workspaceId: ws.id, name: 'bench', role: 'reader', subject: 'bench', prefix: m.prefix, hash: m.hash });
  const served = createApp({ config, store, searcher: createSearcher(store, config.search.bm25) });
  const { deps } = served;
  const server = floor ? await bareProxy(upstreamPort) : await listen(served, { host: '127.0.0.1', port: 0 });
  const auth = { authorization: `Bearer ${m.key}` };
  const gatewayUrl = `${server.url}/v1/chat/completions`;
  const proxy = withFloor ? await bareProxy(upstreamPort) : undefined;
  const floorUrl = proxy ? `${proxy.url}/v1/chat/completions` : undefined;
  const directUrl = `${upstreamUrl}/v1/chat/completions`;

  log(`warm-up (${rate} req/s for 2 s each way)`);
  await load(directUrl, {}, rate, 2);
  await load(gatewayUrl, auth, rate, 2);
  if (floorUrl) await load(floorUrl, {}, rate, 2); // its first round must not pay its JIT warm-up either
  const load1 = loadavg()[0];
  // Alternating legs; main-thread busy time per request (event-loop utilisation × wall time) over the gateway legs:
  // the gateway's own CPU cost, which unlike latency does not depend much on the rest of the machine.
  const legs: { direct: LoadResult; gateway: LoadResult; busyMs: number; floor?: LoadResult; floorBusyMs: number }[] = [];
  const busy = async (url: string, headers: Record<string, string>) => {
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const res = await load(url, headers, rate, seconds);
    return { res, busyMs: performance.eventLoopUtilization(elu0).utilization * (performance.now() - t0) };
  };
  const sides = floorUrl ? ['direct', 'floor', 'gateway'] : ['direct', 'gateway'];
  for (let i = 0; i < rounds; i++) {
    let direct: LoadResult | undefined;
    let gateway: LoadResult | undefined;
    let bare: LoadResult | undefined;
    let busyMs = 0;
    let floorBusyMs = 0;
    const order = floorUrl ? [...sides.slice(i % 3), ...sides.slice(0, i % 3)] : i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      log(`round ${i + 1}/${rounds}: ${side} at ${rate} req/s for ${seconds} s`);
      if (side === 'direct') direct = await load(directUrl, {}, rate, seconds);
      else if (side === 'floor') ({ res: bare, busyMs: floorBusyMs } = await busy(floorUrl!, {}));
      else ({ res: gateway, busyMs } = await busy(gatewayUrl, auth));
    }
    legs.push({ direct: direct!, gateway: gateway!, busyMs, floor: bare, floorBusyMs });
  }
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const pct = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const pool = (side: 'direct' | 'gateway' | 'floor') => Float64Array.from(legs.flatMap((l) => Array.from(l[side]?.latencies ?? []))).sort();
  const pooledDirect = pool('direct');
  const pooledGateway = pool('gateway');
  const pooledFloor = pool('floor');
  /** p50, p90 and p99 of one function of the percentile. */
  const pcts = (f: (p: number) => number) => ({ p50: f(0.5), p90: f(0.9), p99: f(0.99) });
  const percentiles = (sorted: Float64Array) => ({ ...pcts((p) => round3(pct(sorted, p))), max: round3(sorted.at(-1)!) });
  const addedOverDirect = (sorted: Float64Array) => (p: number) => round3(pct(sorted, p) - pct(pooledDirect, p));
  const pooled = addedOverDirect(pooledGateway);
  const pooledFloorAdded = addedOverDirect(pooledFloor);
  const perRound = legs.map((l) => ({
    added_p50_ms: round3(l.gateway.p50_ms - l.direct.p50_ms),
    added_p99_ms: round3(l.gateway.p99_ms - l.direct.p99_ms),
    direct_p50_p99_ms: [l.direct.p50_ms, l.direct.p99_ms],
    gateway_p50_p99_ms: [l.gateway.p50_ms, l.gateway.p99_ms],
    ...(l.floor ? { floor_added_p50_ms: round3(l.floor.p50_ms - l.direct.p50_ms), floor_added_p99_ms: round3(l.floor.p99_ms - l.direct.p99_ms) } : {}),
  }));
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : round3((v[v.length / 2 - 1]! + v[v.length / 2]!) / 2);
  };
  const perRequest = (busyMs: (l: (typeof legs)[number]) => number, sent: (l: (typeof legs)[number]) => number) =>
    round3(legs.reduce((n, l) => n + busyMs(l), 0) / legs.reduce((n, l) => n + sent(l), 0));
  const busyMsPerRequest = perRequest((l) => l.busyMs, (l) => l.gateway.sent);
  const last = legs.at(-1)!.gateway;

  // Sustained: every request answered 200, ≥ 97 % of the offered rate completed, p99 within 4× the upstream delay.
  const sustains = (res: LoadResult) => res.errors === 0 && (res.statuses['200'] ?? 0) === res.sent && res.completed_rps >= 0.97 * res.offered_rps && res.p99_ms <= 4 * delayMs;
  const steps: LoadResult[] = [];
  let sustained = legs.every((l) => sustains(l.gateway)) ? rate : 0;
  for (const r of sustained ? maxRates : []) {
    log(`through the gateway at ${r} req/s for 5 s`);
    const res = await load(gatewayUrl, auth, r, 5);
    steps.push(res);
    if (!sustains(res)) break;
    sustained = r;
  }
  await deps.gateway.flush();
  const usageRows = (await store.listUsage({ workspaceId: ws.id, limit: 10_000 })).length;

  await server.close();
  await proxy?.close();
  await upstream.terminate();
  await housekeeping?.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: floor ? 'bare-node-proxy-overhead (--floor)' : 'gateway-overhead',
        node: process.version,
        v8_flags: v8Flags,
        cpus: cpus().length,
        loadavg_1m_before: Math.round(load1 * 100) / 100,
        upstream_delay_ms: delayMs,
        rate_rps: rate,
        rounds,
        seconds_per_leg: seconds,
        pooled_direct_ms: percentiles(pooledDirect),
        pooled_gateway_ms: percentiles(pooledGateway),
        added_latency_ms: pcts(pooled),
        added_latency_median_of_rounds_ms: { p50: median(perRound.map((r) => r.added_p50_ms)), p99: median(perRound.map((r) => r.added_p99_ms)) },
        per_round: perRound,
        gateway_statuses_last_leg: last.statuses,
        gateway_main_thread_busy_ms_per_request: busyMsPerRequest,
        ...(withFloor
          ? {
              floor_added_latency_ms: pcts(pooledFloorAdded),
              floor_added_median_of_rounds_ms: { p50: median(perRound.map((r) => r.floor_added_p50_ms!)), p99: median(perRound.map((r) => r.floor_added_p99_ms!)) },
              added_over_floor_ms: pcts((p) => round3(pooled(p) - pooledFloorAdded(p))),
              floor_main_thread_busy_ms_per_request: perRequest((l) => l.floorBusyMs, (l) => l.floor?.sent ?? 0),
            }
          : {}),
        loadavg_1m_after: Math.round(loadavg()[0] * 100) / 100,
        target: { p50_ms: 1, p99_ms: 5 },
        max_rate_steps: steps.map(({ latencies: _, ...rest }) => rest),
        sustained_max_rps: sustained,
        sustained_rule: `all 200, completed ≥ 97 % of offered, p99 ≤ ${4 * delayMs} ms`,
        usage_rows_recorded_last_run: usageRows,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
