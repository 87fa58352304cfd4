// HTML pages (.html, .htm): decoded with the page's declared legacy charset if any, then read into blocks
// by `htmlToBlocks`, which drops scripts, styles and page chrome.
import { parseError } from '../../core/errors.js';
import { assertHasText, decodeText } from './decode.js';
import { fileTitle } from './text.js';
import type { Parser } from './types.js';

/** Labels that all mean Windows-1252 to a browser (WHATWG Encoding), the one legacy charset we honour. */
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1', 'us-ascii', 'ascii']);

/** The charset a page declares in its first 1 KiB (`<meta charset>` or the http-equiv form), lower-cased. */
export function declaredCharset(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 1024).toString('latin1');
  return /<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1]?.toLowerCase();
}

export default function htmlParser(): Parser {
  return {
    name: 'html',
    extensions: ['.html', '.htm'],
    mediaType: 'text/html',
    async parse(bytes, ctx) {
      const charset = declaredCharset(bytes);
      const { text, warning } = decodeText(bytes, 'html', charset && WINDOWS_1252.has(charset) ? 'windows-1252' : undefined);
      assertHasText(text, 'html');
      // html-blocks pulls in linkedom, so it is loaded on first use rather than with the parser registry.
      const { htmlToBlocks } = await import('./html-blocks.js');
      let content;
      try {
        content = htmlToBlocks(text);
      } catch (err) {
        throw parseError('html', 'corrupt', `could not read the HTML markup: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      if (!content.blocks.length) {
        throw parseError('html', 'no-text', 'no readable text: the page holds only markup, scripts or navigation');
      }
      const { blocks, title, author } = content;
      return {
        documents: [{ metadata: { title: title ?? fileTitle(ctx.path), ...(author ? { author } : {}) }, blocks }],
        ...(warning ? { warnings: [warning] } : {}),
      };
    },
  };
}
