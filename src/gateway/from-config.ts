// The gateway as `strata serve` runs it: one chat adapter per configured provider (models/chat), embedders for
// registry models that name one, usage in the store, classification decisions in the audit log. Adapter
// configuration mistakes (a missing API key, deployment or model path) fail here, at start-up.
import type { StrataConfig } from '../core/config.js';
import { createChatModel } from '../models/chat/index.js';
import type { ChatModel, Embedder } from '../models/types.js';
import type { UsageStore } from '../store/usage.js';
import type { AuditSink } from './engine.js';
import { createGateway, type StrataGateway } from './gateway.js';
import type { GatewayLog } from './recorder.js';

export interface GatewayFromConfigDeps {
  store?: Pick<UsageStore, 'recordUsage' | 'usageCostSince'>;
  audit?: AuditSink;
  log?: GatewayLog;
  /** Builds the embedder configured under `embedders.<name>` (models/embed's factory; loading may take a while). */
  embedderFor?: (name: string) => Embedder | Promise<Embedder>;
}

export function createGatewayFromConfig(config: StrataConfig, deps: GatewayFromConfigDeps = {}): StrataGateway {
  const providers: Record<string, ChatModel> = {};
  for (const [name, { kind, ...settings }] of Object.entries(config.providers)) {
    providers[name] = createChatModel({ provider: kind, ...settings });
  }
  const embedders: Record<string, Embedder | Promise<Embedder>> = {};
  for (const [id, m] of Object.entries(config.models)) {
    if (m.embedder === undefined || !deps.embedderFor) continue;
    const e = deps.embedderFor(m.embedder);
    // A failing load surfaces on the model's first request, as a clear error; it must not crash start-up.
    if (e instanceof Promise) e.catch(() => undefined);
    embedders[id] = e;
  }
  return createGateway({ config, providers, embedders, store: deps.store, audit: deps.audit, log: deps.log });
}
