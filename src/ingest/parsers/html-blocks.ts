// HTML → ordered blocks (headings, paragraphs, lists, tables, code). Shared by the HTML parser and by
// parsers that go through HTML (DOCX via mammoth), so structure is recovered the same way everywhere.
import { parseHTML } from 'linkedom';
import { normalizeSpace, rowsToTable } from '../../core/text.js';
import type { Block } from './types.js';

export interface HtmlContent {
  title?: string;
  author?: string;
  blocks: Block[];
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/** Never content: scripts, styling, embedded graphics, and page chrome (menus, banners, sidebars). */
const DROPPED = new Set([
  'head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas',
  'nav', 'aside', 'button', 'select', 'input', 'textarea',
]);
/** Chrome only at page level: inside article/main/section a header holds the title and byline. */
const PAGE_CHROME = new Set(['header', 'footer']);
const SECTIONING = new Set(['article', 'main', 'section']);
/** Elements that end the running paragraph; everything not listed is inline (span, a, b, em…). */
const BLOCK_BREAKS = new Set([
  'html', 'body', 'p', 'div', 'blockquote', 'section', 'article', 'main', 'header', 'footer', 'address',
  'figure', 'figcaption', 'dl', 'dt', 'dd', 'li', 'form', 'fieldset', 'legend', 'details', 'summary',
  'center', 'hr', 'caption', 'tr', 'td', 'th',
]);
const HEADING = /^h([1-6])$/;

const tagOf = (n: Node): string => (n as Element).tagName?.toLowerCase() ?? '';
const children = (n: Node): Node[] => Array.from(n.childNodes);

/** Inline text of a subtree; source whitespace collapses like a browser renders it, `<br>` is a line break. */
function inlineText(node: Node): string {
  const parts: string[] = [];
  const visit = (n: Node): void => {
    if (n.nodeType === TEXT_NODE) parts.push((n as Text).data.replace(/\s+/g, ' '));
    else if (n.nodeType === ELEMENT_NODE) {
      const tag = tagOf(n);
      if (DROPPED.has(tag)) return;
      if (tag === 'br') parts.push('\n');
      else if (BLOCK_BREAKS.has(tag) || tag === 'ul' || tag === 'ol' || tag === 'table') {
        parts.push(' ');
        children(n).forEach(visit);
        parts.push(' ');
      } else children(n).forEach(visit);
    }
  };
  visit(node);
  return normalizeSpace(parts.join(''));
}

function listLines(list: Element, depth: number, lines: string[]): void {
  for (const item of children(list)) {
    if (tagOf(item) !== 'li') continue;
    const nested: Element[] = [];
    const own = item.cloneNode(true) as Element;
    for (const c of children(own)) {
      const t = tagOf(c);
      if (t === 'ul' || t === 'ol') {
        nested.push(c as Element);
        own.removeChild(c);
      }
    }
    const text = inlineText(own).replace(/\n/g, ' ');
    if (text) lines.push(`${'  '.repeat(depth)}- ${text}`);
    for (const sub of nested) listLines(sub, text ? depth + 1 : depth, lines);
  }
}

function tableRows(table: Element): string[][] {
  const rows: string[][] = [];
  const visit = (n: Node): void => {
    for (const c of children(n)) {
      const tag = tagOf(c);
      if (tag === 'table') continue; // a nested table is rare and its cells would scramble the outer grid
      if (tag === 'tr') {
        rows.push(children(c).filter((d) => ['td', 'th'].includes(tagOf(d))).map((d) => inlineText(d)));
      } else if (tag === 'thead' || tag === 'tbody' || tag === 'tfoot') visit(c);
    }
  };
  visit(table);
  return rows;
}

/** Parse an HTML document or fragment into blocks in reading order. Never throws on malformed markup. */
export function htmlToBlocks(html: string): HtmlContent {
  const { document } = parseHTML(html);
  const blocks: Block[] = [];
  let running: string[] = [];

  const flush = (): void => {
    const text = normalizeSpace(running.join(''));
    running = [];
    if (text) blocks.push({ kind: 'paragraph', text });
  };

  const walk = (n: Node, inSection: boolean): void => {
    if (n.nodeType === TEXT_NODE) {
      running.push((n as Text).data.replace(/\s+/g, ' '));
      return;
    }
    if (n.nodeType !== ELEMENT_NODE && n.nodeType !== 9 && n.nodeType !== 11) return;
    const tag = tagOf(n);
    if (DROPPED.has(tag) || (PAGE_CHROME.has(tag) && !inSection)) return;
    const heading = HEADING.exec(tag);
    if (heading) {
      flush();
      const text = inlineText(n).replace(/\n/g, ' ');
      if (text) blocks.push({ kind: 'heading', level: Number(heading[1]), text });
    } else if (tag === 'ul' || tag === 'ol') {
      flush();
      const lines: string[] = [];
      listLines(n as Element, 0, lines);
      if (lines.length) blocks.push({ kind: 'list', text: lines.join('\n') });
    } else if (tag === 'table') {
      flush();
      const text = rowsToTable(tableRows(n as Element));
      const captionEl = children(n).find((c) => tagOf(c) === 'caption');
      const caption = captionEl ? inlineText(captionEl).replace(/\n/g, ' ') : '';
      if (text) blocks.push(caption ? { kind: 'table', text, sheet: caption } : { kind: 'table', text });
    } else if (tag === 'pre' || (tag === 'code' && /\n/.test(n.textContent ?? ''))) {
      // Inline <code> stays in its sentence; only multi-line code is a block of its own.
      flush();
      const text = (n.textContent ?? '').replace(/^\n+|\s+$/g, '');
      if (text.trim()) blocks.push({ kind: 'code', text });
    } else if (tag === 'br') {
      running.push('\n');
    } else if (BLOCK_BREAKS.has(tag) || n.nodeType !== ELEMENT_NODE) {
      flush();
      const section = inSection || SECTIONING.has(tag);
      for (const c of children(n)) walk(c, section);
      flush();
    } else {
      for (const c of children(n)) walk(c, inSection);
    }
  };
  walk(document as unknown as Node, false);
  flush();

  const result: HtmlContent = { blocks };
  const titleEl = document.querySelector('title');
  const title = titleEl ? normalizeSpace(titleEl.textContent ?? '') : '';
  const firstH1 = blocks.find((b) => b.kind === 'heading' && b.level === 1)?.text;
  if (title || firstH1) result.title = title || firstH1;
  for (const meta of Array.from(document.querySelectorAll('meta'))) {
    if (meta.getAttribute('name')?.toLowerCase() !== 'author') continue;
    const author = normalizeSpace(meta.getAttribute('content') ?? '');
    if (author) result.author = author;
    break;
  }
  return result;
}
