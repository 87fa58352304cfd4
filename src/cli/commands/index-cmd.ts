// `strata index build|status|cancel`: a collection's vector index versions. A build embeds the collection's
// chunks (never its sources again) into a new version while searches keep using the active one, then
// switches atomically; killed, it resumes where it stopped when run again.
import type { Command } from 'commander';
import { StrataError } from '../../core/errors.js';
import type { Collection } from '../../core/types.js';
import { configuredEmbedder, semanticFromConfig } from '../../search/semantic.js';
import type { IndexVersion } from '../../store/vectors.js';
import { requireCollection, type CliContext } from '../context.js';
import { printJson, printTable, progressBar, type Io } from '../output.js';
import { intArg, withContext } from './shared.js';

/** One line per version for `index status` and `strata status`. */
export function describeVersion(v: IndexVersion): string {
  const pct = v.totalChunks > 0 ? ` (${Math.floor((100 * v.embeddedChunks) / v.totalChunks)}%)` : '';
  const name = typeof v.embedder.name === 'string' ? `${v.embedder.name} = ` : '';
  return `v${v.id} ${v.state} ${name}${v.embedderId}: ${v.embeddedChunks}/${v.totalChunks} chunks${pct}${v.error ? `; ${v.error}` : ''}`;
}

export function registerIndex(program: Command, io: Io): void {
  const index = program.command('index').description('vector index versions of collections (semantic and hybrid search)');

  index
    .command('build')
    .description('build (or resume) a vector index version; without --embedder, resume the build in progress or embed chunks ingested since')
    .argument('<collection>', 'collection to index')
    .option('--embedder <name>', 'embedder from the config (`embedders:`), or "static" (offline word vectors)')
    .option('--batch-size <n>', 'chunks embedded and written per transaction', intArg('--batch-size', 1, 10000), 256)
    .option('--json', 'print the resulting version as JSON')
    .action(async (name: string, flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const collection = await requireCollection(ctx, name);
        const version = await build(ctx, io, collection, flags.embedder, flags.batchSize);
        if (flags.json) return printJson(io, version);
        io.out.write(`${collection.name}: ${describeVersion(version)}\n`);
      });
    });

  index
    .command('status')
    .description('index versions of one collection or all, with build progress')
    .argument('[collection]', 'one collection (default: all)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const cols = name ? [await requireCollection(ctx, name)] : await ctx.store.listCollections(ctx.workspace.id);
        const out = [];
        for (const c of cols) out.push({ collection: c.name, versions: await ctx.store.listIndexVersions(c.id) });
        if (flags.json) return printJson(io, out);
        const rows = out.flatMap((c) =>
          c.versions.map((v) => [c.collection, `v${v.id}`, v.state, v.embedderId, `${v.embeddedChunks}/${v.totalChunks}`, v.activatedAt ?? v.createdAt, v.error]),
        );
        if (rows.length === 0) return void io.out.write('no vector index versions yet: strata index build <collection> --embedder <name>\n');
        printTable(io, ['COLLECTION', 'VERSION', 'STATE', 'EMBEDDER', 'CHUNKS', 'SINCE', 'ERROR'], rows, 70);
      });
    });

  index
    .command('cancel')
    .description('abandon the build in progress (the active version keeps serving)')
    .argument('<collection>', 'collection')
    .action(async (name: string, _flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const collection = await requireCollection(ctx, name);
        const v = await semanticFromConfig(ctx.store, ctx.config).builder.cancel(collection);
        io.out.write(v ? `${collection.name}: ${describeVersion(v)}\n` : `${collection.name}: no build in progress\n`);
      });
    });
}

/**
 * What `index build` does: an explicit or configured embedder that differs from the active version starts (or
 * resumes) a build; otherwise the build in progress is resumed, or the active version catches up.
 */
async function build(ctx: CliContext, io: Io, collection: Collection, flag: string | undefined, batchSize: number): Promise<IndexVersion> {
  const { builder, resolveEmbedder } = semanticFromConfig(ctx.store, ctx.config);
  const versions = await ctx.store.listIndexVersions(collection.id);
  const building = versions.find((v) => v.state === 'building');
  const active = versions.find((v) => v.state === 'active');
  const wanted = flag ?? (building ? undefined : configuredEmbedder(ctx.config, collection.name));
  const bar = await progressBar(io, `index ${collection.name}`);
  const onProgress = (p: { embedded: number; total: number }) => bar.update(p.embedded, p.total);
  try {
    // Same name and same vectors as the active version: nothing to rebuild, only chunks to catch up.
    const sameAsActive = active && wanted !== undefined && active.embedder.name === wanted && (await resolveEmbedder(wanted)).id === active.embedderId;
    if (wanted === undefined || sameAsActive) {
      if (building) return await builder.run(building.id, { batchSize, onProgress });
      if (active) return (await builder.catchUp(collection, { batchSize, onProgress })).version!;
      throw new StrataError('cli', 'invalid-input', `collection "${collection.name}" has no vector index and no embedder was named`, {
        hint: `strata index build ${collection.name} --embedder static (offline), or set collections.${collection.name}.embedder in the config`,
      });
    }
    const version = await builder.start(collection, wanted);
    return await builder.run(version.id, { batchSize, onProgress });
  } finally {
    bar.stop();
  }
}
