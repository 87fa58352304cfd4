// E-mail (.eml, message/rfc822): headers become metadata and a summary paragraph (so sender and subject are
// searchable), the body becomes paragraphs — or HTML blocks when there is no text part. Attachments are listed only.
import type { AddressObject, Attachment, EmailAddress, ParsedMail } from 'mailparser';
import { parseError } from '../../core/errors.js';
import { normalizeSpace } from '../../core/text.js';
import { paragraphs } from './text.js';
import type { Block, Parser } from './types.js';

const NAME = 'eml';
const NO_SUBJECT = '(no subject)';

export default function emlParser(): Parser {
  return {
    name: NAME,
    extensions: ['.eml'],
    mediaType: 'message/rfc822',
    async parse(bytes) {
      if (!bytes.some((b) => b > 0x20)) {
        throw parseError(NAME, 'empty', 'no text content: the file is empty or holds only whitespace');
      }
      const { simpleParser } = await import('mailparser');
      let mail: ParsedMail;
      try {
        mail = await simpleParser(bytes, {
          // The HTML part is read by htmlToBlocks only when there is no text part; these conversions
          // (HTML→text, text→HTML, cid: images → data: URLs, link detection) would be wasted work.
          skipHtmlToText: true,
          skipTextToHtml: true,
          skipImageLinks: true,
          skipTextLinks: true,
          keepCidLinks: true,
          checksumAlgo: false,
        });
      } catch (cause) {
        throw parseError(NAME, 'corrupt', `not a readable e-mail message (${cause instanceof Error ? cause.message : String(cause)})`, cause);
      }

      // mailparser accepts anything (random bytes become odd header names), so insist on a real header.
      const known = ['from', 'to', 'cc', 'subject', 'date', 'message-id'].filter((h) => mail.headers.has(h));
      if (known.length === 0) {
        throw parseError(
          NAME,
          'corrupt',
          'not an e-mail message: no From, To, Subject, Date or Message-ID header found; check the file extension',
        );
      }

      const subject = normalizeSpace(mail.subject ?? '');
      const from = addressList(mail.from);
      const to = addressList(mail.to);
      const cc = addressList(mail.cc);
      const date = statedDate(mail);
      // Images embedded in an HTML body (multipart/related) are part of the layout, not attachments.
      const attachments = mail.attachments.filter((a) => !a.related).map(attachmentInfo);

      const body = await bodyBlocks(mail);
      if (body.length === 0 && !subject && attachments.length === 0) {
        throw parseError(NAME, 'empty', 'no text content: the message has no subject, body text or attachments');
      }

      const summary = [
        from && `From: ${from}`,
        to && `To: ${to}`,
        cc && `Cc: ${cc}`,
        date && `Date: ${date}`,
        `Subject: ${subject || NO_SUBJECT}`,
        attachments.length > 0 && `Attachments: ${attachments.map((a) => `${a.name} (${sizeText(a.size)})`).join(', ')}`,
      ].filter(Boolean);
      const blocks: Block[] = [{ kind: 'paragraph', text: summary.join('\n') }, ...body];

      const warnings =
        attachments.length > 0
          ? [`${attachments.length} attachment(s) listed but not indexed: ${attachments.map((a) => a.name).join(', ')}`]
          : [];
      return {
        documents: [
          {
            metadata: {
              title: subject || NO_SUBJECT,
              ...(from ? { author: from } : {}),
              ...(to ? { to } : {}),
              ...(cc ? { cc } : {}),
              ...(date ? { date } : {}),
              ...(mail.messageId ? { messageId: mail.messageId } : {}),
              ...(attachments.length ? { attachments } : {}),
            },
            blocks,
          },
        ],
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}

/** Body as blocks: the text part split into paragraphs, else the HTML part's structure. */
async function bodyBlocks(mail: ParsedMail): Promise<Block[]> {
  const text = (mail.text ?? '').replace(/\r\n?/g, '\n');
  if (/\S/.test(text)) return paragraphs(text);
  if (typeof mail.html === 'string' && mail.html.trim()) {
    const { htmlToBlocks } = await import('./html-blocks.js');
    return htmlToBlocks(mail.html).blocks;
  }
  return [];
}

/**
 * The Date header as ISO 8601, or undefined. Read from the raw header because mailparser puts the current
 * time in place of a Date it cannot read, which would make the same file parse differently on every run.
 */
function statedDate(mail: ParsedMail): string | undefined {
  const line = mail.headerLines.find((h) => h.key === 'date')?.line ?? '';
  const date = new Date(line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim());
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `Name <address>` for each mailbox, group members flattened, comma separated. */
function addressList(header: AddressObject | AddressObject[] | undefined): string {
  if (!header) return '';
  const flat = (list: EmailAddress[]): EmailAddress[] => list.flatMap((a) => (a.group ? flat(a.group) : [a]));
  const all = (Array.isArray(header) ? header : [header]).flatMap((h) => flat(h.value));
  return all
    .map((a) => {
      const name = normalizeSpace(a.name ?? '');
      if (name && a.address) return `${name} <${a.address}>`;
      return name || a.address || '';
    })
    .filter(Boolean)
    .join(', ');
}

interface AttachmentInfo {
  name: string;
  size: number;
  contentType: string;
}

function attachmentInfo(a: Attachment, i: number): AttachmentInfo {
  return { name: a.filename || `attachment-${i + 1}`, size: a.size ?? a.content.length, contentType: a.contentType };
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
