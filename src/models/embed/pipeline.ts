// The cross-cutting part of embedding, composed around any adapter: the embedding cache, truncation to the
// model's input limit, batching (texts and, where the vendor caps it, total tokens per request), bounded
// concurrency with a requests-per-minute budget, and a second check of every vector before it is returned
// or cached. Adapters stay single-request translators; this wrapper is the same for all of them.
//
// Token counting: gpt-tokenizer's cl100k_base, exact for OpenAI/Azure embedding models (their tokenizer). Other
// vendors tokenise differently (WordPiece, SentencePiece…), so for them the limit is divided by 1.3 as a margin;
// most of them also truncate server-side (we ask them to), so the margin only guards against a refusal. Texts
// whose UTF-8 length is within the limit are never encoded: every BPE token covers at least one byte.
import { sha256 } from '../../core/ids.js';
import { StrataError } from '../../core/errors.js';
import { createLimiter, type Limiter } from '../limits.js';
import type { EmbedOptions, Embedder, EmbeddingCache } from '../types.js';
import { checkVectors, type EmbedderAdapter } from './common.js';

export interface PipelineOptions {
  /** Shared with other users of the same provider account when given; else one per embedder. */
  limiter?: Limiter;
  concurrency?: number;
  requestsPerMinute?: number;
  /** Where document embeddings are kept across runs (the store). Queries are never cached. */
  cache?: EmbeddingCache;
  /** Overrides the adapter's per-request total token cap. */
  maxBatchTokens?: number;
}

interface Encoding {
  encode(text: string, opts: { disallowedSpecial: Set<string> }): number[];
  decode(tokens: Iterable<number>): string;
}
const PLAIN = { disallowedSpecial: new Set<string>() };
let encoding: Promise<Encoding> | undefined;
const loadEncoding = () => (encoding ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => m.default as unknown as Encoding));

/** Providers whose models use cl100k_base, so counts are exact there. */
const EXACT = new Set(['openai', 'azure-openai']);

interface Prepared {
  text: string;
  /** Tokens as counted (cl100k); undefined when counting was not needed. */
  tokens?: number;
}

/** Cuts `text` to at most `limit` cl100k tokens (and counts it when `count` is set). */
export async function truncateToTokens(text: string, limit: number, count: boolean): Promise<Prepared> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit && !count) return { text };
  const enc = await loadEncoding();
  const tokens = enc.encode(text, PLAIN);
  if (tokens.length <= limit) return { text, tokens: tokens.length };
  // A cut through a multi-byte character decodes to U+FFFD: drop it rather than send a broken character.
  return { text: enc.decode(tokens.slice(0, limit)).replace(/\uFFFD+$/, ''), tokens: limit };
}

/** Groups indices into batches of at most `maxBatch` texts and, when set, `maxTokens` tokens. */
export function planBatches(items: readonly Prepared[], maxBatch: number, maxTokens?: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let tokens = 0;
  items.forEach((item, i) => {
    const t = item.tokens ?? 0;
    if (current.length > 0 && (current.length >= maxBatch || (maxTokens !== undefined && tokens + t > maxTokens))) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(i);
    tokens += t;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export function embeddingPipeline(inner: EmbedderAdapter, options: PipelineOptions = {}): Embedder {
  const limiter = options.limiter ?? createLimiter({ concurrency: options.concurrency ?? 4, requestsPerMinute: options.requestsPerMinute ?? 0 });
  const maxBatchTokens = options.maxBatchTokens ?? inner.maxBatchTokens;
  const limit = EXACT.has(inner.provider) ? inner.maxInputTokens : Math.max(1, Math.floor(inner.maxInputTokens / 1.3));
  const { id, dimensions, provider } = inner;

  async function embedMissing(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    const prepared = await Promise.all(texts.map((t) => truncateToTokens(t, limit, maxBatchTokens !== undefined)));
    const batches = planBatches(prepared, inner.maxBatch, maxBatchTokens);
    const out: Float32Array[] = new Array(texts.length);
    // One failed batch cancels the others instead of letting them spend quota on a call that already failed.
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const onBatchDone = options.cache ? (idx: number[], vecs: Float32Array[]) => done(idx, vecs) : undefined;
    await Promise.all(
      batches.map(async (idx) => {
        try {
          const vecs = await limiter.run(() => inner.embed(idx.map((i) => prepared[i]!.text), { purpose: opts.purpose, signal }), signal);
          const checked = checkVectors(provider, vecs, idx.length, dimensions);
          idx.forEach((i, k) => (out[i] = checked[k]!));
          await onBatchDone?.(idx, checked);
        } catch (e) {
          stop.abort(e);
          throw e;
        }
      }),
    ).catch((e: unknown) => {
      // Report the first real failure, not the cancellations it caused.
      throw stop.signal.reason ?? e;
    });
    return out;

    async function done(idx: number[], vecs: Float32Array[]) {
      if (opts.purpose === 'query') return;
      await options.cache!.putEmbeddings(
        id,
        idx.map((i, k) => ({ contentHash: sha256(texts[i]!), vector: vecs[k]! })),
      );
    }
  }

  return {
    id,
    provider,
    model: inner.model,
    dimensions,
    maxInputTokens: inner.maxInputTokens,
    maxBatch: inner.maxBatch,
    async embed(texts, opts = {}) {
      texts.forEach((t, i) => {
        if (typeof t !== 'string') {
          throw new StrataError(`embedder:${provider}`, 'invalid-input', `text ${i} is not a string`, { details: { index: i } });
        }
      });
      if (texts.length === 0) return [];
      opts.signal?.throwIfAborted();
      const useCache = options.cache !== undefined && opts.purpose !== 'query';
      const hashes = texts.map((t) => sha256(t));
      const cached = useCache ? await options.cache!.getEmbeddings(id, [...new Set(hashes)]) : new Map<string, Float32Array>();
      // A cached vector of the wrong size (a store bug or an id collision) is ignored, never returned.
      for (const [h, v] of cached) if (v.length !== dimensions || !v.every(Number.isFinite)) cached.delete(h);
      // Identical texts in one call are embedded once.
      const todo = new Map<string, string>();
      hashes.forEach((h, i) => {
        if (!cached.has(h) && !todo.has(h)) todo.set(h, texts[i]!);
      });
      if (todo.size > 0) {
        const fresh = await embedMissing([...todo.values()], opts);
        [...todo.keys()].forEach((h, k) => cached.set(h, fresh[k]!));
      }
      return hashes.map((h) => cached.get(h)!);
    },
  };
}
