// SQLite implementation of the gateway's usage records (see ../usage.ts). Records arrive in batches from the
// gateway's recorder, so one prepared insert in one transaction per batch.
import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { UsageRecord, UsageRecordInput, UsageStore } from '../usage.js';

/** Schema of the usage table (a migration of the SQLite store, appended in sqlite-schema.ts). */
export const USAGE_DDL = `
  CREATE TABLE gateway_usage (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key_id TEXT,
    trace_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('chat', 'embeddings')),
    alias TEXT NOT NULL,
    model_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'aborted')),
    error TEXT,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    estimated INTEGER NOT NULL,
    cache_hit INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX gateway_usage_by_key ON gateway_usage (key_id, at);
  CREATE INDEX gateway_usage_by_workspace ON gateway_usage (workspace_id, at);
`;

/**
 * Spend per key and UTC day (a later migration), kept in the same transaction as the usage records. Budgets read a
 * key's spend every second in each server process: one row for today, at most 31 for the month, instead of
 * summing every record (a busy key's day is tens of thousands of rows — milliseconds of stalled event loop).
 */
export const SPEND_DDL = `
  CREATE TABLE gateway_spend (
    key_id TEXT NOT NULL,
    day TEXT NOT NULL,
    cost_usd REAL NOT NULL,
    PRIMARY KEY (key_id, day)
  ) WITHOUT ROWID;
  INSERT INTO gateway_spend (key_id, day, cost_usd)
    SELECT key_id, date(at), SUM(cost_usd) FROM gateway_usage WHERE key_id IS NOT NULL AND date(at) IS NOT NULL GROUP BY key_id, date(at);
`;

/** A UTC midnight as `toISOString` writes it: the spend table answers sums from such instants. */
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00:00\.000Z$/;

type Row = Record<string, unknown>;

const toRecord = (r: Row): UsageRecord => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  keyId: (r.key_id as string | null) ?? null,
  traceId: (r.trace_id as string | null) ?? null,
  kind: r.kind as UsageRecord['kind'],
  alias: r.alias as string,
  modelId: (r.model_id as string | null) ?? null,
  status: r.status as UsageRecord['status'],
  error: (r.error as string | null) ?? null,
  inputTokens: r.input_tokens as number,
  cachedInputTokens: r.cached_input_tokens as number,
  outputTokens: r.output_tokens as number,
  reasoningTokens: r.reasoning_tokens as number,
  costUsd: r.cost_usd as number,
  estimated: r.estimated === 1,
  cacheHit: r.cache_hit === 1,
  latencyMs: r.latency_ms as number,
  at: r.at as string,
});

export function sqliteUsage(db: BetterSqlite3.Database): UsageStore {
  const q = {
    // Positional parameters, cheaper to bind than 18 named ones from an object per record (with the spend sums below,
    // 41–43 → 34–38 µs a record in batches of 10, measured with a loop of recordUsage).
    insert: db.prepare(
      `INSERT INTO gateway_usage (id, workspace_id, key_id, trace_id, kind, alias, model_id, status, error, input_tokens, cached_input_tokens,
       output_tokens, reasoning_tokens, cost_usd, estimated, cache_hit, latency_ms, at) VALUES (${Array(18).fill('?').join(', ')})`,
    ),
    costSince: db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM gateway_usage WHERE key_id = ? AND at >= ?'),
    spendSince: db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM gateway_spend WHERE key_id = ? AND day >= ?'),
    addSpend: db.prepare(
      'INSERT INTO gateway_spend (key_id, day, cost_usd) VALUES (?, ?, ?) ON CONFLICT (key_id, day) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd',
    ),
  };
  const insertAll = db.transaction((records: UsageRecordInput[]) => {
    // Spend is summed per key and UTC day first: one upsert per key and day of the batch, not one per record.
    const spend = new Map<string, { keyId: string; day: string; cost: number }>();
    for (const r of records) {
      q.insert.run(
        newId('use'),
        r.workspaceId,
        r.keyId,
        r.traceId,
        r.kind,
        r.alias,
        r.modelId,
        r.status,
        r.error,
        r.inputTokens,
        r.cachedInputTokens,
        r.outputTokens,
        r.reasoningTokens,
        r.costUsd,
        r.estimated ? 1 : 0,
        r.cacheHit ? 1 : 0,
        r.latencyMs,
        r.at,
      );
      if (r.keyId === null || r.costUsd <= 0) continue;
      const day = new Date(r.at).toISOString().slice(0, 10); // the UTC day
      const k = `${r.keyId}\u0000${day}`;
      const s = spend.get(k);
      if (s) s.cost += r.costUsd;
      else spend.set(k, { keyId: r.keyId, day, cost: r.costUsd });
    }
    for (const s of spend.values()) q.addSpend.run(s.keyId, s.day, s.cost);
  });

  return {
    async recordUsage(records) {
      for (const r of records) {
        const counts = [r.inputTokens, r.cachedInputTokens, r.outputTokens, r.reasoningTokens];
        if (Number.isNaN(Date.parse(r.at))) {
          throw new StrataError('store:sqlite', 'invalid-input', `usage record for "${r.alias}" has an unreadable time "${r.at}"`, { details: { alias: r.alias, at: r.at } });
        }
        if (!counts.every((n) => Number.isInteger(n) && n >= 0) || !Number.isFinite(r.costUsd) || r.costUsd < 0) {
          throw new StrataError('store:sqlite', 'invalid-input', `usage record for "${r.alias}" has negative or non-integer token counts or a bad cost`, {
            details: { alias: r.alias, counts, costUsd: r.costUsd },
          });
        }
      }
      if (records.length) insertAll(records);
    },
    async usageCostSince(keyId, since) {
      const midnight = MIDNIGHT.exec(since);
      return ((midnight ? q.spendSince.get(keyId, midnight[1]) : q.costSince.get(keyId, since)) as { cost: number }).cost;
    },
    async listUsage(query) {
      const limit = Math.min(10_000, Math.max(1, query.limit ?? 100));
      const where = ['workspace_id = ?'];
      const args: unknown[] = [query.workspaceId];
      if (query.keyId !== undefined) {
        where.push('key_id = ?');
        args.push(query.keyId);
      }
      if (query.since !== undefined) {
        where.push('at >= ?');
        args.push(query.since);
      }
      const rows = db.prepare(`SELECT * FROM gateway_usage WHERE ${where.join(' AND ')} ORDER BY at DESC, rowid DESC LIMIT ?`).all(...args, limit) as Row[];
      return rows.map(toRecord);
    },
  };
}
