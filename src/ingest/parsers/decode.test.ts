import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import { assertHasText, decodeText } from './decode.js';

const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);

describe('decodeText', () => {
  it('reads valid UTF-8 as is and strips its BOM', () => {
    const r = decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Café ✓')]), 'text');
    assert.deepEqual(r, { text: 'Café ✓' });
  });

  it('decodes UTF-16 LE and BE when the BOM says so, despite their NUL bytes', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo\r\nwörld', 'utf16le')]);
    assert.deepEqual(decodeText(le, 'text'), { text: 'héllo\nwörld' });
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Zürich', 'utf16le').swap16()]);
    assert.deepEqual(decodeText(be, 'text'), { text: 'Zürich' });
  });

  it('reads invalid UTF-8 as Windows-1252 and warns the user to re-save it', () => {
    const r = decodeText(Buffer.from([0x61, 0xc3, 0x28, 0x62]), 'text');
    assert.equal(r.text, 'aÃ(b');
    assert.match(r.warning ?? '', /not valid UTF-8.*Windows-1252.*re-save it as UTF-8/s);
  });

  it('reads Latin-1 text, including Windows-1252 punctuation like the euro sign', () => {
    const r = decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35, 0x20, 0x93, 0x6f, 0x6b, 0x94]), 'text');
    assert.equal(r.text, 'café €5 \u201cok\u201d');
    assert.ok(r.warning);
  });

  it('rejects bytes with NULs as a binary file', () => {
    assert.throws(
      () => decodeText(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), 'text'),
      (err: unknown) => kindOf(err) === 'unsupported' && /binary file, not text/.test((err as Error).message),
    );
  });

  it('normalises CRLF and lone CR line ends', () => {
    assert.equal(decodeText(Buffer.from('a\r\nb\rc\n'), 'text').text, 'a\nb\nc\n');
  });

  it('uses a declared legacy charset up front, without a warning, unless a UTF-8 BOM says otherwise', () => {
    assert.deepEqual(decodeText(Buffer.from([0xe9, 0x74, 0xe9]), 'html', 'windows-1252'), { text: 'été' });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('été')]);
    assert.deepEqual(decodeText(bom, 'html', 'windows-1252'), { text: 'été' });
  });
});

describe('assertHasText', () => {
  it('fails whitespace-only text as empty and lets real text through', () => {
    assert.throws(() => assertHasText(' \n\t\u00a0 ', 'text'), (err: unknown) => kindOf(err) === 'empty');
    assert.doesNotThrow(() => assertHasText(' x ', 'text'));
  });
});
