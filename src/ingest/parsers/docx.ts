// Word (.docx): mammoth turns the document into semantic HTML (Heading 1–6 styles → h1–h6, lists, tables) and
// htmlToBlocks turns that into blocks, so structure is recovered the same way as for HTML; metadata from core.xml.
import { parseError } from '../../core/errors.js';
import { errorText, openPackage, readCoreProperties } from './ooxml.js';
import { fileTitle } from './text.js';
import type { Parser } from './types.js';

const NAME = 'docx';

/**
 * Added to mammoth's default map (which already maps Heading 1–6 by style id and by name). Word's "Title"
 * style is the document's visible title, so it should open the heading path rather than be body text.
 */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => p:fresh"];

export default function docxParser(): Parser {
  return {
    name: NAME,
    extensions: ['.docx', '.docm'],
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    async parse(bytes, ctx) {
      // Validate first: mammoth reports an encrypted or misnamed file as "Could not find main document part".
      const { zip } = await openPackage(NAME, 'docx', bytes);
      const core = await readCoreProperties(NAME, zip);
      const { default: mammoth } = await import('mammoth');
      let html: string;
      let errors: string[];
      try {
        const result = await mammoth.convertToHtml(
          { buffer: bytes },
          {
            styleMap: STYLE_MAP,
            // Images carry no text; skip mammoth's default of inlining each one as a base64 data: URI.
            convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
            // Never follow links to files outside the package (a document could point at /etc/passwd).
            externalFileAccess: false,
          },
        );
        // Footnotes end with a "↑" link back to their reference: navigation, not text.
        html = result.value.replace(/<a href="#(?:footnote|endnote)-ref-[^"]*">↑<\/a>/g, '');
        // mammoth's warnings are mostly unmapped style names; only its errors mean content was lost.
        errors = result.messages.filter((m) => m.type === 'error').map((m) => m.message);
      } catch (cause) {
        throw parseError(NAME, 'unreadable', `could not read the document (${errorText(cause)}); re-save it in Word and retry`, cause);
      }

      const { htmlToBlocks } = await import('./html-blocks.js');
      const { blocks } = htmlToBlocks(html);
      if (blocks.length === 0) {
        throw parseError(NAME, 'empty', 'no text content: the document holds no text (text inside pictures is not read)');
      }
      const firstHeading = blocks.find((b) => b.kind === 'heading')?.text;
      return {
        documents: [
          {
            metadata: {
              ...core,
              title: core.title ?? firstHeading ?? fileTitle(ctx.path),
            },
            blocks,
          },
        ],
        ...(errors.length ? { warnings: errors.map((e) => `part of the document could not be read: ${e}`) } : {}),
      };
    },
  };
}
