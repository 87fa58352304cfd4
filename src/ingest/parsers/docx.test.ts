import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../../core/errors.js';
import docxParser from './docx.js';
import { docxFiles, docxPara as para, docxTable as table, zipOf } from './samples.testkit.js';
import type { ParseContext } from './types.js';

const ctx: ParseContext = {
  path: 'policies/travel-policy.docx',
  mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ocr: { enabled: false },
};
const bullet = (text: string): string => para(text, 'ListParagraph', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>');

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
