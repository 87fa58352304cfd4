import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import { normalizeSpace } from '../../core/text.js';
import textParser, { fileTitle, tidy } from './text.js';

const ctx = (path: string) => ({ path, mediaType: 'text/plain', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);

describe('text parser', () => {
  const parser = textParser();

  it('splits paragraphs on blank lines and takes a short first line as title', async () => {
    const bytes = Buffer.from('Release notes\r\n\r\nFixed   the login\nbug.\n \t\n\n\nAdded export.\n');
    const { documents, warnings } = await parser.parse(bytes, ctx('notes/v2.txt'));
    assert.equal(documents.length, 1);
    assert.equal(documents[0]?.metadata.title, 'Release notes');
    assert.deepEqual(documents[0]?.blocks, [
      { kind: 'paragraph', text: 'Release notes' },
      { kind: 'paragraph', text: 'Fixed the login\nbug.' },
      { kind: 'paragraph', text: 'Added export.' },
    ]);
    assert.equal(warnings, undefined);
  });

  it('falls back to the file name when the first line is prose', async () => {
    const { documents } = await parser.parse(Buffer.from(`${'word '.repeat(40)}\n\nmore`), ctx('a/b/meeting.notes.txt'));
    assert.equal(documents[0]?.metadata.title, 'meeting.notes');
  });

  it('indexes Latin-1 text with a warning', async () => {
    const { documents, warnings } = await parser.parse(Buffer.from([0x4e, 0x61, 0xef, 0x76, 0x65]), ctx('x.txt'));
    assert.equal(documents[0]?.blocks[0]?.text, 'Naïve');
    assert.equal(warnings?.length, 1);
  });

  it('fails empty and binary files with the right kinds', async () => {
    await assert.rejects(parser.parse(Buffer.from(' \n\n\t'), ctx('e.txt')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parser.parse(Buffer.alloc(0), ctx('e.txt')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parser.parse(Buffer.from('ab\0cd'), ctx('b.txt')), (e: unknown) => kindOf(e) === 'unsupported');
  });
});

describe('text helpers', () => {
  it('tidy gives exactly what normalizeSpace gives', () => {
    for (const s of ['a  b', ' a\t\n  b ', 'x\u00a0y', 'p \n q', 'a\u3000 \u2001b', 'one two', '\n\n a \n\n', '']) {
      assert.equal(tidy(s), normalizeSpace(s), JSON.stringify(s));
    }
  });

  it('fileTitle drops folders and the last extension', () => {
    assert.equal(fileTitle('docs\\q3\\report.final.txt'), 'report.final');
    assert.equal(fileTitle('.env'), '.env');
  });
});
