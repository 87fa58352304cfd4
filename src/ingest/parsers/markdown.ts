// Markdown (.md): YAML front matter (title, author, classification, readers) plus a block-level reading of
// CommonMark/GFM — headings, paragraphs, code, lists, pipe tables — with inline markup reduced to plain text.
import { parseError } from '../../core/errors.js';
import { normalizeSpace, rowsToTable } from '../../core/text.js';
import { CLASSIFICATIONS, type AccessPolicy, type Classification, type DocumentMetadata } from '../../core/types.js';
import { assertHasText, decodeText } from './decode.js';
import { fileTitle } from './text.js';
import type { Block, ParsedDocument, Parser } from './types.js';

/** `user:alice`, `group:finance`, or `*` for everyone in the workspace. */
const PRINCIPAL = /^(\*|[A-Za-z][\w-]*:\S(.*\S)?)$/;

interface FrontMatter {
  body: string;
  yaml?: string;
}

function splitFrontMatter(text: string): FrontMatter {
  if (!/^---[ \t]*\n/.test(text)) return { body: text };
  const close = /\n(---|\.\.\.)[ \t]*(\n|$)/.exec(text.slice(3));
  // No closing fence: a leading `---` is then just a thematic break, as in CommonMark.
  if (!close) return { body: text };
  const end = 3 + close.index;
  return { yaml: text.slice(text.indexOf('\n') + 1, end + 1), body: text.slice(end + close[0].length) };
}

function toPrincipals(key: string, value: unknown, warnings: string[]): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (!list) {
    warnings.push(`front matter "${key}" must be a list of principals like user:alice or group:finance; nobody was granted access`);
    return [];
  }
  const ok: string[] = [];
  for (const v of list) {
    const p = typeof v === 'string' ? v.trim() : '';
    if (PRINCIPAL.test(p)) ok.push(p);
    else warnings.push(`front matter "${key}": ${JSON.stringify(v)} is not a principal like user:alice or group:finance; ignored`);
  }
  return ok;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

async function applyFrontMatter(fm: FrontMatter, doc: ParsedDocument, warnings: string[]): Promise<void> {
  if (fm.yaml === undefined) return;
  const { parse, YAMLParseError } = await import('yaml');
  let data: unknown;
  try {
    data = parse(fm.yaml);
  } catch (err) {
    const line = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line + 1} of the file)` : '';
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    warnings.push(`front matter is not valid YAML${line}: ${reason}; it was ignored and the body was indexed`);
    return;
  }
  if (data === null || data === undefined) return;
  if (typeof data !== 'object' || Array.isArray(data)) {
    warnings.push('front matter is not a set of key: value pairs; it was ignored and the body was indexed');
    return;
  }
  // Several keys grant access; they add up. Any readers key present means "restricted to these", even if
  // every entry was rejected — failing closed is the safe reading of a policy we could not understand.
  let readers: string[] | undefined;
  for (const [key, value] of Object.entries(data)) {
    const k = key.toLowerCase();
    if (k === 'readers' || k === 'access') {
      readers = [...(readers ?? []), ...toPrincipals(key, value, warnings)];
    } else if (k === 'classification') {
      const c = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if ((CLASSIFICATIONS as readonly string[]).includes(c)) doc.classification = c as Classification;
      else warnings.push(`front matter classification ${JSON.stringify(value)} is not one of ${CLASSIFICATIONS.join(', ')}; ignored`);
    } else if (k === 'title' || k === 'author') {
      if (isScalar(value) && String(value).trim()) doc.metadata[k] = normalizeSpace(String(value));
    } else if (isScalar(value) || (Array.isArray(value) && value.length > 0 && value.every(isScalar))) {
      // Lists of scalars (tags, keywords) are as useful for filtering as scalars; nested maps are not kept.
      (doc.metadata as DocumentMetadata)[key] = value;
    }
  }
  if (readers) doc.accessPolicy = { readers: [...new Set(readers)] } satisfies AccessPolicy;
}

/** Markdown inline markup → the text a reader sees. Code spans and escapes are protected from the rest. */
export function stripInline(s: string): string {
  const kept: string[] = [];
  // Placeholders use private-use characters, which real documents essentially never contain.
  const keep = (t: string): string => `\ue000${kept.push(t) - 1}\ue001`;
  let out = s
    .replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, _f: string, code: string) => keep(code.trim()))
    .replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => keep(c))
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|ftp|mailto):[^>\s]+|[^>\s@]+@[^>\s]+)>/g, '$1')
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\*(?=\S)([\s\S]*?\S)\*/g, '$1')
    // `_` only emphasises at word edges, so snake_case identifiers survive.
    .replace(/(^|[^\w])_(?=\S)([\s\S]*?\S)_(?![\w])/g, '$1$2');
  out = out.replace(/\ue000(\d+)\ue001/g, (_, i: string) => kept[Number(i)] ?? '');
  return normalizeSpace(out);
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC = /^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const TABLE_DELIM = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const REF_DEF = /^ {0,3}\[[^\]]+\]:[ \t]*\S+/;
const INDENTED = /^( {4}|\t)/;

const splitRow = (line: string): string[] => {
  const cells = line.trim().split(/(?<!\\)\|/);
  if (cells[0]?.trim() === '') cells.shift();
  if (cells.length && cells[cells.length - 1]?.trim() === '') cells.pop();
  return cells.map(stripInline);
};
const indentOf = (s: string): number => s.replace(/\t/g, '    ').length;

/** Block-level pass over the markdown body, line by line. */
export function markdownBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const lines = body.split('\n');
  let para: string[] = [];
  let list: { lines: string[]; indents: number[] } | null = null;

  const flushPara = (): void => {
    const text = stripInline(para.join('\n'));
    para = [];
    if (text) blocks.push({ kind: 'paragraph', text });
  };
  const flushList = (): void => {
    if (list?.lines.length) blocks.push({ kind: 'list', text: list.lines.join('\n') });
    list = null;
  };
  const flush = (): void => {
    flushPara();
    flushList();
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = FENCE.exec(line);
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      flush();
      const marker = fence[2] ?? '```';
      const code: string[] = [];
      const strip = new RegExp(`^ {0,${fence[1]?.length ?? 0}}`);
      for (i++; i < lines.length; i++) {
        const l = lines[i] ?? '';
        if (new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`).test(l)) break;
        code.push(l.replace(strip, ''));
      }
      const text = code.join('\n').replace(/\s+$/, '');
      if (text.trim()) blocks.push({ kind: 'code', text });
      continue;
    }
    if (line.trim() === '') {
      flushPara();
      if (list) {
        // A list survives a blank line only if it goes on: another item or an indented continuation.
        let j = i + 1;
        while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
        const next = lines[j] ?? '';
        if (!(LIST_ITEM.test(next) && !THEMATIC.test(next)) && !/^[ \t]+\S/.test(next)) flushList();
      }
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      const text = stripInline(atx[2] ?? '');
      if (text) blocks.push({ kind: 'heading', level: atx[1]?.length ?? 1, text });
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && para.length && !list) {
      const text = stripInline(para.join('\n')).replace(/\n/g, ' ');
      para = [];
      if (text) blocks.push({ kind: 'heading', level: setext[1]?.startsWith('=') ? 1 : 2, text });
      continue;
    }
    if (THEMATIC.test(line)) {
      flush();
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flushPara();
      list ??= { lines: [], indents: [] };
      const indent = indentOf(item[1] ?? '');
      while (list.indents.length && (list.indents[list.indents.length - 1] ?? 0) > indent) list.indents.pop();
      if (!list.indents.length || (list.indents[list.indents.length - 1] ?? 0) < indent) list.indents.push(indent);
      list.lines.push(`${'  '.repeat(list.indents.length - 1)}- ${stripInline(item[3] ?? '')}`);
      continue;
    }
    if (list) {
      // Continuation of the current item (indented, or a lazy line straight after it).
      const last = list.lines.length - 1;
      list.lines[last] = `${list.lines[last] ?? ''} ${stripInline(line)}`;
      continue;
    }
    if (line.includes('|') && TABLE_DELIM.test(lines[i + 1] ?? '') && (lines[i + 1] ?? '').includes('|')) {
      flushPara();
      const rows = [splitRow(line)];
      for (i += 2; i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim() !== ''; i++) {
        rows.push(splitRow(lines[i] ?? ''));
      }
      i--;
      const text = rowsToTable(rows);
      if (text) blocks.push({ kind: 'table', text });
      continue;
    }
    if (!para.length && INDENTED.test(line)) {
      const code: string[] = [];
      for (; i < lines.length && (INDENTED.test(lines[i] ?? '') || (lines[i] ?? '').trim() === ''); i++) {
        code.push((lines[i] ?? '').replace(INDENTED, ''));
      }
      i--;
      const text = code.join('\n').replace(/\s+$/, '');
      if (text.trim()) blocks.push({ kind: 'code', text });
      continue;
    }
    if (!para.length && /^ {0,3}<!--/.test(line)) {
      while (i < lines.length && !(lines[i] ?? '').includes('-->')) i++;
      continue;
    }
    if (!para.length && REF_DEF.test(line)) continue;
    const quote = QUOTE.exec(line);
    if (quote) {
      if ((quote[1] ?? '').trim() === '') flushPara();
      else para.push(quote[1] ?? '');
      continue;
    }
    para.push(line);
  }
  flush();
  return blocks;
}

export default function markdownParser(): Parser {
  return {
    name: 'markdown',
    extensions: ['.md', '.markdown'],
    mediaType: 'text/markdown',
    async parse(bytes, ctx) {
      const { text, warning } = decodeText(bytes, 'markdown');
      assertHasText(text, 'markdown');
      const warnings: string[] = warning ? [warning] : [];
      const fm = splitFrontMatter(text);
      const doc: ParsedDocument = { metadata: {}, blocks: [] };
      await applyFrontMatter(fm, doc, warnings);
      doc.blocks = markdownBlocks(fm.body);
      if (!doc.blocks.length) {
        throw parseError('markdown', 'empty', 'no text content: the file holds only front matter or markup');
      }
      const h1 = doc.blocks.find((b) => b.kind === 'heading' && b.level === 1)?.text;
      if (typeof doc.metadata.title !== 'string') doc.metadata.title = h1 ?? fileTitle(ctx.path);
      return { documents: [doc], ...(warnings.length ? { warnings } : {}) };
    },
  };
}
