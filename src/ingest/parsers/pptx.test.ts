import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../../core/errors.js';
import pptxParser from './pptx.js';
import { PPTX_NS as NS, pptxRels as rels, pptxShape as shape, pptxSlide as slide, pptxTable as table, zipOf } from './samples.testkit.js';
import type { ParseContext } from './types.js';

const ctx: ParseContext = {
  path: 'decks/q3-review.pptx',
  mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ocr: { enabled: false },
};

/** A real (minimal) .pptx: slide2.xml is listed first in presentation.xml, so show order ≠ file-name order. */
function deckFiles(opts: { coreTitle?: string } = {}): Record<string, string> {
  return {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>`,
    '_rels/.rels': rels([
      ['rId1', 'officeDocument', 'ppt/presentation.xml'],
      ['rId2', 'metadata/core-properties', 'docProps/core.xml'],
    ]),
    'docProps/core.xml': `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">${opts.coreTitle ? `<dc:title>${opts.coreTitle}</dc:title>` : ''}<dc:creator>Dana Presenter</dc:creator><dcterms:created>2024-05-01T09:00:00Z</dcterms:created></cp:coreProperties>`,
    'ppt/presentation.xml': `<?xml version="1.0" encoding="UTF-8"?><p:presentation ${NS}><p:sldIdLst><p:sldId id="256" r:id="rId7"/><p:sldId id="257" r:id="rId3"/></p:sldIdLst></p:presentation>`,
    'ppt/_rels/presentation.xml.rels': rels([
      ['rId3', 'slide', 'slides/slide1.xml'],
      ['rId7', 'slide', 'slides/slide2.xml'],
      ['rId9', 'theme', 'theme/theme1.xml'],
    ]),
    // Shown first: the cover, body text before the title in z-order, and a footer placeholder.
    'ppt/slides/slide2.xml': slide(
      shape('type="subTitle" idx="1"', 'Revenue &amp; margins') +
        shape('type="ctrTitle"', 'Quarterly Review') +
        shape('type="sldNum" idx="12"', '1'),
    ),
    'ppt/slides/_rels/slide2.xml.rels': rels([['rId2', 'notesSlide', '../notesSlides/notesSlide1.xml']]),
    'ppt/notesSlides/notesSlide1.xml': slide(
      shape('type="sldImg"') + shape('type="body" idx="1"', 'Mention the hiring freeze.') + shape('type="sldNum" idx="5"', '1'),
    ).replace(/p:sld /, 'p:notes ').replace('</p:sld>', '</p:notes>'),
    // Shown second: a title, a free text box inside a group, and a table.
    'ppt/slides/slide1.xml': slide(
      shape('type="title"', 'Regional results') +
        `<p:grpSp><p:nvGrpSpPr/><p:grpSpPr/>${shape(null, 'EMEA grew fastest', 'APAC flat')}</p:grpSp>` +
        table([
          ['Region', 'Revenue'],
          ['EMEA', '12.5'],
          ['APAC', '9.1'],
        ]),
    ),
  };
}

async function failureKind(bytes: Buffer): Promise<string> {
  try {
    await pptxParser().parse(bytes, ctx);
  } catch (err) {
    assert.ok(isStrataError(err), `expected a StrataError, got ${String(err)}`);
    assert.match(err.message, /^\[strata\] \[parser:pptx\] /);
    return String(err.details.kind);
  }
  assert.fail('parse should have failed');
}

test('slides follow presentation.xml order, each block tagged with its slide number', async () => {
  const { documents } = await pptxParser().parse(await zipOf(deckFiles()), ctx);
  assert.equal(documents.length, 1);
  const [doc] = documents;
  assert.deepEqual(
    doc!.blocks.map((b) => [b.kind, b.page, b.level, b.text]),
    [
      ['heading', 1, 2, 'Quarterly Review'],
      ['paragraph', 1, undefined, 'Revenue & margins'],
      ['paragraph', 1, undefined, 'Notes: Mention the hiring freeze.'],
      ['heading', 2, 2, 'Regional results'],
      ['paragraph', 2, undefined, 'EMEA grew fastest\nAPAC flat'],
      ['table', 2, undefined, '| Region | Revenue |\n| EMEA | 12.5 |\n| APAC | 9.1 |'],
    ],
  );
  // Without dc:title the first slide's title names the deck.
  assert.equal(doc!.metadata.title, 'Quarterly Review');
  assert.equal(doc!.metadata.author, 'Dana Presenter');
  assert.equal(doc!.metadata.createdAt, '2024-05-01T09:00:00.000Z');
  assert.equal(doc!.metadata.slideCount, 2);
});

test('dc:title wins over the first slide title', async () => {
  const { documents } = await pptxParser().parse(await zipOf(deckFiles({ coreTitle: 'Q3 Board Deck' })), ctx);
  assert.equal(documents[0]!.metadata.title, 'Q3 Board Deck');
});

test('a deck whose slides hold no text is empty', async () => {
  const files = deckFiles();
  files['ppt/slides/slide1.xml'] = slide('');
  files['ppt/slides/slide2.xml'] = slide(shape('type="pic"'));
  delete files['ppt/slides/_rels/slide2.xml.rels'];
  assert.equal(await failureKind(await zipOf(files)), 'empty');
});

test('unreadable input fails with a kind, never a raw exception', async () => {
  const good = await zipOf(deckFiles());
  assert.equal(await failureKind(Buffer.alloc(0)), 'empty');
  assert.equal(await failureKind(good.subarray(0, Math.floor(good.length / 2))), 'corrupt');
  assert.equal(await failureKind(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), 'corrupt');
  const cfb = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
  assert.equal(await failureKind(cfb), 'encrypted');
  assert.equal(await failureKind(await zipOf({ 'hello.txt': 'not a deck' })), 'corrupt');
});
