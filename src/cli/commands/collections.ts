// `strata collections`: list collections (and delete one).
import type { Command } from 'commander';
import type { Collection } from '../../core/types.js';
import { createSearcher } from '../../search/service.js';
import { requireCollection } from '../context.js';
import { printJson, printTable, type Io } from '../output.js';
import { withContext } from './shared.js';

export function registerCollections(program: Command, io: Io): void {
  const cmd = program.command('collections').description('list collections');
  cmd
    .command('list', { isDefault: true })
    .option('--json', 'print JSON')
    .action(async (flags, c: Command) => {
      await withContext(c, async (ctx) => {
        let list: (Collection & { documentCount: number; chunkCount: number | null })[] = await ctx.store.listCollections(ctx.workspace.id);
        if (ctx.caller.bypassAcl !== true) {
          // Counts are guarded too: a user sees how many documents it may read; chunk counts are not kept per reader.
          const searcher = createSearcher(ctx.store, ctx.config.search.bm25);
          list = await Promise.all(list.map(async (c) => ({ ...c, documentCount: await searcher.countDocumentsFor(ctx.caller, c), chunkCount: null })));
        }
        if (flags.json) return printJson(io, list);
        if (!list.length) return void io.out.write('no collections yet: create one with `strata ingest <folder> --collection <name>`\n');
        printTable(
          io,
          ['NAME', 'DOCUMENTS', 'CHUNKS', 'CHUNK SIZE', 'ANALYZER', 'CREATED'],
          list.map((x) => [x.name, x.documentCount, x.chunkCount, `${x.settings.chunking.maxTokens}/${x.settings.chunking.overlapTokens}`, x.settings.analyzer.name, x.createdAt]),
        );
      });
    });
  cmd
    .command('delete')
    .argument('<name>', 'collection to delete with all its documents')
    .option('--json', 'print JSON')
    .action(async (name: string, flags, c: Command) => {
      await withContext(c, async (ctx) => {
        const col = await requireCollection(ctx, name);
        await ctx.store.deleteCollection(col.id);
        if (flags.json) return printJson(io, { deleted: name });
        io.out.write(`deleted collection ${name}\n`);
      });
    });
}
