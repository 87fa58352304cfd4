// Request parameters as data: each provider declares where every ChatRequest parameter goes in its body (and
// how it is shaped), its accepted ranges, and what it does not support; one function applies a table. Adding a
// provider means writing a table, not another hand-written mapping.
//
// Rules, the same for every provider:
// - A parameter the caller did not set is not sent (the provider's own default applies), except `default`
//   entries (Anthropic requires `max_tokens`).
// - An unsupported parameter is DROPPED, not approximated, and not an error: these are generation hints, and a
//   gateway routing one request across providers (fallback, canary) must not fail because the second provider
//   cannot honour a seed. What was dropped is returned so callers can log or refuse it (`strict`).
// - A value outside the provider's documented range is REFUSED (invalid-input) before anything is sent: silently
//   clamping a temperature of 1.5 to Anthropic's 1.0 would change behaviour without anyone knowing.
// - Tools are structural and handled by each adapter; an adapter without tool support refuses tools.
import { StrataError } from '../../core/errors.js';
import type { ChatRequest } from '../types.js';

/** The scalar generation parameters of a ChatRequest that tables map. */
export type ChatParam = 'maxTokens' | 'temperature' | 'topP' | 'stop' | 'seed' | 'responseFormat';

export const CHAT_PARAMS: readonly ChatParam[] = ['maxTokens', 'temperature', 'topP', 'stop', 'seed', 'responseFormat'];

/** A key of the request body, or a path into nested objects (`['generationConfig', 'maxOutputTokens']`). */
export type BodyPath = string | readonly string[];

export interface ParamRule {
  to: BodyPath;
  /** Inclusive range for numbers. */
  min?: number;
  max?: number;
  /** Most items for lists (stop sequences). */
  maxItems?: number;
  /** Shapes the value for the provider; returning undefined sends nothing. */
  transform?: (value: never) => unknown;
  /** Sent when the caller gave nothing (only for parameters the provider requires). */
  default?: unknown;
}

export type ParamTable = Partial<Record<ChatParam, ParamRule>> & {
  /** Documented as unsupported: dropped (see the rules above). Anything not in the table is treated the same. */
  unsupported?: readonly ChatParam[];
};

export interface AppliedParams {
  /** Body fields to merge into the provider request. */
  body: Record<string, unknown>;
  /** Parameters the caller set that this provider cannot take (and which were therefore not sent). */
  dropped: ChatParam[];
}

/**
 * Maps the generation parameters of `req` into a body fragment for `provider` according to `table`.
 * `strict` refuses dropped parameters instead of reporting them.
 */
export function applyParams(provider: string, table: ParamTable, req: ChatRequest, options: { strict?: boolean } = {}): AppliedParams {
  const body: Record<string, unknown> = {};
  const dropped: ChatParam[] = [];
  for (const param of CHAT_PARAMS) {
    const rule = table[param];
    let value: unknown = req[param];
    if (param === 'responseFormat' && value === 'text') value = undefined; // 'text' is everyone's default
    if (param === 'stop' && Array.isArray(value) && value.length === 0) value = undefined;
    if (value === undefined) {
      if (rule?.default !== undefined) setPath(body, rule.to, rule.default);
      continue;
    }
    if (!rule) {
      dropped.push(param);
      continue;
    }
    check(provider, param, rule, value);
    const shaped = rule.transform ? (rule.transform as (v: unknown) => unknown)(value) : value;
    if (shaped !== undefined) setPath(body, rule.to, shaped);
  }
  if (options.strict && dropped.length > 0) {
    throw new StrataError(`provider:${provider}`, 'invalid-input', `${provider} does not support ${dropped.join(', ')}`, {
      details: { provider, unsupported: dropped },
      hint: 'remove these parameters or route the request to a provider that supports them',
    });
  }
  return { body, dropped };
}

function check(provider: string, param: ChatParam, rule: ParamRule, value: unknown): void {
  const refuse = (why: string) => {
    throw new StrataError(`provider:${provider}`, 'invalid-input', `${param} ${why} for ${provider}`, {
      details: { provider, param, value },
      hint: `pass a ${param} the provider accepts`,
    });
  };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse('must be a finite number');
    if (rule.min !== undefined && value < rule.min) refuse(`must be at least ${rule.min}, got ${value},`);
    if (rule.max !== undefined && value > rule.max) refuse(`must be at most ${rule.max}, got ${value},`);
    if (param === 'maxTokens' && !Number.isInteger(value)) refuse(`must be a whole number, got ${value},`);
  }
  if (Array.isArray(value) && rule.maxItems !== undefined && value.length > rule.maxItems) {
    refuse(`takes at most ${rule.maxItems} sequences, got ${value.length},`);
  }
}

/** Sets `value` at `path`, creating intermediate objects (which other parameters may share). */
export function setPath(target: Record<string, unknown>, path: BodyPath, value: unknown): void {
  const keys = typeof path === 'string' ? [path] : path;
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Record<string, unknown>;
    else node = node[key] = {};
  }
  node[keys[keys.length - 1]!] = value;
}

/** Deep-merges plain objects (the parameter fragment into an adapter's body, which may share `generationConfig`). */
export function mergeBody(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const cur = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObj(cur) && isObj(v) ? mergeBody(cur, v) : v;
  }
  return out;
}
