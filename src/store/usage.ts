// Storage contract for the model gateway's usage and cost records: one row per gateway request that reached a
// model (or the response cache), including failed and aborted ones, with what it consumed. Budgets are summed
// from it at start-up; reports list it. Implemented per driver in drivers/<name>-usage.ts.

export type UsageStatus = 'ok' | 'error' | 'aborted';

export interface UsageRecordInput {
  workspaceId: string;
  /** API key charged; null for internal calls (answers generated for the CLI…). */
  keyId: string | null;
  traceId: string | null;
  kind: 'chat' | 'embeddings';
  /** What the caller asked for (alias or registry id). */
  alias: string;
  /** Registry id of the model that answered (or last failed); null when no model was called. */
  modelId: string | null;
  status: UsageStatus;
  /** Error code (`rate-limited`, `unavailable`…) or provider error kind, when status is not ok. */
  error: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** From the registry's pricing; 0 for cache hits. */
  costUsd: number;
  /** True when the provider reported no usage (a cut or aborted stream) and tokens were counted locally. */
  estimated: boolean;
  cacheHit: boolean;
  latencyMs: number;
  /** ISO time the request started. */
  at: string;
}

export interface UsageRecord extends UsageRecordInput {
  id: string;
}

export interface UsageQuery {
  workspaceId: string;
  keyId?: string;
  /** ISO time; records at or after it. */
  since?: string;
  /** Newest first; 1–10 000, default 100. */
  limit?: number;
}

export interface UsageStore {
  /** Appends records in one transaction. */
  recordUsage(records: UsageRecordInput[]): Promise<void>;
  /** Total cost in USD charged to a key at or after `since` (ISO). */
  usageCostSince(keyId: string, since: string): Promise<number>;
  listUsage(query: UsageQuery): Promise<UsageRecord[]>;
}
