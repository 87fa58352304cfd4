// `strata serve`: the HTTP API on the embedded store (default http://127.0.0.1:7700, reference at /docs).
// On first run it creates an admin API key and prints it once, with a curl example to copy.
import type { Command } from 'commander';
import { createSearcher } from '../../search/service.js';
import { semanticFromConfig } from '../../search/semantic.js';
import { createApp } from '../../server/app.js';
import { ensureAdminKey } from '../../server/bootstrap.js';
import { listen } from '../../server/node.js';
import type { LogFn } from '../../server/types.js';
import { openContext, type GlobalFlags } from '../context.js';
import type { Io } from '../output.js';
import { intArg } from './shared.js';

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description('run the HTTP API (on 127.0.0.1 unless server.host says otherwise)')
    .option('--host <host>', 'interface to listen on (overrides server.host)')
    .option('--port <port>', 'port (overrides server.port; 0 picks a free one)', intArg('--port', 0, 65535))
    .option('--new-admin-key', 'create another admin API key for the workspace and print it once')
    .action(async (flags, cmd: Command) => {
      const ctx = await openContext(cmd.optsWithGlobals() as GlobalFlags);
      const { config, store, workspace } = ctx;
      if (flags.host) config.server.host = flags.host;
      if (flags.port !== undefined) config.server.port = flags.port;
      const log: LogFn = (level, message, fields = {}) => io.err.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
      const searcher = createSearcher(store, config.search.bm25, { ranker: semanticFromConfig(store, config).ranker });
      const { app, deps } = createApp({ config, store, searcher, log });
      // Load the indexes now, so the first search does not pay for it.
      for (const col of await store.listCollections(workspace.id)) await searcher.warm(col);
      const fresh = await ensureAdminKey(store, workspace.id, { force: Boolean(flags.newAdminKey) });
      const server = await listen(app, config.server);
      io.out.write(`Strata API listening on ${server.url} (workspace "${workspace.name}"); reference: ${server.url}/docs\n`);
      if (fresh) {
        io.out.write(
          `\nAn admin API key for workspace "${workspace.name}" (user "${fresh.subject}"). It is shown only this once — store it now:\n\n  ${fresh.key}\n\n` +
            `Try it:\n\n  curl -s -H 'Authorization: Bearer ${fresh.key}' ${server.url}/v1/collections\n\n`,
        );
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      io.err.write('shutting down: closing connections (running ingest jobs resume on their next sync)\n');
      await server.close();
      await Promise.race([deps.jobs.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await ctx.close();
    });
}
