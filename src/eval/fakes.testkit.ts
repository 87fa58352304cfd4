// Test doubles for eval: a gateway that answers from a function (no network), with registry entries whose
// `clearedFor` `resolve` enforces as the real gateway does (a `forbidden` error).
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import type { Gateway, GatewayResult, RegistryEntry } from '../gateway/types.js';
import type { ChatRequest } from '../models/types.js';

export interface FakeGateway extends Gateway {
  calls: { alias: string; req: Omit<ChatRequest, 'model'>; classification?: Classification }[];
}

export function fakeGateway(reply: (alias: string, prompt: string) => string, entries: Partial<RegistryEntry>[] = []): FakeGateway {
  const calls: FakeGateway['calls'] = [];
  const registry: RegistryEntry[] = entries.map((e) => ({
    id: e.id ?? 'fake',
    provider: 'fake',
    model: e.id ?? 'fake',
    contextWindow: 8192,
    maxOutputTokens: null,
    pricing: { input: 1, output: 2 },
    deployment: 'hosted',
    licence: null,
    capabilities: [],
    clearedFor: ['public', 'internal'],
    stage: 'production',
    ...e,
  }));
  return {
    calls,
    async complete(alias, req, ctx): Promise<GatewayResult> {
      calls.push({ alias, req, classification: ctx.classification });
      const prompt = req.messages.map((m) => m.content).join('\n');
      const text = reply(alias, prompt);
      const usage = { inputTokens: Math.ceil(prompt.length / 4), outputTokens: Math.ceil(text.length / 4) };
      return {
        text,
        toolCalls: [],
        finishReason: 'stop',
        usage,
        model: alias,
        route: { alias, modelId: alias, attempts: 1, cacheHit: false },
        costUsd: (usage.inputTokens + 2 * usage.outputTokens) / 1e6,
        latencyMs: 1,
      };
    },
    stream() {
      throw new Error('not used');
    },
    resolve(alias, classification) {
      const entry = registry.find((r) => r.id === alias);
      if (!entry) throw new StrataError('gateway', 'not-found', `unknown model alias "${alias}"`);
      if (classification && !entry.clearedFor.includes(classification)) {
        throw new StrataError('gateway', 'forbidden', `no model of "${alias}" is cleared for ${classification} data`);
      }
      return entry;
    },
    registry: () => registry,
    aliases: () => registry.map((r) => r.id),
  };
}
