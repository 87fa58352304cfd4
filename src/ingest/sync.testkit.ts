// Helpers for sync tests: a temp store + collection wired the way the CLI wires them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type StrataConfig } from '../core/config.js';
import type { Collection } from '../core/types.js';
import sqliteStore from '../store/drivers/sqlite.js';
import type { Store } from '../store/types.js';
import { indexTextWith } from '../search/service.js';
import { syncFolder, type SyncOptions } from './sync.js';

export interface Harness {
  store: Store;
  collection: Collection;
  config: StrataConfig;
  dataDir: string;
  sync(root: string, extra?: Partial<SyncOptions>): ReturnType<typeof syncFolder>;
}

export async function makeHarness(overrides: Record<string, unknown> = {}, dataDir = mkdtempSync(join(tmpdir(), 'strata-data-'))): Promise<Harness> {
  const config = validateConfig({ dataDir, ...overrides }, 'test');
  const store = await sqliteStore({ dataDir });
  const ws = await store.ensureWorkspace('default');
  const collection =
    (await store.getCollection(ws.id, 'docs')) ??
    (await store.createCollection({ workspaceId: ws.id, name: 'docs', settings: { chunking: config.chunking, analyzer: config.search.analyzer } }));
  return {
    store,
    collection,
    config,
    dataDir,
    sync: (root, extra = {}) =>
      syncFolder({ store, collection, root, ingest: config.ingest, indexText: indexTextWith(config.search.analyzer.name), ...extra }),
  };
}
