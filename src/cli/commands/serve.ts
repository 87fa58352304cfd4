// `strata serve`: the HTTP API on the embedded store (default http://127.0.0.1:7700, reference at /docs).
// On first run it creates an admin API key and prints it once, with a curl example to copy.
// With `server.workers` > 1 (or --workers) the process becomes a supervisor: it prepares the store, forks
// that many server processes sharing the port (node:cluster), restarts one that dies, and stops them all on
// SIGINT/SIGTERM. Node runs JavaScript on one core per process, so this is how the API uses several cores.
import cluster, { type Worker } from 'node:cluster';
import type { Command } from 'commander';
import type { StrataConfig } from '../../core/config.js';
import { createSearcher } from '../../search/service.js';
import { semanticFromConfig } from '../../search/semantic.js';
import { createApp } from '../../server/app.js';
import { ensureAdminKey, type BootstrapKey } from '../../server/bootstrap.js';
import { listen, YOUNG_GENERATION_FLAG, youngGenerationFlags } from '../../server/node.js';
import type { LogFn } from '../../server/types.js';
import { openContext, type GlobalFlags } from '../context.js';
import type { Io } from '../output.js';
import { intArg } from './shared.js';

/** How a failed round of storage housekeeping is reported: a warning, the server goes on. */
const maintenanceFailed = (log: LogFn) => (e: unknown) => log('warn', 'storage maintenance failed', { error: String(e) });

interface ServeFlags {
  host?: string;
  port?: number;
  workers?: number;
  newAdminKey?: boolean;
}

/** What a worker tells its supervisor once it listens. */
interface ListeningMessage {
  strata: 'listening';
  url: string;
}

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description('run the HTTP API (on 127.0.0.1 unless server.host says otherwise)')
    .option('--host <host>', 'interface to listen on (overrides server.host)')
    .option('--port <port>', 'port (overrides server.port; 0 picks a free one)', intArg('--port', 0, 65535))
    .option('--workers <n>', 'server processes sharing the port (overrides server.workers)', intArg('--workers', 1, 64))
    .option('--new-admin-key', 'create another admin API key for the workspace and print it once')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const ctx = await openContext(cmd.optsWithGlobals() as GlobalFlags);
      const { config, store, workspace } = ctx;
      if (flags.host) config.server.host = flags.host;
      if (flags.port !== undefined) config.server.port = flags.port;
      if (flags.workers !== undefined) config.server.workers = flags.workers;
      const log: LogFn = (level, message, fields = {}) =>
        io.err.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...(cluster.isWorker ? { pid: process.pid } : {}), ...fields })}\n`);
      const workers = config.server.workers;

      if (cluster.isPrimary) {
        // The store is migrated (openContext) and the first admin key made once, before any worker starts.
        const fresh = await ensureAdminKey(store, workspace.id, { force: Boolean(flags.newAdminKey) });
        if (workers > 1) {
          // The workers leave SQLite's WAL checkpoints to this otherwise idle process: done inside a commit, a
          // checkpoint stalls every request of the worker that happens to cross the threshold (measured: the
          // slowest 1 % of audit appends took 9–16 ms instead of ~1 ms). The store stays open for it.
          const maintain = store.maintenance;
          if (maintain) {
            const failed = maintenanceFailed(log);
            setInterval(() => maintain.run().catch(failed), 500).unref();
          } else {
            await ctx.close();
          }
          const url = await supervise(workers, log);
          announce(io, url, workspace.name, fresh, workers);
          return;
        }
        const server = await startServer(config, ctx, log);
        announce(io, server.url, workspace.name, fresh, 1);
        await untilSignal();
        io.err.write('shutting down: closing connections (running ingest jobs resume on their next sync)\n');
        await server.stop();
        await ctx.close();
        return;
      }

      // A worker of the supervisor above.
      const server = await startServer(config, ctx, log);
      process.send?.({ strata: 'listening', url: server.url } satisfies ListeningMessage);
      await untilSignal();
      await server.stop();
      await ctx.close();
      process.exit(0);
    });
}

async function startServer(config: StrataConfig, ctx: Awaited<ReturnType<typeof openContext>>, log: LogFn) {
  const { store, workspace } = ctx;
  // Storage housekeeping never runs in a serving thread: a worker leaves it to the supervisor (see above); a
  // single process runs it on a thread of its own.
  if (cluster.isWorker) store.maintenance?.deferInThisProcess();
  const housekeeping = cluster.isWorker ? undefined : store.maintenance?.runInBackground(500, maintenanceFailed(log));
  const n = config.server.workers;
  // Each worker keeps its own token buckets (the API's and the gateway's per-key model request rates), so the
  // configured rates are shared out: together they allow them. Spend budgets are read from the shared store.
  const { perSecond, burst } = config.server.rateLimit;
  const rpm = <T extends { requestsPerMinute?: number }>(b: T): T => (b.requestsPerMinute === undefined ? b : { ...b, requestsPerMinute: b.requestsPerMinute / n });
  const { budgets } = config.gateway;
  const perWorker = {
    ...config,
    server: { ...config.server, rateLimit: { perSecond: perSecond / n, burst: Math.max(1, Math.ceil(burst / n)) } },
    gateway: { ...config.gateway, budgets: { default: rpm(budgets.default), keys: Object.fromEntries(Object.entries(budgets.keys).map(([k, b]) => [k, rpm(b)])) } },
  };
  const searcher = createSearcher(store, config.search.bm25, { ranker: semanticFromConfig(store, config).ranker, resultCacheEntries: config.search.resultCacheEntries });
  const served = createApp({ config: cluster.isWorker ? perWorker : config, store, searcher, log });
  const { deps } = served;
  // Load the indexes (and analyze chunks for snippets, within the snippet cache) now, so the first searches do not pay for it.
  for (const col of await store.listCollections(workspace.id)) await searcher.warm(col, { snippets: true });
  const server = await listen(served, config.server);
  return {
    url: server.url,
    async stop() {
      await server.close();
      await Promise.race([deps.jobs.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await deps.gateway.flush(); // the usage records of the last requests, before the store closes
      await housekeeping?.stop();
    },
  };
}

function announce(io: Io, url: string, workspaceName: string, fresh: BootstrapKey | null, workers: number): void {
  const procs = workers > 1 ? ` with ${workers} worker processes` : '';
  io.out.write(`Strata API listening on ${url}${procs} (workspace "${workspaceName}"); reference: ${url}/docs\n`);
  if (fresh) {
    io.out.write(
      `\nAn admin API key for workspace "${workspaceName}" (user "${fresh.subject}"). It is shown only this once — store it now:\n\n  ${fresh.key}\n\n` +
        `Try it:\n\n  curl -s -H 'Authorization: Bearer ${fresh.key}' ${url}/v1/collections\n\n`,
    );
  }
}

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

/**
 * Forks `n` workers (they re-run this command and listen on the shared port), resolves with their URL once all
 * listen, restarts a worker that dies (at most 5 times a minute, then gives up and stops), and on SIGINT/SIGTERM
 * stops them and exits.
 */
function supervise(n: number, log: LogFn): Promise<string> {
  // Workers keep a young generation of at least 16 MB (V8 otherwise shrinks it to 1 MB after a quiet spell, and
  // the first busy seconds then pay a collection every few requests): in the gateway benchmark, alternating,
  // added p99 1.5–4.5 ms with it against 4.4–6.1 ms without (docs/BENCHMARKS.md). V8 takes it only at start.
  if (youngGenerationFlags().length === 0) cluster.setupPrimary({ execArgv: [...process.execArgv, YOUNG_GENERATION_FLAG] });
  return new Promise((resolve, reject) => {
    let stopping = false;
    let listening = 0;
    let url: string | undefined;
    const restarts: number[] = [];
    const fork = (): Worker => {
      const w = cluster.fork();
      w.on('message', (m: ListeningMessage) => {
        if (m?.strata !== 'listening') return;
        url = m.url;
        if (++listening === n) resolve(m.url);
      });
      return w;
    };
    cluster.on('exit', (w, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (url === undefined || restarts.length > 5) {
        log('error', 'server worker exited; giving up', { pid: w.process.pid, code, signal });
        stop();
        if (url === undefined) reject(new Error(`a server worker exited (code ${code}) before listening; see its error above`));
        return;
      }
      log('error', 'server worker exited; starting another', { pid: w.process.pid, code, signal });
      fork();
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write('shutting down: stopping server workers (running ingest jobs resume on their next sync)\n');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
        process.exit(1);
      }, 10_000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (let i = 0; i < n; i++) fork();
  });
}
