import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../../core/errors.js';
import emlParser from './eml.js';
import type { ParseContext } from './types.js';

const ctx: ParseContext = { path: 'mail/2024/offsite.eml', mediaType: 'message/rfc822', ocr: { enabled: false } };
const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const PLAIN = crlf([
  'From: "Alice Example" <alice@example.com>',
  'To: Bob Builder <bob@example.com>, dana@example.com',
  'Cc: Carol <carol@example.com>',
  'Subject: =?UTF-8?Q?Offsite_agenda_=E2=80=93_r=C3=A9sum=C3=A9?=',
  'Date: Tue, 5 Mar 2024 10:15:00 +0100',
  'Message-ID: <offsite-42@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hi all,',
  '',
  'The offsite starts at 9:00 in',
  'the north wing.',
  '',
  'Alice',
]);

const HTML_ONLY = crlf([
  'From: news@example.com',
  'To: team@example.com',
  'Subject: Weekly digest',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><h1>Digest</h1><p>Three things shipped.</p><ul><li>Search</li><li>Export</li></ul>',
  '<table><tr><th>Team</th><th>Items</th></tr><tr><td>Core</td><td>2</td></tr></table></body></html>',
  '--b1--',
  '',
]);

const WITH_ATTACHMENT = crlf([
  'From: Finance <finance@example.com>',
  'To: all@example.com',
  'Subject: Q1 report',
  'Date: Mon, 1 Apr 2024 08:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mix"',
  '',
  '--mix',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The Q1 report is attached.',
  '--mix',
  'Content-Type: application/pdf; name="q1-report.pdf"',
  'Content-Disposition: attachment; filename="q1-report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.alloc(3000, 7).toString('base64'),
  '--mix--',
  '',
]);

async function failureKind(bytes: Buffer): Promise<string> {
  try {
    await emlParser().parse(bytes, ctx);
  } catch (err) {
    assert.ok(isStrataError(err), `expected a StrataError, got ${String(err)}`);
    assert.match(err.message, /^\[strata\] \[parser:eml\] /);
    return String(err.details.kind);
  }
  assert.fail('parse should have failed');
}

test('a plain message: headers as metadata and a summary block, body as paragraphs', async () => {
  const { documents, warnings } = await emlParser().parse(PLAIN, ctx);
  assert.equal(warnings, undefined);
  const { metadata, blocks } = documents[0]!;
  assert.deepEqual(metadata, {
    title: 'Offsite agenda – résumé',
    author: 'Alice Example <alice@example.com>',
    to: 'Bob Builder <bob@example.com>, dana@example.com',
    cc: 'Carol <carol@example.com>',
    date: '2024-03-05T09:15:00.000Z',
    messageId: '<offsite-42@example.com>',
  });
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.text]),
    [
      [
        'paragraph',
        'From: Alice Example <alice@example.com>\nTo: Bob Builder <bob@example.com>, dana@example.com\n' +
          'Cc: Carol <carol@example.com>\nDate: 2024-03-05T09:15:00.000Z\nSubject: Offsite agenda – résumé',
      ],
      ['paragraph', 'Hi all,'],
      ['paragraph', 'The offsite starts at 9:00 in\nthe north wing.'],
      ['paragraph', 'Alice'],
    ],
  );
});

test('an HTML-only message keeps its structure through htmlToBlocks', async () => {
  const { documents } = await emlParser().parse(HTML_ONLY, ctx);
  const { metadata, blocks } = documents[0]!;
  assert.equal(metadata.title, 'Weekly digest');
  assert.equal(metadata.author, 'news@example.com');
  assert.match(blocks[0]!.text, /^From: news@example\.com\nTo: team@example\.com\nSubject: Weekly digest$/);
  assert.deepEqual(
    blocks.slice(1).map((b) => [b.kind, b.level, b.text]),
    [
      ['heading', 1, 'Digest'],
      ['paragraph', undefined, 'Three things shipped.'],
      ['list', undefined, '- Search\n- Export'],
      ['table', undefined, '| Team | Items |\n| Core | 2 |'],
    ],
  );
});

test('attachments are listed in metadata, the summary and a warning, not parsed', async () => {
  const { documents, warnings } = await emlParser().parse(WITH_ATTACHMENT, ctx);
  const { metadata, blocks } = documents[0]!;
  assert.deepEqual(metadata.attachments, [{ name: 'q1-report.pdf', size: 3000, contentType: 'application/pdf' }]);
  assert.match(blocks[0]!.text, /\nAttachments: q1-report\.pdf \(2\.9 KB\)$/);
  assert.deepEqual(blocks.slice(1).map((b) => b.text), ['The Q1 report is attached.']);
  assert.deepEqual(warnings, ['1 attachment(s) listed but not indexed: q1-report.pdf']);
});

test('a message without a subject is titled "(no subject)"', async () => {
  const { documents } = await emlParser().parse(crlf(['From: a@example.com', '', 'Body only.']), ctx);
  assert.equal(documents[0]!.metadata.title, '(no subject)');
  assert.match(documents[0]!.blocks[0]!.text, /Subject: \(no subject\)/);
});

test('an unreadable Date header is left out, not replaced by the time of parsing', async () => {
  // mailparser substitutes "now" for a Date it cannot read: the message would parse differently every run.
  const bytes = crlf(['From: a@example.com', 'Subject: Minutes', 'Date: Tue, 5 Mxr 2024 10:15:00 +0100', '', 'Body.']);
  const first = await emlParser().parse(bytes, ctx);
  assert.equal(first.documents[0]!.metadata.date, undefined);
  assert.doesNotMatch(first.documents[0]!.blocks[0]!.text, /Date:/);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(await emlParser().parse(bytes, ctx), first);
  // A folded Date header still counts.
  const folded = crlf(['From: a@example.com', 'Subject: Minutes', 'Date: Tue, 5 Mar 2024', ' 10:15:00 +0100', '', 'Body.']);
  assert.equal((await emlParser().parse(folded, ctx)).documents[0]!.metadata.date, '2024-03-05T09:15:00.000Z');
});

test('garbage and empty messages fail with a kind', async () => {
  assert.equal(await failureKind(Buffer.alloc(0)), 'empty');
  assert.equal(await failureKind(Buffer.from(' \r\n\r\n ')), 'empty');
  assert.equal(await failureKind(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), 'corrupt');
  assert.equal(await failureKind(Buffer.from('just some notes\nwithout any headers\n')), 'corrupt');
  // Headers but nothing to index: no subject, no body, no attachment.
  assert.equal(await failureKind(crlf(['From: a@example.com', 'To: b@example.com', '', ''])), 'empty');
});
