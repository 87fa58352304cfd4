// What every embedder adapter shares: the per-model limits table lookup (with config overrides), the HTTP
// client built from the config, and the check that a provider's answer is one finite vector of the right
// length per input. Adapters compose these; none of them inherits from another.
import { StrataError } from '../../core/errors.js';
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { providerClient, providerError, trimSlash, type HttpClient } from '../http.js';
import type { Embedder, EmbedPurpose } from '../types.js';

/** What an adapter knows about one model. */
export interface ModelInfo {
  dimensions: number;
  maxInputTokens: number;
  /** The model can return shorter vectors on request: true (any size up to `dimensions`) or the allowed sizes. */
  flexible?: true | readonly number[];
  /** Total tokens the vendor accepts in one request (all inputs together), when it documents one. */
  maxBatchTokens?: number;
  /** Text prepended per purpose (instruction-tuned open models such as E5, BGE, Nomic). */
  prefix?: Partial<Record<EmbedPurpose, string>>;
}

/** Dependencies injected by the caller (tests inject `sleep` to record backoff waits instead of waiting). */
export interface AdapterDeps {
  /** Data directory of the store (caches of local models live under it). */
  dataDir: string;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** An adapter as the pipeline sees it: the Embedder plus limits the pipeline enforces for it. */
export type EmbedderAdapter = Embedder & { readonly maxBatchTokens?: number };

const configError = (provider: string, message: string, hint: string, details: Record<string, unknown> = {}) =>
  new StrataError(`embedder:${provider}`, 'config', message, { hint, details });

/**
 * The model's limits: from the adapter's table, overridden by the config. An unknown model needs its
 * dimensions configured (we cannot guess them); a fixed-size model refuses a different `dimensions`.
 */
export function resolveModel(
  cfg: Pick<EmbedderConfig, 'provider' | 'model' | 'dimensions' | 'maxInputTokens'>,
  table: Readonly<Record<string, ModelInfo>>,
  fallbackMaxInputTokens: number,
): ModelInfo & { requestDimensions?: number } {
  const known = Object.hasOwn(table, cfg.model) ? table[cfg.model] : undefined;
  if (!known) {
    if (cfg.dimensions === undefined) {
      throw configError(
        cfg.provider,
        `the dimensions of ${cfg.provider} model "${cfg.model}" are not known`,
        `set "dimensions" for this embedder (known models: ${Object.keys(table).join(', ') || 'none'})`,
        { model: cfg.model },
      );
    }
    return { dimensions: cfg.dimensions, maxInputTokens: cfg.maxInputTokens ?? fallbackMaxInputTokens };
  }
  const info: ModelInfo & { requestDimensions?: number } = { ...known, maxInputTokens: cfg.maxInputTokens ?? known.maxInputTokens };
  if (cfg.dimensions !== undefined && cfg.dimensions !== known.dimensions) {
    const ok = known.flexible === true ? cfg.dimensions < known.dimensions : known.flexible?.includes(cfg.dimensions);
    if (!ok) {
      const allowed = known.flexible === true ? `1–${known.dimensions}` : known.flexible ? known.flexible.join(', ') : String(known.dimensions);
      throw configError(cfg.provider, `${cfg.provider} model "${cfg.model}" cannot produce ${cfg.dimensions}-dimensional vectors`, `set "dimensions" to ${allowed}, or remove it`, {
        model: cfg.model,
        dimensions: cfg.dimensions,
      });
    }
    info.dimensions = cfg.dimensions;
    info.requestDimensions = cfg.dimensions;
  }
  return info;
}

type HttpSettings = { timeoutMs: number; maxRetries: number; apiKey?: string };

export function httpFor(provider: string, cfg: HttpSettings, deps: AdapterDeps): HttpClient {
  return providerClient(provider, cfg, deps, { baseDelayMs: 500, maxDelayMs: 30_000 });
}

export { trimSlash };

/**
 * Checks a provider's vectors: one per input, each `dimensions` long, every value a finite number.
 * Anything else is a `malformed` error naming the provider, so nothing wrong is ever indexed or cached.
 */
export function checkVectors(provider: string, raw: unknown, count: number, dimensions: number): Float32Array[] {
  if (!Array.isArray(raw)) throw providerError(provider, 'malformed', `${provider} answered without a list of embeddings`);
  if (raw.length !== count) {
    throw providerError(provider, 'malformed', `${provider} returned ${raw.length} embeddings for ${count} inputs`);
  }
  return raw.map((v, i) => toVector(provider, v, i, dimensions));
}

function toVector(provider: string, v: unknown, i: number, dimensions: number): Float32Array {
  if (!(Array.isArray(v) || v instanceof Float32Array)) {
    throw providerError(provider, 'malformed', `${provider} returned something other than a list of numbers for input ${i}`);
  }
  if (v.length !== dimensions) {
    throw providerError(provider, 'malformed', `${provider} returned a ${v.length}-dimensional vector for input ${i}; expected ${dimensions}`);
  }
  const out = new Float32Array(dimensions);
  for (let d = 0; d < dimensions; d++) {
    const x = v[d] as unknown;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw providerError(provider, 'malformed', `${provider} returned a non-finite value (${String(x)}) at position ${d} of input ${i}`);
    }
    out[d] = x;
  }
  return out;
}

/** Vectors from an OpenAI-style `{ data: [{ index, embedding }] }` answer, put back in input order by `index`. */
export function openAiStyleVectors(provider: string, body: unknown, count: number, dimensions: number): Float32Array[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw providerError(provider, 'malformed', `${provider} answered without a "data" list`);
  const ordered: unknown[] = new Array(data.length);
  data.forEach((item, pos) => {
    const idx = (item as { index?: unknown } | null)?.index;
    const at = typeof idx === 'number' ? idx : pos;
    if (!Number.isInteger(at) || at < 0 || at >= data.length || ordered[at] !== undefined) {
      throw providerError(provider, 'malformed', `${provider} answered with an out-of-range or repeated index ${String(idx)}`);
    }
    ordered[at] = (item as { embedding?: unknown }).embedding;
  });
  return checkVectors(provider, ordered, count, dimensions);
}

/** `<provider>:<model>@<dimensions>`: the identity index versions and the embedding cache are keyed by. */
export const embedderId = (provider: string, model: string, dimensions: number): string => `${provider}:${model}@${dimensions}`;

/** Bearer auth header when a key is configured. */
export const bearer = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/** Applies a model's purpose prefix (E5 "query: ", Nomic "search_query: " …). */
export const withPrefix = (texts: readonly string[], prefix: string | undefined): string[] => (prefix ? texts.map((t) => prefix + t) : [...texts]);
