// Test helpers for the answer service: a small collection written straight to an in-memory store, and a fake
// Gateway that implements the contract (resolve by classification, complete, stream with route and cost
// events) and records every call, so tests can assert what was — or was not — sent to a model.
import { StrataError } from '../core/errors.js';
import type { AccessPolicy, Classification, Collection, Workspace } from '../core/types.js';
import type { Gateway, GatewayCallContext, GatewayEvent, GatewayResult, RegistryEntry } from '../gateway/types.js';
import type { ChatMessage, ChatRequest } from '../models/types.js';
import { indexTextWith } from '../search/service.js';
import sqliteStore from '../store/drivers/sqlite.js';
import type { DocumentInput, Store } from '../store/types.js';

export interface FixtureDoc {
  sourceId: string;
  title?: string;
  path?: string;
  /** One chunk per entry. */
  chunks: string[];
  headings?: string[];
  page?: number;
  policy?: AccessPolicy | null;
  classification?: Classification | null;
}

export interface Fixture {
  store: Store;
  workspace: Workspace;
  collection: Collection;
}

export async function makeCollection(docs: readonly FixtureDoc[], classification: Classification = 'internal', store?: Store, workspaceName = 'acme'): Promise<Fixture> {
  const s = store ?? (await sqliteStore({ dataDir: ':memory:' }));
  const workspace = await s.ensureWorkspace(workspaceName);
  const settings = { chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: 'cl100k_base' as const }, analyzer: { name: 'english' } };
  const created = await s.createCollection({ workspaceId: workspace.id, name: 'kb', settings, classification });
  const analyze = indexTextWith('english');
  const upserts: DocumentInput[] = docs.map((d, i) => ({
    sourceId: d.sourceId,
    sourcePath: d.path ?? d.sourceId,
    contentHash: `h${i}`,
    metadata: { ...(d.title ? { title: d.title } : {}), path: d.path ?? d.sourceId },
    accessPolicy: d.policy ?? null,
    classification: d.classification ?? null,
    chunks: d.chunks.map((text, ordinal) => ({
      ordinal,
      text,
      tokenCount: text.split(/\s+/).length,
      location: { ...(d.headings ? { headings: d.headings } : {}), ...(d.page ? { pageStart: d.page, pageEnd: d.page } : {}) },
      ...analyze(text),
    })),
  }));
  for (let i = 0; i < upserts.length; i += 200) await s.write({ collectionId: created.id, upserts: upserts.slice(i, i + 200) });
  const collection = (await s.getCollection(workspace.id, 'kb'))!;
  return { store: s, workspace, collection };
}

export function entry(id: string, clearedFor: Classification[], contextWindow = 128_000, maxOutputTokens: number | null = 1024): RegistryEntry {
  return {
    id,
    provider: 'fake',
    model: id,
    contextWindow,
    maxOutputTokens,
    pricing: { input: 1, output: 2 },
    deployment: 'hosted',
    licence: null,
    capabilities: ['chat'],
    clearedFor,
    stage: 'production',
  };
}

export interface RecordedCall {
  kind: 'complete' | 'stream';
  alias: string;
  messages: ChatMessage[];
  maxTokens: number | undefined;
  ctx: GatewayCallContext;
}

export interface FakeGateway extends Gateway {
  calls: RecordedCall[];
  /** Every `resolve` call: the classification it was asked for. */
  resolves: (Classification | undefined)[];
}

/**
 * `chain` is the alias's fallback chain, first choice first: `resolve` returns the first entry cleared for the
 * classification, or throws `forbidden`. `reply` writes the model's text from the messages it received.
 */
export interface FakeGatewayOptions {
  alias?: string;
  /** Characters per streamed text event (default 7). */
  chunkChars?: number;
  /** Pause between streamed text events, in ms (default: one macrotask). */
  delayMs?: number;
  /** Thrown by the stream after this many text events (a provider cutting the stream). */
  failAfter?: { events: number; error: Error };
}

export function fakeGateway(chain: RegistryEntry[], reply: (messages: ChatMessage[]) => string, options: FakeGatewayOptions = {}): FakeGateway {
  const alias = options.alias ?? 'default';
  const calls: RecordedCall[] = [];
  const resolves: (Classification | undefined)[] = [];
  const resolve = (a: string, classification?: Classification): RegistryEntry => {
    if (a !== alias) throw new StrataError('gateway', 'invalid-input', `unknown model alias "${a}"`);
    resolves.push(classification);
    const e = chain.find((x) => classification === undefined || x.clearedFor.includes(classification));
    if (!e) throw new StrataError('gateway', 'forbidden', `no model of "${a}" is cleared for ${classification} data`);
    return e;
  };
  const usage = (messages: ChatMessage[], text: string) => ({ inputTokens: messages.reduce((n, m) => n + m.content.length, 0), outputTokens: text.length });
  return {
    calls,
    resolves,
    resolve,
    registry: () => chain,
    aliases: () => [alias],
    async complete(a, req: Omit<ChatRequest, 'model'>, ctx): Promise<GatewayResult> {
      const e = resolve(a, ctx.classification);
      calls.push({ kind: 'complete', alias: a, messages: req.messages, maxTokens: req.maxTokens, ctx });
      const text = reply(req.messages);
      return { text, toolCalls: [], finishReason: 'stop', usage: usage(req.messages, text), model: e.model, route: { alias: a, modelId: e.id, attempts: 1, cacheHit: false }, costUsd: 0.001, latencyMs: 1 };
    },
    async *stream(a, req, ctx): AsyncGenerator<GatewayEvent> {
      const e = resolve(a, ctx.classification);
      calls.push({ kind: 'stream', alias: a, messages: req.messages, maxTokens: req.maxTokens, ctx });
      yield { type: 'route', route: { alias: a, modelId: e.id, attempts: 1, cacheHit: false } };
      const text = reply(req.messages);
      const size = options.chunkChars ?? 7;
      for (let i = 0, n = 0; i < text.length; i += size, n++) {
        if (options.failAfter && n === options.failAfter.events) throw options.failAfter.error;
        ctx.signal?.throwIfAborted();
        await new Promise((r) => (options.delayMs ? setTimeout(r, options.delayMs) : setImmediate(r)));
        ctx.signal?.throwIfAborted();
        yield { type: 'text', text: text.slice(i, i + size) };
      }
      const u = usage(req.messages, text);
      yield { type: 'usage', usage: u };
      yield { type: 'finish', finishReason: 'stop', model: e.model };
      yield { type: 'cost', usage: u, costUsd: 0.001 };
    },
  };
}

/** Source blocks of a recorded prompt: marker → the text between the fences. */
export function promptSources(messages: ChatMessage[]): Map<number, string> {
  const user = messages.find((m) => m.role === 'user')!.content;
  const out = new Map<number, string>();
  for (const m of user.matchAll(/^\[(\d+)\] [^\n]*\n<<<\n([\s\S]*?)\n>>>\n/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}

/** The fake as the server's dependency: the StrataGateway extras are not used by answers. */
export function asStrataGateway(g: FakeGateway): FakeGateway & { embed: () => never; flush: () => Promise<void> } {
  return Object.assign(g, {
    embed: (): never => {
      throw new StrataError('gateway', 'unavailable', 'the fake gateway does not embed');
    },
    flush: async () => undefined,
  });
}
