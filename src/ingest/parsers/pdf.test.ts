// The PDF parser against real files written to a temp dir: text layers, a scanned page read by the real
// OCR engine, and the ways a PDF can fail (truncated, not a PDF, password-protected, scanned with OCR off).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCanvas } from '@napi-rs/canvas';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { StrataError } from '../../core/errors.js';
import pdfParser, { joinLines, pageList } from './pdf.js';
import type { ParseContext } from './types.js';

const ctx = (ocr = true): ParseContext => ({ path: 'docs/file.pdf', mediaType: 'application/pdf', ocr: { enabled: ocr } });

let dir: string;
const files: Record<string, string> = {};
const read = (name: string) => readFile(files[name]!);

/** Three pages of text: a 24 pt heading, two paragraphs (one hyphenated across lines), pages 2 and 3. */
async function textPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle('Annual Report 2024');
  doc.setAuthor('Jane Doe');
  doc.setCreationDate(new Date('2024-03-01T10:00:00Z'));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const lines = (page: ReturnType<typeof doc.addPage>, y: number, size: number, texts: string[]) =>
    texts.forEach((text, i) => page.drawText(text, { x: 72, y: y - i * size * 1.2, size, font }));
  const p1 = doc.addPage([612, 792]);
  lines(p1, 720, 24, ['Introduction']);
  lines(p1, 680, 12, ['Strata indexes documents so that people can find', 'the right infor-', 'mation quickly.']);
  lines(p1, 620, 12, ['A second paragraph starts after a blank line.']);
  lines(doc.addPage([612, 792]), 720, 12, ['Page two talks about retrieval.']);
  lines(doc.addPage([612, 792]), 720, 12, ['Closing remarks on page three.']);
  return doc.save();
}

/** A page that is only a picture of text, like a scanner makes: 40 px words, no text layer. */
async function scannedPage(doc: PDFDocument, lines: string[]): Promise<void> {
  const canvas = createCanvas(1200, 400);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, 1200, 400);
  g.fillStyle = '#000';
  g.font = '40px sans-serif';
  lines.forEach((line, i) => g.fillText(line, 60, 110 + i * 70));
  const png = await doc.embedPng(await canvas.encode('png'));
  // Half-size page: rendered at 2x for OCR, the image comes back at its own resolution.
  doc.addPage([600, 200]).drawImage(png, { x: 0, y: 0, width: 600, height: 200 });
}

async function mixedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([600, 200]).drawText('Cover page with a text layer.', { x: 40, y: 150, size: 14, font });
  await scannedPage(doc, ['Quarterly revenue grew', 'Margins held steady']);
  return doc.save();
}

async function scanOnlyPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  await scannedPage(doc, ['Nothing here is text']);
  return doc.save();
}

// --- A hand-written PDF with the Standard security handler (V1/R2, 40-bit RC4): pdf-lib cannot encrypt. ---
const PAD = Buffer.from('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A', 'hex');
const padded = (pw: string) => Buffer.concat([Buffer.from(pw, 'latin1'), PAD]).subarray(0, 32);
const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}
/** PDF 1.7 spec algorithms 3.2–3.4: O and U entries for a user password (P = -44 allows printing only). */
function encryptedPdf(userPassword: string, ownerPassword: string): Buffer {
  const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const p = Buffer.alloc(4);
  p.writeInt32LE(-44);
  const o = rc4(md5(padded(ownerPassword)).subarray(0, 5), padded(userPassword));
  const u = rc4(md5(padded(userPassword), o, p, id).subarray(0, 5), PAD);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P -44 >>`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) pdf += `${String(at).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] >>\n`;
  return Buffer.from(`${pdf}startxref\n${xref}\n%%EOF\n`, 'latin1');
}

/** Asserts `fn` rejects with a PDF parse error of `kind`, and returns it for further checks. */
async function parseFailure(bytes: Buffer, kind: string, context = ctx()): Promise<StrataError> {
  const err = await pdfParser()
    .parse(bytes, context)
    .then(
      () => assert.fail(`expected a '${kind}' parse error`),
      (e: unknown) => e,
    );
  assert.ok(err instanceof StrataError, `not a StrataError: ${String(err)}`);
  assert.equal(err.component, 'parser:pdf');
  assert.equal(err.code, 'parse');
  assert.equal(err.details.kind, kind, err.message);
  return err;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-pdf-test-'));
  const text = await textPdf();
  const made: Record<string, Uint8Array> = {
    'text.pdf': text,
    'truncated.pdf': text.subarray(0, Math.floor(text.length / 2)),
    'random.pdf': randomBytes(4096),
    'encrypted.pdf': encryptedPdf('secret', 'owner-secret'),
    'mixed.pdf': await mixedPdf(),
    'scan-only.pdf': await scanOnlyPdf(),
  };
  for (const [name, bytes] of Object.entries(made)) {
    files[name] = join(dir, name);
    await writeFile(files[name], bytes);
  }
});
after(() => rm(dir, { recursive: true, force: true }));

describe('pdf parser: text layer', () => {
  it('reads metadata, page numbers, headings and paragraphs', async () => {
    const { documents, warnings } = await pdfParser().parse(await read('text.pdf'), ctx());
    assert.equal(documents.length, 1);
    const [doc] = documents;
    assert.equal(doc!.metadata.title, 'Annual Report 2024');
    assert.equal(doc!.metadata.author, 'Jane Doe');
    assert.equal(doc!.metadata.pageCount, 3);
    assert.equal(doc!.metadata.createdAt, '2024-03-01T10:00:00.000Z');
    assert.equal(warnings, undefined);
    assert.deepEqual(doc!.blocks, [
      { kind: 'heading', level: 1, text: 'Introduction', page: 1 },
      { kind: 'paragraph', text: 'Strata indexes documents so that people can find the right information quickly.', page: 1 },
      { kind: 'paragraph', text: 'A second paragraph starts after a blank line.', page: 1 },
      { kind: 'paragraph', text: 'Page two talks about retrieval.', page: 2 },
      { kind: 'paragraph', text: 'Closing remarks on page three.', page: 3 },
    ]);
  });

  it('prints nothing while reading damaged files (pdf.js verbosity is errors only)', async () => {
    const said: unknown[] = [];
    const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
    console.log = console.warn = console.error = console.info = (...args: unknown[]) => said.push(args);
    try {
      for (const name of ['truncated.pdf', 'random.pdf', 'encrypted.pdf']) {
        await pdfParser().parse(await read(name), ctx()).catch(() => undefined);
      }
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(said, []);
  });
});

describe('pdf parser: failures', () => {
  it('reports a truncated file as corrupt, with pdf.js reason', async () => {
    const err = await parseFailure(await read('truncated.pdf'), 'corrupt');
    assert.match(err.message, /pdf\.js: .+\)/);
  });

  it('reports random bytes as corrupt', async () => {
    await parseFailure(await read('random.pdf'), 'corrupt');
  });

  it('stops on abort with the caller\'s reason instead of calling the file corrupt', async () => {
    const controller = new AbortController();
    const reason = new Error('sync cancelled');
    controller.abort(reason);
    await assert.rejects(pdfParser().parse(await read('text.pdf'), { ...ctx(), signal: controller.signal }), (e) => e === reason);
  });

  it('reports an empty file as empty', async () => {
    await parseFailure(Buffer.alloc(0), 'empty');
  });

  it('reports a password-protected file as encrypted', async () => {
    const bytes = await read('encrypted.pdf');
    // The fixture is a real encrypted PDF: pdf.js asks for a password, and opens it with the right one.
    const { getDocumentProxy } = await import('unpdf');
    await assert.rejects(getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 }), { name: 'PasswordException' });
    const unlocked = await getDocumentProxy(new Uint8Array(bytes), { password: 'secret', verbosity: 0 });
    assert.equal(unlocked.numPages, 1);
    await unlocked.destroy();

    const err = await parseFailure(bytes, 'encrypted');
    assert.match(err.message, /password-protected PDF: remove the password or export an unprotected copy/);
  });

  it('refuses a scanned-only file with OCR disabled, naming the pages and the fix', async () => {
    const err = await parseFailure(await read('scan-only.pdf'), 'no-text', ctx(false));
    assert.match(err.message, /page 1 has no text layer/);
    assert.match(err.message, /enable OCR/);
  });

  it('keeps text pages and names the page when the OCR engine fails', async () => {
    const broken = { recognize: () => Promise.reject(new StrataError('ocr', 'unavailable', 'engine missing')) };
    const { documents, warnings } = await pdfParser({ ocr: broken }).parse(await read('mixed.pdf'), ctx());
    assert.deepEqual(
      documents[0]!.blocks.map((b) => [b.page, b.text]),
      [[1, 'Cover page with a text layer.']],
    );
    assert.deepEqual(warnings, ['page 2 not indexed: [strata] [ocr] engine missing']);

    const err = await pdfParser({ ocr: broken })
      .parse(await read('scan-only.pdf'), ctx())
      .catch((e: unknown) => e);
    assert.ok(err instanceof StrataError);
    assert.equal(err.details.kind, 'no-text');
    assert.match(err.message, /page 1 has no text layer and OCR produced nothing .*engine missing.*check that the OCR engine works/);
  });
});

describe('pdf parser: scanned pages', () => {
  it('OCRs a page without a text layer and says so', async () => {
    const started = performance.now();
    const { documents, warnings } = await pdfParser().parse(await read('mixed.pdf'), ctx());
    const ms = Math.round(performance.now() - started);
    const blocks = documents[0]!.blocks;
    assert.deepEqual(blocks[0], { kind: 'paragraph', text: 'Cover page with a text layer.', page: 1 });
    const scanned = blocks.filter((b) => b.page === 2).map((b) => b.text).join('\n');
    assert.match(scanned, /Quarterly revenue grew/);
    assert.match(scanned, /Margins held steady/);
    assert.ok(scanned.indexOf('Quarterly') < scanned.indexOf('Margins'), 'lines out of order');
    assert.deepEqual(warnings, ['page 2 read by OCR (no text layer); expect some recognition errors']);
    console.log(`# OCR of one page (incl. engine load on first use): ${ms} ms`);
  });
});

describe('pdf helpers', () => {
  it('joins hyphenated line breaks only between lower-case word parts', () => {
    assert.equal(joinLines(['infor-', 'mation']), 'information');
    assert.equal(joinLines(['the year 2023-', '2024 saw']), 'the year 2023- 2024 saw');
    assert.equal(joinLines(['one', '', 'two']), 'one two');
  });
  it('lists pages compactly', () => {
    assert.equal(pageList([3]), 'page 3');
    assert.equal(pageList([1, 2, 3, 7, 9, 10]), 'pages 1-3, 7, 9-10');
  });
});
