// `strata ingest <dir> --collection <name>`: incremental, idempotent sync of a folder into a collection.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { newId } from '../../core/ids.js';
import { syncFolder } from '../../ingest/sync.js';
import { indexTextWith } from '../../search/service.js';
import { catchUpAfterIngest } from '../../search/semantic.js';
import { ensureCollection } from '../context.js';
import { printJson, printTable, progressBar, type Io } from '../output.js';
import { intArg, withContext } from './shared.js';

export function registerIngest(program: Command, io: Io): void {
  program
    .command('ingest')
    .description('index a folder into a collection; re-running syncs changes, edits and deletions')
    .argument('<dir>', 'folder to ingest')
    .requiredOption('--collection <name>', 'collection to sync into (created if missing)')
    .option('--chunk-size <tokens>', 'max tokens per chunk (new collections only)', intArg('--chunk-size', 16, 8192))
    .option('--chunk-overlap <tokens>', 'overlap tokens between chunks (new collections only)', intArg('--chunk-overlap', 0, 4096))
    .option('--analyzer <name>', 'lexical analyzer, e.g. english or standard (new collections only)')
    .option('--allow-empty', 'allow a run that removes every document of a folder that is now empty')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const collection = await ensureCollection(ctx, flags.collection, flags);
        const bar = await progressBar(io, `ingest ${flags.collection}`);
        const report = await syncFolder({
          store: ctx.store,
          collection,
          root: resolve(dir),
          ingest: ctx.config.ingest,
          indexText: indexTextWith(collection.settings.analyzer.name),
          allowEmpty: Boolean(flags.allowEmpty),
          audit: { workspaceId: ctx.workspace.id, actor: ctx.caller.bypassAcl ? 'cli' : `user:${ctx.caller.subject}`, traceId: newId('trace') },
          onProgress: (p) => bar.update(p.done, p.total, p.path),
        }).finally(() => bar.stop());
        // New chunks get vectors for the collection's active index version now, so searches embed only queries.
        const vectors = await catchUpAfterIngest(ctx.store, ctx.config, collection);
        if (flags.json) return printJson(io, vectors ? { ...report, vectors } : report);
        if (vectors && vectors.embedded > 0) io.out.write(`${flags.collection}: ${vectors.embedded} new chunks embedded for index version ${vectors.versionId} (${vectors.embedderId})\n`);
        const f = report.files;
        const d = report.documents;
        io.out.write(
          `${flags.collection}: ${f.indexed} indexed, ${f.unchanged} unchanged, ${f.failed} failed, ${f.skipped} skipped, ${f.deleted} deleted files ` +
            `(documents: ${d.inserted} new, ${d.replaced} updated, ${d.deleted} removed, ${d.unchanged} unchanged) in ${(report.durationMs / 1000).toFixed(1)} s\n`,
        );
        const problems = report.outcomes.filter((o) => o.status === 'failed' || o.status === 'skipped');
        if (problems.length) {
          printTable(io, ['STATUS', 'FILE', 'REASON'], problems.map((o) => [o.status, o.path, o.reason]), 100);
        }
      });
    });
}
