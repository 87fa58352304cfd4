// The exact-match response cache: an LRU with a TTL, keyed by workspace, alias, the request's data
// classification and the normalised request, so an answer is never served to another workspace.
import { createHash } from 'node:crypto';
import type { Classification } from '../core/types.js';
import type { ChatRequest, ChatResult } from '../models/types.js';

export interface CachedAnswer {
  result: ChatResult;
  modelId: string;
}

export interface ResponseCache {
  get(key: string): CachedAnswer | undefined;
  set(key: string, value: CachedAnswer): void;
  readonly size: number;
}

export function createResponseCache(options: { maxEntries: number; ttlMs: number; now: () => number }): ResponseCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, { value: CachedAnswer; expires: number }>();
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      if (e.expires <= options.now()) return undefined;
      entries.set(key, e);
      return e.value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expires: options.now() + options.ttlMs });
      while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The cache key. Everything that can change the answer is in it; the signal is not. Keys of objects are written
 * in a fixed order so two equal requests always hash the same.
 */
export function cacheKey(workspaceId: string, alias: string, classification: Classification | undefined, req: Omit<ChatRequest, 'model'>): string {
  const normal = {
    messages: req.messages.map((m) => [m.role, m.content, m.toolCallId ?? null, m.toolCalls?.map((t) => [t.id, t.name, t.arguments]) ?? null]),
    maxTokens: req.maxTokens ?? null,
    temperature: req.temperature ?? null,
    topP: req.topP ?? null,
    stop: req.stop ?? null,
    seed: req.seed ?? null,
    responseFormat: req.responseFormat ?? null,
    tools: req.tools?.map((t) => [t.name, t.description ?? null, sortedJson(t.parameters)]) ?? null,
  };
  return createHash('sha256').update(JSON.stringify([workspaceId, alias, classification ?? 'public', normal])).digest('base64url');
}

function sortedJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedJson);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortedJson((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
