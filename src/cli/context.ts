// What every CLI command needs: the validated config, an open store, the workspace, who is asking, output
// helpers. Commands stay thin: they parse flags, call core functions and print.
import { operatorCaller } from '../core/access.js';
import type { StrataConfig } from '../core/config.js';
import { collectionSettings } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import type { Caller, Collection, Workspace } from '../core/types.js';
import { loadConfig } from '../config/load.js';
import { resolveCaller, syncDirectoryFromConfig } from '../search/directory.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

export interface GlobalFlags {
  config?: string;
  dataDir?: string;
  workspace?: string;
  /** Act as this directory user: searches and document reads see only what the user may read. */
  as?: string;
}

export interface CliContext {
  config: StrataConfig;
  store: Store;
  workspace: Workspace;
  /**
   * Who is asking. Without `--as` the local operator (`cli`), who reads everything in the workspace
   * (bypassAcl: whoever runs the CLI already holds the data directory); with `--as <user>` that user.
   */
  caller: Caller;
  close(): Promise<void>;
}

export async function openContext(flags: GlobalFlags): Promise<CliContext> {
  const { config } = loadConfig({ file: flags.config });
  if (flags.dataDir) config.dataDir = flags.dataDir;
  if (flags.workspace) config.workspace = flags.workspace;
  const store = await openStore(config);
  try {
    const workspace = await store.ensureWorkspace(config.workspace);
    await syncDirectoryFromConfig(store, workspace.id, config);
    const caller = flags.as ? await resolveCaller(store, workspace.id, flags.as) : operatorCaller(workspace.id, 'cli');
    return { config, store, workspace, caller, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export async function requireCollection(ctx: CliContext, name: string): Promise<Collection> {
  const col = await ctx.store.getCollection(ctx.workspace.id, name);
  if (col) return col;
  const names = (await ctx.store.listCollections(ctx.workspace.id)).map((c) => c.name);
  throw new StrataError('cli', 'not-found', `collection "${name}" does not exist in workspace "${ctx.workspace.name}"`, {
    hint: names.length ? `existing collections: ${names.join(', ')}` : 'create it with `strata ingest <folder> --collection <name>`',
  });
}

export interface CollectionFlags {
  chunkSize?: number;
  chunkOverlap?: number;
  analyzer?: string;
}

/** Gets or creates a collection; flags only apply at creation, since settings are fixed per collection. */
export async function ensureCollection(ctx: CliContext, name: string, flags: CollectionFlags): Promise<Collection> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new StrataError('cli', 'invalid-input', `invalid collection name "${name}"`, {
      hint: 'use 1–64 letters, digits, "_", "." or "-", starting with a letter or digit',
    });
  }
  const existing = await ctx.store.getCollection(ctx.workspace.id, name);
  const base = collectionSettings(ctx.config, name);
  const chunking = {
    ...base.chunking,
    ...(flags.chunkSize !== undefined ? { maxTokens: flags.chunkSize } : {}),
    ...(flags.chunkOverlap !== undefined ? { overlapTokens: flags.chunkOverlap } : {}),
  };
  const analyzer = flags.analyzer ? { name: flags.analyzer } : base.analyzer;
  if (existing) {
    const s = existing.settings;
    const differs =
      (flags.chunkSize !== undefined && flags.chunkSize !== s.chunking.maxTokens) ||
      (flags.chunkOverlap !== undefined && flags.chunkOverlap !== s.chunking.overlapTokens) ||
      (flags.analyzer !== undefined && flags.analyzer !== s.analyzer.name);
    if (differs) {
      throw new StrataError('cli', 'invalid-input', `collection "${name}" already exists with chunk size ${s.chunking.maxTokens}, overlap ${s.chunking.overlapTokens} and analyzer "${s.analyzer.name}"`, {
        hint: 'settings are fixed when a collection is created: drop the flags, or ingest into a new collection',
      });
    }
    return existing;
  }
  if (chunking.maxTokens < 16 || chunking.overlapTokens < 0 || chunking.overlapTokens >= chunking.maxTokens / 2) {
    throw new StrataError('cli', 'invalid-input', `invalid chunking: --chunk-size must be ≥ 16 and --chunk-overlap between 0 and half the chunk size`);
  }
  return ctx.store.createCollection({ workspaceId: ctx.workspace.id, name, settings: { chunking, analyzer }, classification: base.classification });
}
