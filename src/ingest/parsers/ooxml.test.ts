import { test } from 'node:test';
import assert from 'node:assert/strict';
import JSZip from 'jszip';
import { isStrataError } from '../../core/errors.js';
import { openPackage, readCoreProperties, readRels, resolveTarget } from './ooxml.js';
import { zipOf } from './samples.testkit.js';

const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const TYPES = (main: string, type: string): string =>
  `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/${main}" ContentType="${type}"/></Types>`;
const ROOT_RELS = (main: string): string =>
  `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="/${main}"/></Relationships>`;
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const PPTX_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml';

async function failure(promise: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStrataError(err), `expected a StrataError, got ${String(err)}`);
    return { kind: String(err.details.kind), message: err.message };
  }
  assert.fail('should have failed');
}

test('the main part is found through _rels/.rels, even when it is not at the usual path', async () => {
  const bytes = await zipOf({
    '[Content_Types].xml': TYPES('word/main.xml', DOCX_TYPE),
    '_rels/.rels': ROOT_RELS('word/main.xml'),
    'word/main.xml': '<w:document/>',
  });
  const { mainPart } = await openPackage('docx', 'docx', bytes);
  assert.equal(mainPart, 'word/main.xml');
});

test('CFB magic means encrypted (or legacy binary) and says what to do', async () => {
  const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024, 1)]);
  const { kind, message } = await failure(openPackage('xlsx', 'xlsx', cfb));
  assert.equal(kind, 'encrypted');
  assert.equal(
    message,
    '[strata] [parser:xlsx] password-protected (or legacy binary .doc/.ppt/.xls) Office file: save an unprotected .docx/.pptx/.xlsx copy',
  );
});

test('empty, non-zip, truncated and wrong-kind packages are rejected with a kind', async () => {
  const docx = await zipOf({
    '[Content_Types].xml': TYPES('word/document.xml', DOCX_TYPE),
    '_rels/.rels': ROOT_RELS('word/document.xml'),
    'word/document.xml': `<w:document>${'<w:p><w:r><w:t>filler text</w:t></w:r></w:p>'.repeat(200)}</w:document>`,
  });
  assert.equal((await failure(openPackage('docx', 'docx', Buffer.alloc(0)))).kind, 'empty');
  assert.equal((await failure(openPackage('docx', 'docx', Buffer.from('%PDF-1.7 not a zip')))).kind, 'corrupt');
  assert.equal((await failure(openPackage('docx', 'docx', docx.subarray(0, docx.length >> 1)))).kind, 'corrupt');
  // A presentation renamed to .docx: named as such, so the user knows to fix the extension.
  const pptx = await zipOf({
    '[Content_Types].xml': TYPES('ppt/presentation.xml', PPTX_TYPE),
    '_rels/.rels': ROOT_RELS('ppt/presentation.xml'),
    'ppt/presentation.xml': '<p:presentation/>',
  });
  const wrong = await failure(openPackage('docx', 'docx', pptx));
  assert.equal(wrong.kind, 'corrupt');
  assert.match(wrong.message, /not a Word document \(\.docx\).*PowerPoint presentation/);
  // A plain zip without any OOXML part.
  const plain = await failure(openPackage('docx', 'docx', await zipOf({ 'readme.txt': 'hi' })));
  assert.match(plain.message, /no word\/document\.xml/);
});

test('core properties give title, author and ISO dates; absent ones are omitted', async () => {
  const zip = await JSZip.loadAsync(
    await zipOf({
      'docProps/core.xml': `<?xml version="1.0"?><cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Travel &amp; Expense Policy</dc:title><dc:creator>Ana Li</dc:creator><dcterms:created>2023-01-02T03:04:05Z</dcterms:created><dcterms:modified>not a date</dcterms:modified></cp:coreProperties>`,
    }),
  );
  assert.deepEqual(await readCoreProperties('docx', zip), {
    title: 'Travel & Expense Policy',
    author: 'Ana Li',
    createdAt: '2023-01-02T03:04:05.000Z',
  });
  assert.deepEqual(await readCoreProperties('docx', await JSZip.loadAsync(await zipOf({ 'a.xml': '<a/>' }))), {});
});

test('relationship targets resolve against the source part folder', async () => {
  assert.equal(resolveTarget('ppt/slides/slide1.xml', '../notesSlides/notesSlide1.xml'), 'ppt/notesSlides/notesSlide1.xml');
  assert.equal(resolveTarget('ppt/presentation.xml', 'slides/slide%202.xml'), 'ppt/slides/slide 2.xml');
  assert.equal(resolveTarget('', '/xl/workbook.xml'), 'xl/workbook.xml');
  const zip = await JSZip.loadAsync(
    await zipOf({
      'ppt/slides/_rels/slide1.xml.rels': `<Relationships xmlns="x"><Relationship Id="rId1" Type="${REL}/notesSlide" Target="../notesSlides/n.xml"/><Relationship Id="rId2" Type="${REL}/hyperlink" Target="https://example.com" TargetMode="External"/></Relationships>`,
    }),
  );
  const rels = await readRels('pptx', zip, 'ppt/slides/slide1.xml');
  assert.deepEqual([...rels.entries()], [['rId1', { type: `${REL}/notesSlide`, target: 'ppt/notesSlides/n.xml' }]]);
});
