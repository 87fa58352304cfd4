// JSON (.json): any value is flattened into `path: value` lines that read well to BM25 and to a model;
// the flattening is shared with the JSONL parser for records that carry no text field.
import { parseError } from '../../core/errors.js';
import { assertHasText, decodeText } from './decode.js';
import { fileTitle, tidy } from './text.js';
import type { Block, Parser } from './types.js';

/** Deeper values are summarised; real data is rarely this deep, and it keeps recursion bounded. */
const MAX_DEPTH = 64;
const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

const keyPath = (parent: string, key: string): string => {
  const k = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  if (!parent) return k;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${k}]`;
};

const scalar = (v: unknown): string =>
  typeof v === 'string' ? (v.trim() === '' ? '""' : tidy(v).replace(/\n/g, ' ')) : String(v);

/** `{"a":{"b":[{"c":1}]}}` → `["a.b[0].c: 1"]`. A top-level scalar gives its value alone. */
export function flattenJson(value: unknown, path = '', depth = 0, out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') {
    out.push(path ? `${path}: ${scalar(value)}` : scalar(value));
  } else if (depth >= MAX_DEPTH) {
    out.push(`${path}: (nested deeper than ${MAX_DEPTH} levels, not shown)`);
  } else if (Array.isArray(value)) {
    if (value.length === 0 && path) out.push(`${path}: []`);
    value.forEach((v, i) => flattenJson(v, `${path}[${i}]`, depth + 1, out));
  } else {
    const entries = Object.entries(value);
    if (entries.length === 0 && path) out.push(`${path}: {}`);
    for (const [k, v] of entries) flattenJson(v, keyPath(path, k), depth + 1, out);
  }
  return out;
}

/** One paragraph per top-level key (objects) or element (arrays), so chunks follow the data's own grouping. */
export function jsonBlocks(value: unknown): Block[] {
  const groups: string[][] =
    value !== null && typeof value === 'object'
      ? Array.isArray(value)
        ? value.map((v, i) => flattenJson(v, `[${i}]`))
        : Object.entries(value).map(([k, v]) => flattenJson(v, keyPath('', k)))
      : [flattenJson(value)];
  return groups.filter((g) => g.length > 0).map((g) => ({ kind: 'paragraph', text: g.join('\n') }));
}

/** A `title` or `name` string at the top of an object, the usual human label of a JSON record. */
export function jsonTitle(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  for (const key of ['title', 'name']) {
    const t = v[key];
    if (typeof t === 'string' && t.trim()) return tidy(t).replace(/\n/g, ' ');
  }
  return undefined;
}

class SyntaxAt extends Error {
  constructor(readonly at: number) {
    super(`JSON syntax error at ${at}`);
  }
}

/**
 * Offset of the first syntax error. V8's messages give a position for only some errors, so on failure
 * (never on the happy path) a small validator finds it.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const str = (): void => {
    for (i++; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) throw new SyntaxAt(i);
      if (c === 0x5c) {
        const e = s[i + 1] ?? '';
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 5;
        else if ('"\\/bfnrt'.includes(e) && e !== '') i++;
        else throw new SyntaxAt(i + 1);
      }
    }
    throw new SyntaxAt(i);
  };
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (s[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (s[i] !== '"') throw new SyntaxAt(i);
          str();
          ws();
          if (s[i] !== ':') throw new SyntaxAt(i);
          i++;
        }
        value();
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === close) return void i++;
        else throw new SyntaxAt(i);
      }
    }
    literal.lastIndex = i;
    if (!literal.exec(s)) throw new SyntaxAt(i);
    i = literal.lastIndex;
  };
  try {
    value();
    ws();
    return i < s.length ? i : -1;
  } catch (err) {
    if (err instanceof SyntaxAt) return err.at;
    return -1; // e.g. stack exhaustion on absurd nesting: report without a position
  }
}

/** `line 3, column 7` for an offset into `text`. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** V8's reason without its position or echo of the input, which we report in our own words. */
export const jsonReason = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err))
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, ".*" is not valid JSON$/s, '');

export default function jsonParser(): Parser {
  return {
    name: 'json',
    extensions: ['.json'],
    mediaType: 'application/json',
    async parse(bytes, ctx) {
      const { text, warning } = decodeText(bytes, 'json');
      assertHasText(text, 'json');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        const at = jsonErrorOffset(text);
        const where = at >= 0 ? ` at ${lineColumn(text, at)}` : '';
        throw parseError('json', 'corrupt', `invalid JSON${where}: ${jsonReason(err)}; fix the file or exclude it`, err);
      }
      const blocks = jsonBlocks(value);
      if (!blocks.length) throw parseError('json', 'empty', 'no text content: the JSON holds only an empty object or array');
      return {
        documents: [{ metadata: { title: jsonTitle(value) ?? fileTitle(ctx.path) }, blocks }],
        ...(warning ? { warnings: [warning] } : {}),
      };
    },
  };
}
