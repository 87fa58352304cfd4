// Metadata filters: a small Mongo-like condition language over document metadata, compiled once per query
// into a predicate, plus the parser for the CLI's `field<op>value` arguments.
import { StrataError } from '../core/errors.js';

export type FilterScalar = string | number | boolean | null;

export interface FilterOps {
  eq?: FilterScalar;
  ne?: FilterScalar;
  in?: FilterScalar[];
  nin?: FilterScalar[];
  gt?: string | number;
  gte?: string | number;
  lt?: string | number;
  lte?: string | number;
  /** true: the field is present and not null; false: absent or null. */
  exists?: boolean;
  /** Case-insensitive substring of a string value. */
  contains?: string;
}

/** AND across fields and across the operators of one field. A bare value means `{ eq: value }`. */
export type Filter = Record<string, FilterScalar | FilterOps>;

type Predicate = (value: unknown) => boolean;

/**
 * Semantics:
 * - numbers compare numerically, strings lexicographically (ISO-8601 dates therefore compare in time order;
 *   note "2024-01-01T10:00Z" > "2024-01-01"), and a numeric string compares as a number with a number,
 *   because CLI values arrive as text; other mixed types never match an ordering operator;
 * - a metadata array matches when any element matches; `ne`/`nin` are the negations of `eq`/`in`
 *   (so `tags ne "a"` means no element is "a"), and they match a missing field.
 */
const OPERATORS: Record<keyof FilterOps, (arg: unknown, field: string) => Predicate> = {
  eq: (arg) => anyElement((v) => looseEqual(v, arg)),
  ne: (arg) => not(anyElement((v) => looseEqual(v, arg))),
  in: (arg, field) => {
    const list = asList(arg, field, 'in');
    return anyElement((v) => list.some((a) => looseEqual(v, a)));
  },
  nin: (arg, field) => {
    const list = asList(arg, field, 'nin');
    return not(anyElement((v) => list.some((a) => looseEqual(v, a))));
  },
  gt: (arg, field) => ordered(arg, field, 'gt', (c) => c > 0),
  gte: (arg, field) => ordered(arg, field, 'gte', (c) => c >= 0),
  lt: (arg, field) => ordered(arg, field, 'lt', (c) => c < 0),
  lte: (arg, field) => ordered(arg, field, 'lte', (c) => c <= 0),
  exists: (arg, field) => {
    if (typeof arg !== 'boolean') throw badFilter(field, `"exists" takes true or false, got ${JSON.stringify(arg)}`);
    return (v) => (v !== undefined && v !== null) === arg;
  },
  contains: (arg, field) => {
    if (typeof arg !== 'string') throw badFilter(field, `"contains" takes a string, got ${JSON.stringify(arg)}`);
    const needle = arg.toLowerCase();
    return anyElement((v) => typeof v === 'string' && v.toLowerCase().includes(needle));
  },
};
const OPERATOR_NAMES = Object.keys(OPERATORS);

/** Compiles a filter into a predicate over document metadata; throws 'invalid-input' on a malformed filter. */
export function compileFilter(filter: Filter): (meta: Record<string, unknown>) => boolean {
  const checks: { field: string; test: Predicate }[] = [];
  for (const [field, cond] of Object.entries(filter)) {
    if (cond !== null && typeof cond === 'object' && !Array.isArray(cond)) {
      const ops = Object.entries(cond).filter(([, arg]) => arg !== undefined);
      if (ops.length === 0) throw badFilter(field, 'the condition object has no operator');
      for (const [op, arg] of ops) {
        if (!Object.hasOwn(OPERATORS, op)) throw badFilter(field, `unknown operator "${op}"`);
        checks.push({ field, test: OPERATORS[op as keyof FilterOps](arg, field) });
      }
    } else if (Array.isArray(cond)) {
      throw badFilter(field, 'a list needs an operator: use { in: [...] }');
    } else {
      checks.push({ field, test: OPERATORS.eq(cond, field) });
    }
  }
  return (meta) => checks.every(({ field, test }) => test(lookup(meta, field)));
}

/** A literal key wins; otherwise dots walk into nested objects ("source.owner"). */
function lookup(meta: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(meta, field)) return meta[field];
  let v: unknown = meta;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const anyElement = (p: Predicate): Predicate => (v) => (Array.isArray(v) ? v.some(p) : p(v));
const not = (p: Predicate): Predicate => (v) => !p(v);

const scalar = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);
const NUMERIC_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const asNumber = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && NUMERIC_RE.test(v.trim()) ? Number(v) : undefined;

function looseEqual(value: unknown, arg: unknown): boolean {
  const v = scalar(value);
  if (v === arg) return true;
  if (arg === null) return v === undefined; // { field: null } matches a missing field too
  if (typeof v === 'number' || typeof arg === 'number') {
    const a = asNumber(v);
    const b = asNumber(arg);
    return a !== undefined && a === b;
  }
  if (typeof v === 'boolean' || typeof arg === 'boolean') return String(v) === String(arg);
  return false;
}

/** Sign of value − arg, or undefined when the two cannot be ordered. */
function compare(value: unknown, arg: string | number): number | undefined {
  const v = scalar(value);
  if (typeof v === 'number' || typeof arg === 'number') {
    const a = asNumber(v);
    const b = asNumber(arg);
    return a === undefined || b === undefined ? undefined : Math.sign(a - b);
  }
  if (typeof v === 'string') return v < arg ? -1 : v > arg ? 1 : 0;
  return undefined;
}

function ordered(arg: unknown, field: string, op: string, ok: (c: number) => boolean): Predicate {
  if (typeof arg !== 'string' && typeof arg !== 'number') {
    throw badFilter(field, `"${op}" takes a number or a string (ISO date), got ${JSON.stringify(arg)}`);
  }
  return anyElement((v) => {
    const c = compare(v, arg);
    return c !== undefined && ok(c);
  });
}

function asList(arg: unknown, field: string, op: string): unknown[] {
  if (!Array.isArray(arg)) throw badFilter(field, `"${op}" takes a list, got ${JSON.stringify(arg)}`);
  return arg;
}

function badFilter(field: string, problem: string): StrataError {
  return new StrataError('search', 'invalid-input', `bad filter on "${field}": ${problem}`, {
    details: { field, allowedOperators: OPERATOR_NAMES },
    hint: `operators are ${OPERATOR_NAMES.join(', ')}, e.g. { "size": { "gt": 1000 } }`,
  });
}

// ---- CLI syntax ----------------------------------------------------------------------------------------

export const FILTER_ARG_SYNTAX =
  'field=value (several: field=a,b), field!=value, field>n, field>=n, field<n, field<=n, field~text (contains), field? (exists), field!? (missing)';

const ARG_RE = /^([A-Za-z_][\w.-]*)(>=|<=|!=|!\?|=|>|<|~|\?)(.*)$/s;
const CLI_OPS: Record<string, keyof FilterOps> = { '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '~': 'contains' };

/**
 * Parses `--filter` arguments such as `mediaType=application/pdf`, `size>1000`, `modifiedAt>=2024-01-01`,
 * `author~smith`, `tags=a,b` (any of; `\,` escapes a comma). Numeric-looking values become numbers and
 * true/false become booleans; compileFilter still matches them against string metadata.
 */
export function parseFilterArgs(args: readonly string[]): Filter {
  const filter: Record<string, FilterOps> = {};
  for (const arg of args) {
    const m = ARG_RE.exec(arg);
    const fail = (problem: string): StrataError =>
      new StrataError('search', 'invalid-input', `cannot parse filter "${arg}": ${problem}`, {
        details: { argument: arg, syntax: FILTER_ARG_SYNTAX },
        hint: `write filters as ${FILTER_ARG_SYNTAX}`,
      });
    if (!m) throw fail('expected field<operator>value');
    const [, field, sym, raw] = m as unknown as [string, string, string, string];
    if (/^[=<>!~?]/.test(raw)) throw fail(`unknown operator "${sym}${raw.match(/^[=<>!~?]+/)![0]}"`);
    let op: keyof FilterOps;
    let value: FilterOps[keyof FilterOps];
    if (sym === '?' || sym === '!?') {
      if (raw !== '') throw fail(`"${sym}" takes no value`);
      [op, value] = ['exists', sym === '?'];
    } else {
      if (raw === '') throw fail('the value is empty');
      const parts = splitList(raw);
      op = CLI_OPS[sym]!;
      if (op === 'contains') value = raw.replace(/\\,/g, ',');
      else if (parts.length > 1 && (op === 'eq' || op === 'ne')) [op, value] = [op === 'eq' ? 'in' : 'nin', parts.map(coerce)];
      else if (parts.length > 1) throw fail(`"${sym}" takes one value, not a list`);
      else value = coerce(parts[0]!);
      if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value === 'boolean') {
        throw fail(`"${sym}" needs a number or a date`);
      }
    }
    const ops = (filter[field] ??= {});
    if (ops[op] !== undefined) throw fail(`"${field}" already has a ${op} condition; give each operator once per field`);
    (ops as Record<string, unknown>)[op] = value;
  }
  return filter;
}

function splitList(raw: string): string[] {
  return raw.split(/(?<!\\),/).map((p) => p.replace(/\\,/g, ','));
}

function coerce(s: string): FilterScalar {
  if (s === 'true' || s === 'false') return s === 'true';
  if (NUMERIC_RE.test(s) && Number.isFinite(Number(s))) return Number(s);
  return s;
}
