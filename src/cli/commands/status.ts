// `strata status`: per-file outcome of the last sync, recent jobs and vector index versions (with build progress).
import type { Command } from 'commander';
import type { FileState } from '../../core/types.js';
import { requireCollection } from '../context.js';
import { describeVersion } from './index-cmd.js';
import { printJson, printTable, type Io } from '../output.js';
import { withContext } from './shared.js';

const ORDER: Record<FileState['status'], number> = { failed: 0, skipped: 1, deleted: 2, indexed: 3, unchanged: 4 };

export function registerStatus(program: Command, io: Io): void {
  program
    .command('status')
    .description('show the per-file status of the last ingest and recent jobs')
    .option('--collection <name>', 'one collection (default: all)')
    .option('--json', 'print JSON')
    .action(async (flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        await ctx.store.recoverInterruptedJobs();
        const cols = flags.collection
          ? [await requireCollection(ctx, flags.collection)]
          : await ctx.store.listCollections(ctx.workspace.id);
        const out = [];
        for (const col of cols) {
          const files = (await ctx.store.listFileStates(col.id)).sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.path.localeCompare(b.path));
          const jobs = await ctx.store.listJobs(col.id, 5);
          const counts: Record<string, number> = {};
          for (const f of files) counts[f.status] = (counts[f.status] ?? 0) + 1;
          // Vector index versions: the active one and any build in progress (with its progress), not the history.
          const indexVersions = (await ctx.store.listIndexVersions(col.id)).filter((v) => v.state === 'active' || v.state === 'building');
          out.push({ collection: col.name, counts, files, jobs, indexVersions });
        }
        if (flags.json) return printJson(io, out);
        for (const c of out) {
          io.out.write(`${c.collection}: ${Object.entries(c.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'no files yet'}\n`);
          const j = c.jobs[0];
          if (j) io.out.write(`  last job ${j.id}: ${j.status} (started ${j.startedAt}${j.error ? `; ${j.error}` : ''})\n`);
          for (const v of c.indexVersions) io.out.write(`  index ${describeVersion(v)}\n`);
          if (c.files.length) {
            printTable(io, ['STATUS', 'DOCS', 'FILE', 'REASON'], c.files.map((f) => [f.status, f.documentCount, f.path, f.reason]), 90);
          }
        }
      });
    });
}
