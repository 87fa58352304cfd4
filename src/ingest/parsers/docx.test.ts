import { test } from 'node:test';
import assert from 'node:assert/strict';
import JSZip from 'jszip';
import { isStrataError } from '../../core/errors.js';
import docxParser from './docx.js';
import type { ParseContext } from './types.js';

const ctx: ParseContext = {
  path: 'policies/travel-policy.docx',
  mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ocr: { enabled: false },
};
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const para = (text: string, style?: string, extra = ''): string =>
  `<w:p><w:pPr>${style ? `<w:pStyle w:val="${style}"/>` : ''}${extra}</w:pPr><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const bullet = (text: string): string => para(text, 'ListParagraph', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>');
const cell = (text: string): string => `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>${para(text)}</w:tc>`;
const table = (rows: string[][]): string => `<w:tbl><w:tblPr/><w:tblGrid/>${rows.map((r) => `<w:tr>${r.map(cell).join('')}</w:tr>`).join('')}</w:tbl>`;
const style = (id: string, name: string): string =>
  `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`;

/** A real (minimal) .docx package as Word lays it out. `body` is the content of w:body. */
function docxFiles(body: string, core?: { title?: string; creator?: string }): Record<string, string> {
  const files: Record<string, string> = {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
    'word/_rels/document.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/styles" Target="styles.xml"/><Relationship Id="rId2" Type="${REL}/numbering" Target="numbering.xml"/></Relationships>`,
    // Word writes built-in style names in English whatever the UI language; German ids are "berschrift1"….
    'word/styles.xml': `<?xml version="1.0" encoding="UTF-8"?><w:styles ${W}>${style('Normal', 'Normal')}${style('Title', 'Title')}${style('Heading1', 'heading 1')}${style('berschrift2', 'heading 2')}${style('ListParagraph', 'List Paragraph')}</w:styles>`,
    'word/numbering.xml': `<?xml version="1.0" encoding="UTF-8"?><w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`,
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${body}<w:sectPr/></w:body></w:document>`,
  };
  if (core) {
    files['docProps/core.xml'] = `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">${core.title ? `<dc:title>${core.title}</dc:title>` : ''}${core.creator ? `<dc:creator>${core.creator}</dc:creator>` : ''}<dcterms:modified>2024-02-03T04:05:06Z</dcterms:modified></cp:coreProperties>`;
  }
  return files;
}

const POLICY_BODY =
  para('Travel Policy', 'Heading1') +
  para('Applies to all employees.') +
  para('Per diem rates', 'berschrift2') +
  table([
    ['City', 'Rate (EUR)'],
    ['Berlin', '45'],
    ['Paris', '60'],
  ]) +
  para('Booking', 'berschrift2') +
  bullet('Book through the portal') +
  bullet('Economy class only') +
  para('Exceptions need approval.');

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, content] of Object.entries(files)) zip.file(path, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function failureKind(bytes: Buffer): Promise<string> {
  try {
    await docxParser().parse(bytes, ctx);
  } catch (err) {
    assert.ok(isStrataError(err), `expected a StrataError, got ${String(err)}`);
    assert.match(err.message, /^\[strata\] \[parser:docx\] /);
    return String(err.details.kind);
  }
  assert.fail('parse should have failed');
}

test('headings keep their levels; tables and lists survive as blocks; core.xml gives title and author', async () => {
  const bytes = await zipOf(docxFiles(POLICY_BODY, { title: 'Corporate Travel Policy', creator: 'HR Department' }));
  const { documents, warnings } = await docxParser().parse(bytes, ctx);
  assert.equal(warnings, undefined);
  const { metadata, blocks } = documents[0]!;
  assert.equal(metadata.title, 'Corporate Travel Policy');
  assert.equal(metadata.author, 'HR Department');
  assert.equal(metadata.documentModifiedAt, '2024-02-03T04:05:06.000Z');
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.level, b.text]),
    [
      ['heading', 1, 'Travel Policy'],
      ['paragraph', undefined, 'Applies to all employees.'],
      ['heading', 2, 'Per diem rates'],
      ['table', undefined, '| City | Rate (EUR) |\n| Berlin | 45 |\n| Paris | 60 |'],
      ['heading', 2, 'Booking'],
      ['list', undefined, '- Book through the portal\n- Economy class only'],
      ['paragraph', undefined, 'Exceptions need approval.'],
    ],
  );
});

test('without dc:title the first heading is the title; the Title style counts as a heading', async () => {
  const withTitleStyle = await zipOf(docxFiles(para('Remote Work Guidelines', 'Title') + POLICY_BODY, { creator: 'HR' }));
  const { documents } = await docxParser().parse(withTitleStyle, ctx);
  assert.equal(documents[0]!.metadata.title, 'Remote Work Guidelines');
  assert.deepEqual(documents[0]!.blocks[0], { kind: 'heading', level: 1, text: 'Remote Work Guidelines' });

  const noHeadings = await zipOf(docxFiles(para('Just a note.')));
  const { documents: plain } = await docxParser().parse(noHeadings, ctx);
  assert.equal(plain[0]!.metadata.title, 'travel-policy');
  assert.equal(plain[0]!.metadata.author, undefined);
});

test('a document without text is empty', async () => {
  assert.equal(await failureKind(await zipOf(docxFiles(para('') + para('   ')))), 'empty');
});

test('unreadable input fails with a kind, never a raw exception', async () => {
  const good = await zipOf(docxFiles(POLICY_BODY));
  assert.equal(await failureKind(Buffer.alloc(0)), 'empty');
  assert.equal(await failureKind(good.subarray(0, good.length >> 1)), 'corrupt');
  assert.equal(await failureKind(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), 'corrupt');
  const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
  assert.equal(await failureKind(cfb), 'encrypted');
  assert.equal(await failureKind(await zipOf({ 'xl/workbook.xml': '<workbook/>' })), 'corrupt');
});
