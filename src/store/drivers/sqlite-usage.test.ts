import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { it } from 'node:test';
import type { UsageRecordInput } from '../usage.js';
import sqliteStore from './sqlite.js';

const rec = (over: Partial<UsageRecordInput>): UsageRecordInput => ({
  workspaceId: '',
  keyId: 'k1',
  traceId: 't',
  kind: 'chat',
  alias: 'chat',
  modelId: 'm',
  status: 'ok',
  error: null,
  inputTokens: 10,
  cachedInputTokens: 2,
  outputTokens: 5,
  reasoningTokens: 1,
  costUsd: 0.25,
  estimated: false,
  cacheHit: false,
  latencyMs: 12.5,
  at: '2025-01-15T10:00:00.000Z',
  ...over,
});

it('stores usage records, sums a key\'s cost since a time, lists newest first per workspace, and refuses bad counts atomically', async () => {
  const store = await sqliteStore({ dataDir: ':memory:' });
  const a = await store.ensureWorkspace('a');
  const b = await store.ensureWorkspace('b');
  await store.recordUsage([
    rec({ workspaceId: a.id, at: '2025-01-14T23:59:59.000Z', costUsd: 1 }),
    rec({ workspaceId: a.id, at: '2025-01-15T00:00:00.000Z', costUsd: 0.5, status: 'aborted', estimated: true }),
    rec({ workspaceId: a.id, keyId: 'k2', costUsd: 7 }),
    rec({ workspaceId: b.id, costUsd: 2 }),
  ]);
  assert.equal(await store.usageCostSince('k1', '2025-01-15T00:00:00.000Z'), 2.5);
  assert.equal(await store.usageCostSince('k1', '2025-01-01T00:00:00.000Z'), 3.5);
  assert.equal(await store.usageCostSince('nobody', '2025-01-01T00:00:00.000Z'), 0);
  const rows = await store.listUsage({ workspaceId: a.id, keyId: 'k1' });
  assert.deepEqual(rows.map((r) => r.costUsd), [0.5, 1]);
  assert.equal(rows[0]!.status, 'aborted');
  assert.equal(rows[0]!.estimated, true);
  assert.equal(rows[0]!.cachedInputTokens, 2);
  assert.equal((await store.listUsage({ workspaceId: b.id })).length, 1);
  await assert.rejects(store.recordUsage([rec({ workspaceId: a.id }), rec({ workspaceId: a.id, outputTokens: -1 })]), /negative or non-integer/);
  assert.equal((await store.listUsage({ workspaceId: a.id })).length, 3, 'nothing of the refused batch was written');
  await store.close();
});

it('keeps a per-day spend beside the records: sums from a UTC midnight read it, others the records; older stores are backfilled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    const store = await sqliteStore({ dataDir: dir });
    const ws = await store.ensureWorkspace('a');
    await store.recordUsage([
      rec({ workspaceId: ws.id, at: '2025-01-14T22:30:00.000Z', costUsd: 1 }),
      rec({ workspaceId: ws.id, at: '2025-01-15T01:00:00+02:00', costUsd: 2 }), // 23:00 UTC on the 14th
      rec({ workspaceId: ws.id, at: '2025-01-15T08:00:00.000Z', costUsd: 4 }),
      rec({ workspaceId: ws.id, keyId: null, costUsd: 8 }),
    ]);
    assert.equal(await store.usageCostSince('k1', '2025-01-15T00:00:00.000Z'), 4);
    assert.equal(await store.usageCostSince('k1', '2025-01-14T00:00:00.000Z'), 7);
    assert.equal(await store.usageCostSince('k1', '2025-01-14T22:45:00.000Z'), 2 + 4, 'not a midnight: summed from the records');
    // A later batch adds to the day's spend (both of its records, summed before the upsert).
    await store.recordUsage([rec({ workspaceId: ws.id, at: '2025-01-15T09:00:00.000Z', costUsd: 0.5 }), rec({ workspaceId: ws.id, at: '2025-01-15T09:30:00.000Z', costUsd: 0.25 })]);
    assert.equal(await store.usageCostSince('k1', '2025-01-15T00:00:00.000Z'), 4.75);
    await assert.rejects(store.recordUsage([rec({ workspaceId: ws.id, at: 'yesterday' })]), /unreadable time/);
    await store.close();

    // A store from before the spend table: the migration fills it from the records.
    const raw = new Database(join(dir, 'strata.db'));
    raw.exec('DROP TABLE gateway_spend');
    raw.pragma(`user_version = ${(raw.pragma('user_version', { simple: true }) as number) - 1}`);
    raw.close();
    const reopened = await sqliteStore({ dataDir: dir });
    assert.equal(await reopened.usageCostSince('k1', '2025-01-14T00:00:00.000Z'), 7.75);
    assert.equal(await reopened.usageCostSince('k1', '2025-01-15T00:00:00.000Z'), 4.75);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
