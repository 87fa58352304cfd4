// JSON Lines (.jsonl, .ndjson): one document per line, e.g. a BEIR corpus (`_id`, `title`, `text`).
// Bad lines are skipped and reported together; the file fails only when no line is usable.
import { isUtf8 } from 'node:buffer';
import { parseError } from '../../core/errors.js';
import { normalizeSpace } from '../../core/text.js';
import type { DocumentMetadata } from '../../core/types.js';
import { assertHasText, decodeText } from './decode.js';
import { jsonBlocks, jsonReason, jsonTitle } from './json.js';
import { paragraphs } from './text.js';
import type { ParsedDocument, Parser } from './types.js';

const TEXT_FIELDS = ['text', 'content', 'body'] as const;
/** Fields that become the id, title or blocks, and so are not repeated as metadata. */
const STRUCTURAL = new Set(['_id', 'id', 'title', 'name', 'metadata', ...TEXT_FIELDS]);
const MAX_LISTED = 10;

type Skip = { reason: string };

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function recordId(obj: Record<string, unknown>, line: number): string {
  for (const key of ['_id', 'id']) {
    const v = obj[key];
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return `line-${line}`;
}

function scalarsOf(value: unknown, into: DocumentMetadata, skip?: Set<string>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  // for…in rather than Object.entries: no per-record arrays, which matters across millions of lines.
  for (const k in obj) {
    const v = obj[k];
    // title and author are strings in DocumentMetadata, whatever type the record used.
    if (isScalar(v) && !skip?.has(k)) into[k] = k === 'title' || k === 'author' ? String(v) : v;
  }
}

/** One line's record → a document, or the reason it is skipped. */
export function recordToDocument(obj: unknown, line: number): ParsedDocument | Skip {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { reason: 'not a JSON object' };
  const rec = obj as Record<string, unknown>;
  const field = TEXT_FIELDS.find((f) => typeof rec[f] === 'string');
  const blocks = field ? paragraphs(rec[field] as string) : jsonBlocks(rec);
  if (!blocks.length) return { reason: 'no text' };
  const metadata: DocumentMetadata = {};
  if (field) {
    // Nested `metadata` (BEIR) first, so the record's own top-level fields win on a clash.
    scalarsOf(rec.metadata, metadata);
    scalarsOf(rec, metadata, STRUCTURAL);
  }
  const title = jsonTitle(rec);
  if (title) metadata.title = title;
  return { recordId: recordId(rec, line), metadata, blocks };
}

/**
 * Call `fn` with each line and its 1-based number; returns the decoding warning, if any. Plain UTF-8 (the
 * usual case) is decoded line by line straight from the buffer: no multi-megabyte intermediate string,
 * which saves time and memory on large corpora. Anything else goes through `decodeText`.
 */
function eachLine(bytes: Buffer, fn: (line: string, n: number) => void): string | undefined {
  // UTF-16 (BOM bytes 0xFF/0xFE are never valid UTF-8), Latin-1 and binary files all fail this test.
  if (!bytes.includes(0) && isUtf8(bytes)) {
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    let n = 0;
    for (let start = bom ? 3 : 0; start < bytes.length; ) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      fn(bytes.toString('utf8', start, bytes[end - 1] === 0x0d ? end - 1 : end), ++n);
      start = end + 1;
    }
    return undefined;
  }
  const { text, warning } = decodeText(bytes, 'jsonl');
  text.split('\n').forEach((line, i) => fn(line, i + 1));
  return warning;
}

/** `line 17: invalid JSON — skipped`, or `lines 3, 9, … and 40 more: …` past ten. */
function summarise(labels: string[], what: string): string {
  const listed = labels.slice(0, MAX_LISTED).join(', ');
  const more = labels.length > MAX_LISTED ? ` and ${labels.length - MAX_LISTED} more` : '';
  const count = labels.length > 1 ? ` (${labels.length} lines)` : '';
  return `${labels.length === 1 ? 'line' : 'lines'} ${listed}${more}: ${what}${count}`;
}

export default function jsonlParser(): Parser {
  return {
    name: 'jsonl',
    extensions: ['.jsonl', '.ndjson'],
    mediaType: 'application/x-ndjson',
    async parse(bytes) {
      const documents: ParsedDocument[] = [];
      const indexById = new Map<string, number>();
      const skipped = new Map<string, string[]>();
      const duplicates: string[] = [];
      let firstError: string | undefined;
      let sawText = false;

      const warning = eachLine(bytes, (line, n) => {
        if (line.trim() === '') return;
        sawText = true;
        const skip = (reason: string): void => {
          const list = skipped.get(reason) ?? [];
          list.push(String(n));
          skipped.set(reason, list);
        };
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          firstError ??= `line ${n}: ${jsonReason(err)}`;
          return skip('invalid JSON');
        }
        const result = recordToDocument(value, n);
        if ('reason' in result) return skip(result.reason);
        const id = result.recordId ?? `line-${n}`;
        const previous = indexById.get(id);
        if (previous === undefined) {
          indexById.set(id, documents.length);
          documents.push(result);
        } else {
          documents[previous] = result;
          duplicates.push(`${n} (id ${JSON.stringify(id)})`);
        }
      });
      if (!sawText) assertHasText('', 'jsonl'); // only blank lines: the same "empty" error as every parser

      const warnings = warning ? [warning] : [];
      for (const [reason, labels] of skipped) warnings.push(summarise(labels, `${reason} — skipped`));
      if (duplicates.length) warnings.push(summarise(duplicates, 'id already used by an earlier line — the later record was kept'));
      if (!documents.length) {
        const detail = firstError ? `; first error: ${normalizeSpace(firstError)}` : '';
        throw parseError('jsonl', 'corrupt', `no usable records: ${warnings.join('; ')}${detail}`);
      }
      return { documents, ...(warnings.length ? { warnings } : {}) };
    },
  };
}
