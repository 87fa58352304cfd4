import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import htmlParser, { declaredCharset } from './html.js';

const ctx = (path: string) => ({ path, mediaType: 'text/html', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);
const parser = htmlParser();

describe('html parser', () => {
  it('reads title, author and blocks from a page', async () => {
    const html = '<html><head><title>Intranet | Leave</title><meta name="author" content="HR"></head>' +
      '<body><nav>Menu</nav><h1>Leave</h1><p>25 days a year.</p></body></html>';
    const { documents, warnings } = await parser.parse(Buffer.from(html), ctx('hr/leave.html'));
    assert.deepEqual(documents, [
      {
        metadata: { title: 'Intranet | Leave', author: 'HR' },
        blocks: [
          { kind: 'heading', level: 1, text: 'Leave' },
          { kind: 'paragraph', text: '25 days a year.' },
        ],
      },
    ]);
    assert.equal(warnings, undefined);
  });

  it('honours a declared windows-1252/latin1 charset without warning', async () => {
    const head = Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head><body><p>Caf');
    const bytes = Buffer.concat([head, Buffer.from([0xe9, 0x20, 0x80]), Buffer.from('</p></body></html>')]);
    assert.equal(declaredCharset(bytes), 'iso-8859-1');
    const { documents, warnings } = await parser.parse(bytes, ctx('old.htm'));
    assert.equal(documents[0]?.blocks[0]?.text, 'Café €');
    assert.equal(warnings, undefined);
  });

  it('falls back to Windows-1252 with a warning when undeclared bytes are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('<p>na'), Buffer.from([0xef]), Buffer.from('ve</p>')]);
    const { documents, warnings } = await parser.parse(bytes, ctx('x.html'));
    assert.equal(documents[0]?.blocks[0]?.text, 'naïve');
    assert.equal(documents[0]?.metadata.title, 'x');
    assert.match(warnings?.[0] ?? '', /not valid UTF-8/);
  });

  it('reads UTF-16 pages with a BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<h1>Über</h1>', 'utf16le')]);
    assert.equal((await parser.parse(bytes, ctx('u.html'))).documents[0]?.metadata.title, 'Über');
  });

  it('fails empty pages, script-only pages and binary files with distinct kinds', async () => {
    await assert.rejects(parser.parse(Buffer.from('\n  '), ctx('e.html')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(
      parser.parse(Buffer.from('<html><script>x()</script><nav>Menu</nav></html>'), ctx('s.html')),
      (e: unknown) => kindOf(e) === 'no-text',
    );
    await assert.rejects(parser.parse(Buffer.from('<p>\0</p>'), ctx('b.html')), (e: unknown) => kindOf(e) === 'unsupported');
  });
});
