// `strata docs list|show|delete`: inspect and remove indexed documents. Every read goes through the
// caller's permissions (the operator reads everything; `--as <user>` sees what that user may read).
import type { Command } from 'commander';
import { StrataError } from '../../core/errors.js';
import { createSearcher } from '../../search/service.js';
import { newId } from '../../core/ids.js';
import { requireCollection, type CliContext } from '../context.js';
import { printJson, printTable, type Io } from '../output.js';
import { intArg, withContext } from './shared.js';

export function registerDocs(program: Command, io: Io): void {
  const docs = program.command('docs').description('list, show and delete documents');

  docs
    .command('list')
    .requiredOption('--collection <name>', 'collection')
    .option('-n, --limit <n>', 'how many', intArg('--limit', 1, 100000), 50)
    .option('--offset <n>', 'skip the first n', intArg('--offset', 0, 10_000_000), 0)
    .option('--json', 'print JSON')
    .action(async (flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const col = await requireCollection(ctx, flags.collection);
        const searcher = createSearcher(ctx.store, ctx.config.search.bm25);
        const list = await searcher.listDocumentsFor(ctx.caller, col, { limit: flags.limit, offset: flags.offset });
        const total = await searcher.countDocumentsFor(ctx.caller, col);
        if (flags.json) return printJson(io, { total, offset: flags.offset, documents: list });
        printTable(io, ['ID', 'TITLE', 'PATH', 'TYPE', 'VERSION'], list.map((d) => [d.id, d.metadata.title, d.metadata.path, d.metadata.mediaType, d.version]));
        io.out.write(`${list.length} of ${total} documents\n`);
      });
    });

  docs
    .command('show')
    .argument('<id>', 'document id or source id')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print JSON')
    .action(async (id: string, flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { doc } = await requireDocument(ctx, flags.collection, id);
        const chunks = await ctx.store.getChunks(doc.id);
        if (flags.json) return printJson(io, { ...doc, chunks });
        io.out.write(`${doc.metadata.title ?? doc.sourceId}\n`);
        for (const [k, v] of Object.entries({ id: doc.id, sourceId: doc.sourceId, version: doc.version, contentHash: doc.contentHash, ...doc.metadata })) {
          if (k !== 'title') io.out.write(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
        }
        if (doc.accessPolicy) io.out.write(`  readers: ${doc.accessPolicy.readers.join(', ')}\n`);
        if (doc.classification) io.out.write(`  classification: ${doc.classification}\n`);
        for (const c of chunks) {
          const loc = [c.location.headings?.join(' › '), c.location.pageStart ? `p. ${c.location.pageStart}${c.location.pageEnd !== c.location.pageStart ? `–${c.location.pageEnd}` : ''}` : '', c.location.table ? 'table' : '']
            .filter(Boolean)
            .join(' · ');
          io.out.write(`\n--- chunk ${c.ordinal} (${c.tokenCount} tokens${loc ? `; ${loc}` : ''})\n${c.text}\n`);
        }
      });
    });

  docs
    .command('delete')
    .argument('<id>', 'document id or source id')
    .requiredOption('--collection <name>', 'collection')
    .option('--json', 'print JSON')
    .action(async (id: string, flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { col, doc } = await requireDocument(ctx, flags.collection, id);
        // Forgetting the file's sync state makes the next ingest of its folder re-read the file: the folder
        // stays the source of truth, so a document deleted here comes back while its file still exists.
        await ctx.store.write({
          collectionId: col.id,
          deletes: [doc.sourceId],
          forgetFiles: [doc.sourcePath],
          // In the same transaction as the delete, so there is never a delete without its audit entry.
          audit: [{ workspaceId: ctx.workspace.id, actor: 'cli', action: 'document.delete', resources: [`document:${doc.id}`], decision: 'allow', traceId: newId('trace'), details: { collection: col.name, sourceId: doc.sourceId } }],
        });
        if (flags.json) return printJson(io, { deleted: doc.id, sourceId: doc.sourceId });
        io.out.write(`deleted ${doc.id} (${doc.sourceId}) from ${col.name}\n`);
      });
    });
}

async function requireDocument(ctx: CliContext, collection: string, id: string) {
  const col = await requireCollection(ctx, collection);
  // A document the caller may not read is reported exactly like a missing one.
  const doc = await createSearcher(ctx.store, ctx.config.search.bm25).getDocumentFor(ctx.caller, col, id);
  if (!doc) {
    throw new StrataError('cli', 'not-found', `document "${id}" not found in collection "${col.name}"`, {
      hint: 'list documents with `strata docs list --collection …`',
    });
  }
  return { col, doc };
}
