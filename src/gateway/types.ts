// Contract of the model gateway: one entry point that turns a model alias into calls to providers, with
// routing (retries, fallback, circuit breaking, weighted canaries), an exact-match response cache, budgets,
// rate limits, costs, and data-classification routing. The answer service and the OpenAI-compatible routes
// both go through it. Implemented in ./gateway.ts.
import type { Classification } from '../core/types.js';
import type { ChatEvent, ChatRequest, ChatResult, Usage } from '../models/types.js';

export type ModelStage = 'exploration' | 'staging' | 'production';

/** One model of the registry (config `models:` and the API). */
export interface RegistryEntry {
  /** Registry id, e.g. `gpt-4o-mini` or `local-llama`. */
  id: string;
  /** Provider adapter name (`openai`, `anthropic`, `ollama`, …) and its model name. */
  provider: string;
  model: string;
  contextWindow: number;
  maxOutputTokens: number | null;
  /** USD per million tokens. */
  pricing: { input: number; output: number; cachedInput?: number };
  deployment: 'hosted' | 'self-hosted';
  licence: string | null;
  capabilities: string[];
  /** Classifications of data this model may receive. */
  clearedFor: Classification[];
  stage: ModelStage;
}

export interface GatewayCallContext {
  workspaceId: string;
  /** Credential the call is charged to (budgets and rate limits); undefined for internal calls. */
  keyId?: string;
  /** Request id, written into audit entries. */
  traceId?: string;
  /**
   * Highest classification of any text in the request (retrieved context included). A model not cleared for
   * it is never called: the gateway re-routes to a cleared model of the alias's fallback chain or refuses.
   */
  classification?: Classification;
  signal?: AbortSignal;
  /** Who asked, for audit entries (`user:alice`); defaults to `key:<keyId>`, else `system`. */
  actor?: string;
  /**
   * Response cache use: true caches whatever the temperature, false never; by default only temperature-0
   * requests are cached (when the alias's cache is on).
   */
  cache?: boolean;
}

/** Where a call went and why; every re-route or refusal for classification is also audited. */
export interface RouteInfo {
  alias: string;
  /** Registry id of the model that answered. */
  modelId: string;
  /** Set when the first choice was skipped for classification. */
  rerouted?: { from: string; reason: string };
  attempts: number;
  cacheHit: boolean;
}

export interface GatewayResult extends ChatResult {
  route: RouteInfo;
  costUsd: number;
  latencyMs: number;
}

export type GatewayEvent =
  | ChatEvent
  | { type: 'route'; route: RouteInfo }
  /** Last event of a stream: what was consumed and what it cost (also after a client disconnect). */
  | { type: 'cost'; usage: Usage; costUsd: number };

export interface Gateway {
  complete(alias: string, req: Omit<ChatRequest, 'model'>, ctx: GatewayCallContext): Promise<GatewayResult>;
  stream(alias: string, req: Omit<ChatRequest, 'model'>, ctx: GatewayCallContext): AsyncIterable<GatewayEvent>;
  /** The model a call would use for this classification, or a `forbidden` StrataError naming why none may. */
  resolve(alias: string, classification?: Classification): RegistryEntry;
  /** Registry entries and aliases known to the gateway. */
  registry(): RegistryEntry[];
  aliases(): string[];
}
