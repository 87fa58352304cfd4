// Bytes → text for the text-like parsers: BOMs, UTF-16, legacy Windows-1252 files, and binary detection,
// so every text format treats encodings the same way and tells the user the same thing.
import { isUtf8 } from 'node:buffer';
import { parseError } from '../../core/errors.js';

// Windows-1252's printable characters at 0x80–0x9F (WHATWG index). Node's TextDecoder decodes them as
// Latin-1 C1 controls since 20.18.3 (nodejs/node#60888), turning smart quotes and € into invisible junk.
const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}

export interface DecodedText {
  text: string;
  /** Set when the bytes were not valid UTF-8 and were read as Windows-1252 instead. */
  warning?: string;
}

/**
 * Decode a text file. A BOM decides the encoding; otherwise valid UTF-8 is taken as is and anything
 * else as Windows-1252 (what Excel and older Windows editors write), which never fails — hence the warning.
 * `fallback` lets a caller that knows better (an HTML `<meta charset>`) pick the legacy encoding up front.
 */
export function decodeText(bytes: Buffer, parser: string, fallback?: 'windows-1252'): DecodedText {
  let text: string;
  let warning: string | undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  } else {
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    if (body.includes(0)) {
      throw parseError(
        parser,
        'unsupported',
        'looks like a binary file, not text (it contains NUL bytes); check the file extension or exclude the file',
      );
    }
    if (fallback && body === bytes) {
      text = decodeWindows1252(body);
    } else if (isUtf8(body)) {
      // isUtf8 + toString is several times faster than a fatal TextDecoder on multi-megabyte corpora.
      text = body.toString('utf8');
    } else {
      text = decodeWindows1252(body);
      warning =
        'not valid UTF-8; read as Windows-1252 (Latin-1) instead. The file is indexed, but if accented ' +
        'characters look wrong, re-save it as UTF-8.';
    }
  }
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return warning ? { text, warning } : { text };
}

/** Every parser's first check after decoding: whitespace-only files are an error, not an empty document. */
export function assertHasText(text: string, parser: string): void {
  if (!/\S/.test(text)) throw parseError(parser, 'empty', 'no text content: the file is empty or holds only whitespace');
}
