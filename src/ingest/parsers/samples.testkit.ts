// Known-good sample files, one per parser, built in memory with the same content in every format: the
// conformance suite (conformance.test.ts) parses each one and damaged copies of it. Also the OOXML builders
// the DOCX and PPTX tests share. Samples are byte-for-byte reproducible (fixed dates), so a failure on a
// damaged copy reproduces on every run.
import JSZip from 'jszip';

/** Rare enough that finding it in the blocks proves the body paragraph was read. */
export const SAMPLE_WORD = 'zephyrine';

const TITLE = 'Quarterly Field Notes';
const PARAGRAPH = `The ${SAMPLE_WORD} survey covered three valleys.`;
const HEADING = 'Sites';
const TABLE_HEADER = ['Valley', 'Samples'];
const ROWS = [TABLE_HEADER, ['North', '12'], ['South', '9']];
/** Zip entries and document properties carry this date instead of "now". */
const FIXED_DATE = new Date('2024-03-05T10:15:00Z');

export interface ParserSample {
  /** Where the file sits under a connector root; its extension is one the parser claims. */
  path: string;
  bytes: Buffer;
  /** The `metadata.title` the parser must report (of the first document). */
  title: string;
  /** Structure the format can express, so the suite knows which block kinds to demand. */
  has: { headings: boolean; tables: boolean };
}

export type SampleBuilder = () => Promise<ParserSample>;

/**
 * A zip of the given text parts, DEFLATE-compressed like Office writes them. No folder entries (Office
 * writes none, and JSZip would stamp them with the current time) and fixed entry dates.
 */
export async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, content] of Object.entries(files)) zip.file(path, content, { date: FIXED_DATE, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

// --- DOCX ------------------------------------------------------------------------------------------
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export const docxPara = (text: string, style?: string, extra = ''): string =>
  `<w:p><w:pPr>${style ? `<w:pStyle w:val="${style}"/>` : ''}${extra}</w:pPr><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const docxCell = (text: string): string => `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>${docxPara(text)}</w:tc>`;
export const docxTable = (rows: string[][]): string =>
  `<w:tbl><w:tblPr/><w:tblGrid/>${rows.map((r) => `<w:tr>${r.map(docxCell).join('')}</w:tr>`).join('')}</w:tbl>`;
const docxStyle = (id: string, name: string): string =>
  `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`;

/**
 * The parts of a real (minimal) .docx as Word lays it out; `body` is the content of w:body. Styles: Normal,
 * Title, Heading1, berschrift2 (German id, English name "heading 2") and ListParagraph with bullet numId 1.
 */
export function docxFiles(body: string, core?: { title?: string; creator?: string }): Record<string, string> {
  const files: Record<string, string> = {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
    'word/_rels/document.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/styles" Target="styles.xml"/><Relationship Id="rId2" Type="${REL}/numbering" Target="numbering.xml"/></Relationships>`,
    // Word writes built-in style names in English whatever the UI language; German ids are "berschrift1"….
    'word/styles.xml': `<?xml version="1.0" encoding="UTF-8"?><w:styles ${W}>${docxStyle('Normal', 'Normal')}${docxStyle('Title', 'Title')}${docxStyle('Heading1', 'heading 1')}${docxStyle('berschrift2', 'heading 2')}${docxStyle('ListParagraph', 'List Paragraph')}</w:styles>`,
    'word/numbering.xml': `<?xml version="1.0" encoding="UTF-8"?><w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`,
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${body}<w:sectPr/></w:body></w:document>`,
  };
  if (core) {
    files['docProps/core.xml'] = `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">${core.title ? `<dc:title>${core.title}</dc:title>` : ''}${core.creator ? `<dc:creator>${core.creator}</dc:creator>` : ''}<dcterms:modified>2024-02-03T04:05:06Z</dcterms:modified></cp:coreProperties>`;
  }
  return files;
}

// --- PPTX ------------------------------------------------------------------------------------------
export const PPTX_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

/** A text shape; `ph` is the placeholder's attributes (`type="title"`), null for a free text box. */
export const pptxShape = (ph: string | null, ...paras: string[]): string =>
  `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${ph ? `<p:ph ${ph}/>` : ''}</p:nvPr></p:nvSpPr>` +
  `<p:txBody><a:bodyPr/>${paras.map((t) => `<a:p><a:r><a:t>${t}</a:t></a:r></a:p>`).join('')}</p:txBody></p:sp>`;

export const pptxSlide = (shapes: string): string => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sld ${PPTX_NS}><p:cSld><p:spTree><p:nvGrpSpPr/><p:grpSpPr/>${shapes}</p:spTree></p:cSld></p:sld>`;

export const pptxTable = (rows: string[][]): string =>
  `<p:graphicFrame><p:nvGraphicFramePr/><a:graphic><a:graphicData><a:tbl><a:tblGrid/>` +
  rows.map((r) => `<a:tr>${r.map((c) => `<a:tc><a:txBody><a:p><a:r><a:t>${c}</a:t></a:r></a:p></a:txBody></a:tc>`).join('')}</a:tr>`).join('') +
  `</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`;

/** A relationships part; `type` is relative to the officeDocument relationships namespace. */
export function pptxRels(entries: [id: string, type: string, target: string][]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${entries
    .map(([id, type, target]) => `<Relationship Id="${id}" Type="${REL}/${type}" Target="${target}"/>`)
    .join('')}</Relationships>`;
}

/** The parts of a minimal .pptx whose slides, in order, are the given slide parts. */
function pptxFiles(slides: string[]): Record<string, string> {
  const files: Record<string, string> = {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>`,
    '_rels/.rels': pptxRels([['rId1', 'officeDocument', 'ppt/presentation.xml']]),
    'ppt/presentation.xml': `<?xml version="1.0" encoding="UTF-8"?><p:presentation ${PPTX_NS}><p:sldIdLst>${slides
      .map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`)
      .join('')}</p:sldIdLst></p:presentation>`,
    'ppt/_rels/presentation.xml.rels': pptxRels(slides.map((_, i) => [`rId${i + 1}`, 'slide', `slides/slide${i + 1}.xml`])),
  };
  slides.forEach((slide, i) => (files[`ppt/slides/slide${i + 1}.xml`] = slide));
  return files;
}

// --- Samples ---------------------------------------------------------------------------------------
const TEXT_ONLY = { headings: false, tables: false };
const FULL = { headings: true, tables: true };
const sample = (path: string, bytes: Buffer | string, title: string, has: ParserSample['has']): ParserSample => ({
  path,
  bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes,
  title,
  has,
});
const htmlTable = (rows: string[][]): string =>
  `<table>${rows.map((r, i) => `<tr>${r.map((c) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</table>`;

async function pdfSample(): Promise<ParserSample> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  doc.setTitle(TITLE);
  doc.setCreationDate(FIXED_DATE);
  doc.setModificationDate(FIXED_DATE);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([612, 792]);
  // A line well above body size is a heading to the PDF parser; PDF has no table structure to recover.
  page.drawText(HEADING, { x: 72, y: 720, size: 24, font });
  page.drawText(PARAGRAPH, { x: 72, y: 680, size: 12, font });
  return sample('samples/field-notes.pdf', Buffer.from(await doc.save()), TITLE, { headings: true, tables: false });
}

async function xlsxSample(): Promise<ParserSample> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.title = TITLE;
  wb.created = wb.modified = FIXED_DATE;
  const sheet = wb.addWorksheet(HEADING);
  sheet.addRow([...TABLE_HEADER, 'Notes']);
  sheet.addRow(['North', 12, PARAGRAPH]);
  sheet.addRow(['South', 9, 'Dry season.']);
  // exceljs stamps zip entries with the current time; re-zip with a fixed one so the bytes never change.
  const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
  zip.forEach((_, file) => void (file.date = FIXED_DATE));
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  // The sheet name becomes a heading, the sheet a table.
  return sample('samples/field-notes.xlsx', bytes, TITLE, FULL);
}

/** One builder per parser name in PARSERS; the conformance suite fails for a parser without one. */
export const SAMPLES: Readonly<Record<string, SampleBuilder>> = {
  text: async () =>
    sample('samples/field-notes.txt', `${TITLE}\n\n${PARAGRAPH}\n\nMore visits follow in spring.\n`, TITLE, TEXT_ONLY),

  markdown: async () =>
    sample(
      'samples/field-notes.md',
      `# ${TITLE}\n\n${PARAGRAPH}\n\n## ${HEADING}\n\n` +
        ROWS.map((r, i) => `| ${r.join(' | ')} |\n${i === 0 ? '|---|--:|\n' : ''}`).join(''),
      TITLE,
      FULL,
    ),

  html: async () =>
    sample(
      'samples/field-notes.html',
      `<!doctype html><html><head><meta charset="utf-8"><title>${TITLE}</title></head>` +
        `<body><h1>${TITLE}</h1><p>${PARAGRAPH}</p><h2>${HEADING}</h2>${htmlTable(ROWS)}</body></html>`,
      TITLE,
      FULL,
    ),

  pdf: pdfSample,

  docx: async () => {
    const body = docxPara(PARAGRAPH) + docxPara(HEADING, 'Heading1') + docxTable(ROWS);
    return sample('samples/field-notes.docx', await zipOf(docxFiles(body, { title: TITLE })), TITLE, FULL);
  },

  pptx: async () => {
    const slide = pptxSlide(pptxShape('type="title"', TITLE) + pptxShape(null, PARAGRAPH) + pptxTable(ROWS));
    // The slide title is both the heading and, without docProps/core.xml, the deck's title.
    return sample('samples/field-notes.pptx', await zipOf(pptxFiles([slide])), TITLE, FULL);
  },

  xlsx: xlsxSample,

  // CSV carries no title of its own: the parser names the document after the file.
  csv: async () =>
    sample(
      'samples/field-notes.csv',
      `${TABLE_HEADER.join(',')},Notes\nNorth,12,${PARAGRAPH}\nSouth,9,"Dry season, windy."\n`,
      'field-notes',
      { headings: false, tables: true },
    ),

  json: async () =>
    sample(
      'samples/field-notes.json',
      JSON.stringify({ title: TITLE, summary: PARAGRAPH, sites: [{ valley: 'North', samples: 12 }, { valley: 'South', samples: 9 }] }, null, 2),
      TITLE,
      TEXT_ONLY,
    ),

  jsonl: async () =>
    sample(
      'samples/field-notes.jsonl',
      `${JSON.stringify({ _id: 'n1', title: TITLE, text: PARAGRAPH })}\n` +
        `${JSON.stringify({ _id: 'n2', title: HEADING, text: 'North 12, South 9.' })}\n`,
      TITLE,
      TEXT_ONLY,
    ),

  // An HTML-only message: the kind of e-mail whose body carries headings and tables.
  eml: async () =>
    sample(
      'samples/field-notes.eml',
      [
        'From: Field Team <field@example.com>',
        'To: Research <research@example.com>',
        `Subject: ${TITLE}`,
        'Date: Tue, 5 Mar 2024 10:15:00 +0000',
        'Message-ID: <field-notes-1@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        `<html><body><p>${PARAGRAPH}</p><h2>${HEADING}</h2>${htmlTable(ROWS)}</body></html>`,
        '',
      ].join('\r\n'),
      TITLE,
      FULL,
    ),
};
