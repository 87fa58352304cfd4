// PDF (.pdf): the text layer via pdf.js (bundled in unpdf), split into headings and paragraphs by position;
// pages without a text layer (scans) are rendered and OCR'd, so they are never indexed as silently empty.
import { isStrataError, parseError, type StrataError } from '../../core/errors.js';
import { normalizeSpace } from '../../core/text.js';
import type { DocumentMetadata } from '../../core/types.js';
import gutenOcr, { type OcrEngine } from './ocr.js';
import { fileTitle } from './text.js';
import type { Block, Parser } from './types.js';

type Unpdf = typeof import('unpdf');
type PdfDocument = Awaited<ReturnType<Unpdf['getDocumentProxy']>>;
type TextPart = Awaited<ReturnType<Awaited<ReturnType<PdfDocument['getPage']>>['getTextContent']>>['items'][number];

export interface PdfParserOptions {
  /** OCR for pages without a text layer; defaults to the bundled Guten OCR engine (loaded on first use). */
  ocr?: OcrEngine;
}

/** One line of the text layer in PDF user space (y grows upwards); `size` is the font size on the page. */
interface Line {
  text: string;
  x: number;
  y: number;
  size: number;
}

/** Render scale for OCR: at 1x (72 dpi) 10 pt text is ~10 px tall, too small to read; detection time grows with pixels. */
const RENDER_SCALE = 2;
/** Posters and drawings would make multi-megapixel images the detector resizes at great cost. */
const MAX_RENDER_SIDE = 2500;
/** A line at least this much larger than the page's body text is a heading. */
const HEADING_RATIO = 1.2;
const MAX_HEADING_LENGTH = 200;
const BULLET = /^[•◦▪‣∙●○■□➢►]/u;

const ENCRYPTED = 'password-protected PDF: remove the password or export an unprotected copy';

/** Maps anything pdf.js throws to a parse error; our own errors pass through untouched. */
function toParseError(e: unknown): StrataError {
  if (isStrataError(e)) return e;
  if (e instanceof Error && e.name === 'PasswordException') return parseError('pdf', 'encrypted', ENCRYPTED, e);
  const reason = e instanceof Error ? e.message : String(e);
  return parseError('pdf', 'corrupt', `damaged or not a PDF (pdf.js: ${reason}); re-export or re-download the file`, e);
}

async function openPdf(unpdf: Unpdf, bytes: Buffer, extra: Record<string, unknown> = {}): Promise<PdfDocument> {
  const { getDocument } = await unpdf.getResolvedPDFJS();
  const task = getDocument({
    // A copy: pdf.js may transfer (detach) the buffer it is given, and the caller still owns `bytes`.
    data: new Uint8Array(bytes),
    // unpdf's Node defaults (no eval, no @font-face), plus errors only: pdf.js otherwise logs per-file warnings.
    isEvalSupported: false,
    useSystemFonts: true,
    disableFontFace: true,
    verbosity: 0,
    ...extra,
  });
  try {
    return await task.promise;
  } catch (e) {
    await task.destroy(); // a failed load still holds its transport until destroyed
    throw toParseError(e);
  }
}

/** Groups text items into lines: pdf.js marks line ends (`hasEOL`); a jump in y or back in x also ends a line. */
function toLines(items: TextPart[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | undefined;
  let curEnd = 0;
  let eol = false;
  for (const item of items) {
    if (!('str' in item)) continue; // marked-content delimiters
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform as number[];
    const size = Math.hypot(c, d) || Math.hypot(a, b);
    if (item.str.trim() === '') {
      if (item.hasEOL) eol = true;
      else if (cur && item.str) cur.text += ' ';
      continue;
    }
    const sameLine = cur && !eol && Math.abs(y - cur.y) < Math.max(size, cur.size) / 2 && x > curEnd - size;
    if (cur && sameLine) {
      // Generators often position words separately instead of emitting spaces.
      if (x - curEnd > size * 0.2 && !/\s$/.test(cur.text) && !/^\s/.test(item.str)) cur.text += ' ';
      cur.text += item.str;
      cur.size = Math.max(cur.size, size);
    } else {
      cur = { text: item.str, x, y, size };
      lines.push(cur);
    }
    curEnd = x + item.width;
    eol = item.hasEOL;
  }
  return lines.map((l) => ({ ...l, text: normalizeSpace(l.text) })).filter((l) => l.text !== '');
}

/** The font size carrying most characters on the page. */
function bodySize(lines: Line[]): number {
  const chars = new Map<number, number>();
  for (const l of lines) chars.set(Math.round(l.size * 2) / 2, (chars.get(Math.round(l.size * 2) / 2) ?? 0) + l.text.length);
  return [...chars].sort((p, q) => q[1] - p[1])[0]?.[0] || 1;
}

/** Baseline-to-baseline distance of ordinary lines; capped so a page of one-line paragraphs still splits. */
function linePitch(lines: Line[], body: number): number {
  const drops: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [p, l] = [lines[i - 1]!, lines[i]!];
    const drop = p.y - l.y;
    if (Math.abs(p.size - body) < body * 0.1 && drop > body * 0.5 && drop < body * 3) drops.push(drop);
  }
  drops.sort((p, q) => p - q);
  return Math.min(drops[Math.floor(drops.length / 2)] ?? body * 1.2, body * 1.6);
}

function startsBlock(prev: Line, line: Line, pitch: number): boolean {
  const drop = prev.y - line.y;
  if (drop <= 0 || drop > pitch * 1.3) return true; // moved up (new column, cell) or a paragraph gap
  if (Math.abs(prev.size - line.size) > Math.max(prev.size, line.size) * 0.1) return true; // heading ↔ body
  return BULLET.test(line.text);
}

/** Joins wrapped lines, re-joining words hyphenated at a line end ("infor-" + "mation"). */
export function joinLines(lines: string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = normalizeSpace(raw);
    if (!line) continue;
    if (!out) out = line;
    else if (/\p{Ll}[-\u00ad\u2010]$/u.test(out) && /^\p{Ll}/u.test(line)) out = out.slice(0, -1) + line;
    else out += ` ${line}`;
  }
  return out;
}

function pageBlocks(lines: Line[], page: number): Block[] {
  const body = bodySize(lines);
  const pitch = linePitch(lines, body);
  const groups: Line[][] = [];
  lines.forEach((line, i) => {
    const prev = lines[i - 1];
    if (prev && !startsBlock(prev, line, pitch)) groups.at(-1)!.push(line);
    else groups.push([line]);
  });
  return groups.map((group) => {
    const text = joinLines(group.map((l) => l.text));
    const ratio = group[0]!.size / body;
    if (ratio >= HEADING_RATIO && text.length <= MAX_HEADING_LENGTH && group.length <= 3) {
      return { kind: 'heading', level: ratio >= 1.8 ? 1 : ratio >= 1.4 ? 2 : 3, text, page };
    }
    return { kind: 'paragraph', text, page };
  });
}

/** OCR output keeps a blank line between paragraphs (see ocr.ts). */
function ocrBlocks(text: string, page: number): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => joinLines(p.split('\n')))
    .filter((t) => t !== '')
    .map((t) => ({ kind: 'paragraph', text: t, page }));
}

/** "page 3", "pages 1-3, 7": compact enough for a 300-page scan. */
export function pageList(pages: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < pages.length; i++) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j]! + 1) j++;
    runs.push(j > i ? `${pages[i]}-${pages[j]}` : `${pages[i]}`);
    i = j;
  }
  return `${pages.length === 1 ? 'page' : 'pages'} ${runs.join(', ')}`;
}

function guessTitle(pages: Block[][]): string | undefined {
  const first = pages.find((p) => p.length > 0) ?? [];
  const heading = first.slice(0, 5).find((b) => b.kind === 'heading');
  if (heading) return heading.text;
  const line = first[0]?.text ?? '';
  return line.length > 0 && line.length <= 80 && !/[.:;,]$/.test(line) ? line : undefined;
}

interface OcrOutcome {
  text: Map<number, string>;
  /** Page → why it has no text (OCR failed or found nothing). */
  failed: Map<number, string>;
}

async function ocrPages(unpdf: Unpdf, bytes: Buffer, pages: number[], engine: OcrEngine, signal?: AbortSignal) {
  const out: OcrOutcome = { text: new Map(), failed: new Map() };
  const canvasImport = () => import('@napi-rs/canvas');
  let pdf: PdfDocument;
  try {
    // Rendering needs a document opened with a canvas factory; text-only files never pay for loading it.
    const CanvasFactory = await unpdf.createIsomorphicCanvasFactory(canvasImport);
    pdf = await openPdf(unpdf, bytes, { CanvasFactory });
  } catch (e) {
    const reason = `pages could not be rendered (@napi-rs/canvas: ${e instanceof Error ? e.message : String(e)})`;
    for (const n of pages) out.failed.set(n, reason);
    return out;
  }
  try {
    for (const [i, n] of pages.entries()) {
      signal?.throwIfAborted();
      try {
        const page = await pdf.getPage(n);
        const { width, height } = page.getViewport({ scale: 1 });
        const scale = Math.min(RENDER_SCALE, MAX_RENDER_SIDE / Math.max(width, height, 1));
        const png = Buffer.from(await unpdf.renderPageAsImage(pdf, n, { canvasImport, scale }));
        page.cleanup();
        const text = await engine.recognize(png);
        if (text.trim()) out.text.set(n, text);
        else out.failed.set(n, 'OCR found no text (blank page?)');
      } catch (e) {
        if (signal?.aborted) throw e;
        const reason = isStrataError(e)
          ? `${e.message}${e.hint ? ` (${e.hint})` : ''}`
          : `OCR failed: ${e instanceof Error ? e.message : String(e)}`;
        // An engine that cannot load will not load for the next page either.
        const rest = isStrataError(e) && e.code === 'unavailable' ? pages.slice(i) : [n];
        for (const m of rest) out.failed.set(m, reason);
        if (rest.length > 1) break;
      }
    }
  } finally {
    await pdf.destroy();
  }
  return out;
}

/** Groups pages by the reason they have no text: one line per reason ("pages 2-4<sep> reason"). */
function byReason(failed: Map<number, string>, sep: string): string[] {
  const groups = new Map<string, number[]>();
  for (const [page, reason] of failed) groups.set(reason, [...(groups.get(reason) ?? []), page]);
  return [...groups].map(([reason, pages]) => `${pageList(pages)}${sep} ${reason}`);
}

export default function pdfParser(options: PdfParserOptions = {}): Parser {
  let engine = options.ocr;
  return {
    name: 'pdf',
    extensions: ['.pdf'],
    mediaType: 'application/pdf',
    async parse(bytes, ctx) {
      if (bytes.length === 0) throw parseError('pdf', 'empty', 'the file is empty (0 bytes)');
      const unpdf = await import('unpdf');
      const pdf = await openPdf(unpdf, bytes);
      const pages: Block[][] = [];
      const metadata: DocumentMetadata = { pageCount: pdf.numPages };
      try {
        const { info, metadata: xmp } = await pdf.getMetadata();
        const field = (v: unknown) => (typeof v === 'string' && normalizeSpace(v)) || undefined;
        const record = info as Record<string, unknown>;
        metadata.title = field(record.Title) ?? field(xmp?.get('dc:title'));
        metadata.author = field(record.Author);
        const { PDFDateString } = await unpdf.getResolvedPDFJS();
        const created = typeof record.CreationDate === 'string' ? PDFDateString.toDateObject(record.CreationDate) : null;
        if (created && !Number.isNaN(created.getTime())) metadata.createdAt = created.toISOString();
        for (let n = 1; n <= pdf.numPages; n++) {
          ctx.signal?.throwIfAborted();
          const page = await pdf.getPage(n);
          const { items } = await page.getTextContent();
          page.cleanup(); // frees fonts and operator lists as we go: a 1,000-page file stays small
          const lines = toLines(items);
          pages.push(lines.length ? pageBlocks(lines, n) : []);
        }
      } catch (e) {
        throw ctx.signal?.aborted ? e : toParseError(e);
      } finally {
        await pdf.destroy();
      }

      const warnings: string[] = [];
      const textless = pages.flatMap((blocks, i) => (blocks.length ? [] : [i + 1]));
      const noLayer = textless.length ? `${pageList(textless)} ${textless.length === 1 ? 'has' : 'have'} no text layer` : '';
      let failed = new Map<number, string>();
      if (textless.length && !ctx.ocr.enabled) {
        warnings.push(`${noLayer} (scanned?) and OCR is disabled, so ${textless.length === 1 ? 'it was' : 'they were'} not indexed`);
      } else if (textless.length) {
        engine ??= gutenOcr();
        const ocr = await ocrPages(unpdf, bytes, textless, engine, ctx.signal);
        for (const [n, text] of ocr.text) pages[n - 1] = ocrBlocks(text, n);
        if (ocr.text.size) warnings.push(`${pageList([...ocr.text.keys()])} read by OCR (no text layer); expect some recognition errors`);
        failed = ocr.failed;
        warnings.push(...byReason(failed, ' not indexed:'));
      }

      const blocks = pages.flat();
      if (blocks.length === 0) {
        if (pages.length === 0) throw parseError('pdf', 'no-text', 'the PDF has no pages');
        const what = ctx.ocr.enabled
          ? `${noLayer} and OCR produced nothing (${byReason(failed, ':').join('; ')}); check that the OCR engine works ` +
            '(@gutenye/ocr-node with onnxruntime-node) and that the pages are not blank'
          : `${noLayer} (scanned images?) and OCR is disabled; enable OCR (ocr.enabled: true) to index this file`;
        throw parseError('pdf', 'no-text', `no text found: ${what}`);
      }
      metadata.title ??= guessTitle(pages) ?? fileTitle(ctx.path);
      if (metadata.author === undefined) delete metadata.author;
      return { documents: [{ metadata, blocks }], ...(warnings.length ? { warnings } : {}) };
    },
  };
}
