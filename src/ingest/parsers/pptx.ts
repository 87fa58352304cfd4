// PowerPoint (.pptx): slides in presentation order; titles become headings, text boxes paragraphs, tables
// pipe tables and speaker notes a "Notes:" paragraph — every block carries its slide number as `page`.
import type JSZip from 'jszip';
import { parseError } from '../../core/errors.js';
import { normalizeSpace, rowsToTable } from '../../core/text.js';
import {
  childElements,
  descendants,
  firstChild,
  localName,
  openPackage,
  parseXml,
  readCoreProperties,
  readPart,
  readRels,
} from './ooxml.js';
import { fileTitle } from './text.js';
import type { Block, Parser } from './types.js';

const NAME = 'pptx';
const SLIDE_REL = /\/slide$/;
const NOTES_REL = /\/notesSlide$/;
const TITLE_PLACEHOLDERS = new Set(['title', 'ctrTitle']);
/** Slide number, date, footer and header placeholders repeat on every slide and say nothing about it. */
const CHROME_PLACEHOLDERS = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);

export default function pptxParser(): Parser {
  return {
    name: NAME,
    extensions: ['.pptx', '.pptm', '.ppsx'],
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    async parse(bytes, ctx) {
      const { zip, mainPart } = await openPackage(NAME, 'pptx', bytes);
      const core = await readCoreProperties(NAME, zip);
      const warnings: string[] = [];
      const slides = await slideParts(zip, mainPart);
      const blocks: Block[] = [];
      for (const [i, part] of slides.entries()) {
        const slide = await slideBlocks(zip, part, i + 1);
        if (slide) blocks.push(...slide);
        else warnings.push(`slide ${i + 1} (${part}) is missing from the package and was skipped`);
      }
      if (blocks.length === 0) {
        throw parseError(
          NAME,
          'empty',
          slides.length === 0
            ? 'no text content: the presentation has no slides'
            : 'no text content: the slides hold no text (text inside pictures is not read)',
        );
      }
      const firstTitle = blocks.find((b) => b.kind === 'heading')?.text;
      return {
        documents: [
          {
            metadata: {
              ...core,
              title: core.title ?? firstTitle ?? fileTitle(ctx.path),
              slideCount: slides.length,
            },
            blocks,
          },
        ],
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}

/** Slide part paths in the order of presentation.xml's slide list, which is the show order (not file names). */
async function slideParts(zip: JSZip, mainPart: string): Promise<string[]> {
  const xml = (await readPart(NAME, zip, mainPart)) ?? '';
  const root = (await parseXml(xml)).documentElement;
  if (!root) throw parseError(NAME, 'corrupt', `damaged presentation: ${mainPart} is not readable XML; re-save the file`);
  const rels = await readRels(NAME, zip, mainPart);
  const parts: string[] = [];
  for (const sldId of descendants(root, 'sldId')) {
    // The relationship id is `r:id`; match any prefix bound to it.
    const rid = Array.from(sldId.attributes).find((a) => a.name.endsWith(':id'))?.value;
    const rel = rid ? rels.get(rid) : undefined;
    if (rel && SLIDE_REL.test(rel.type)) parts.push(rel.target);
  }
  return parts;
}

/** Blocks of one slide, title first; undefined when the slide part is missing. */
async function slideBlocks(zip: JSZip, part: string, page: number): Promise<Block[] | undefined> {
  const xml = await readPart(NAME, zip, part);
  if (xml === undefined) return undefined;
  const doc = await parseXml(xml);
  const titles: Block[] = [];
  const body: Block[] = [];
  walkShapes(descendants(doc.documentElement, 'spTree')[0], (shape, placeholder) => {
    if (localName(shape) === 'graphicFrame') {
      const table = descendants(shape, 'tbl')[0];
      const text = table ? rowsToTable(tableRows(table)) : '';
      if (text) body.push({ kind: 'table', text, page });
      return;
    }
    if (placeholder && CHROME_PLACEHOLDERS.has(placeholder)) return;
    const text = bodyText(firstChild(shape, 'txBody'));
    if (!text) return;
    if (placeholder && TITLE_PLACEHOLDERS.has(placeholder)) {
      titles.push({ kind: 'heading', level: 2, text: text.replace(/\n/g, ' '), page });
    } else body.push({ kind: 'paragraph', text, page });
  });
  // Shapes are stored in z-order; the title is put first so chunks on this slide sit under its heading.
  const blocks = [...titles, ...body];
  const notes = await notesText(zip, part);
  if (notes) blocks.push({ kind: 'paragraph', text: `Notes: ${notes}`, page });
  return blocks;
}

type ShapeVisitor = (shape: Element, placeholder: string | undefined) => void;

/** Visit text shapes and graphic frames in document order, descending into groups. */
function walkShapes(container: Element | undefined, visit: ShapeVisitor): void {
  for (const el of childElements(container)) {
    const name = localName(el);
    if (name === 'sp') visit(el, placeholderType(el));
    else if (name === 'graphicFrame') visit(el, undefined);
    else if (name === 'grpSp') walkShapes(el, visit);
    else if (name === 'AlternateContent') {
      // Markup-compatibility wrapper: the Choice and the Fallback hold the same shapes, so read only one.
      walkShapes(firstChild(el, 'Choice') ?? firstChild(el, 'Fallback'), visit);
    }
  }
}

/** `<p:ph type="…">` of a shape; a placeholder without a type is a body placeholder. */
function placeholderType(shape: Element): string | undefined {
  const ph = firstChild(firstChild(firstChild(shape, 'nvSpPr'), 'nvPr'), 'ph');
  if (!ph) return undefined;
  return ph.getAttribute('type') ?? 'body';
}

/** Text of a `txBody`: one line per `a:p`, runs and fields concatenated, `a:br` as a line break. */
function bodyText(txBody: Element | undefined): string {
  return childElements(txBody, 'p')
    .map((p) => normalizeSpace(paragraphText(p)))
    .filter(Boolean)
    .join('\n');
}

function paragraphText(p: Element): string {
  let text = '';
  const visit = (el: Element): void => {
    for (const c of childElements(el)) {
      const name = localName(c);
      if (name === 't') text += c.textContent ?? '';
      else if (name === 'br') text += '\n';
      else visit(c);
    }
  };
  visit(p);
  return text;
}

function tableRows(table: Element): string[][] {
  // Merged cells (gridSpan/hMerge/vMerge) keep their empty continuation cells, so columns stay aligned.
  return childElements(table, 'tr').map((tr) =>
    childElements(tr, 'tc').map((tc) => bodyText(firstChild(tc, 'txBody')).replace(/\n/g, ' ')),
  );
}

/** Speaker notes: the body placeholder of the slide's notes part (its other shapes are slide image and number). */
async function notesText(zip: JSZip, slidePart: string): Promise<string> {
  const rels = await readRels(NAME, zip, slidePart);
  const notesPart = [...rels.values()].find((r) => NOTES_REL.test(r.type))?.target;
  const xml = notesPart ? await readPart(NAME, zip, notesPart) : undefined;
  if (!xml) return '';
  const doc = await parseXml(xml);
  const texts: string[] = [];
  walkShapes(descendants(doc.documentElement, 'spTree')[0], (shape, placeholder) => {
    if (placeholder !== 'body') return;
    const text = bodyText(firstChild(shape, 'txBody'));
    if (text) texts.push(text);
  });
  return texts.join('\n');
}
