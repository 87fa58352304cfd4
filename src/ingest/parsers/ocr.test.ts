// The OCR wrapper without the model (pdf.test.ts runs the real engine on a scanned page):
// reading order, paragraph breaks, loading once, temp-file hygiene and the error when the engine is missing.
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import gutenOcr, { layoutLines, type OcrDetector } from './ocr.js';

/** A box as the engine reports it: [top-left, top-right, bottom-right, bottom-left] in pixels. */
const box = (left: number, top: number, width: number, height = 40) => [
  [left, top],
  [left + width, top],
  [left + width, top + height],
  [left, top + height],
];

describe('layoutLines', () => {
  it('orders rows top-to-bottom and boxes in a row left-to-right, whatever order they come in', () => {
    const text = layoutLines([
      { text: 'right', box: box(800, 102, 100) },
      { text: 'second row', box: box(60, 150, 300) },
      { text: 'first row', box: box(60, 100, 300) },
      { text: '  ', box: box(60, 400, 10) },
    ]);
    assert.equal(text, 'first row right\nsecond row');
  });

  it('puts a blank line where the gap between rows is taller than a row', () => {
    const text = layoutLines([
      { text: 'para one, line one', box: box(60, 100, 300) },
      { text: 'para one, line two', box: box(60, 150, 300) },
      { text: 'para two', box: box(60, 300, 300) },
    ]);
    assert.equal(text, 'para one, line one\npara one, line two\n\npara two');
  });

  it('returns an empty string for a page with no text', () => {
    assert.equal(layoutLines([]), '');
  });
});

describe('gutenOcr', () => {
  it('loads the engine once and hands it a PNG file that is removed afterwards', async () => {
    let loads = 0;
    const seen: string[] = [];
    const detector: OcrDetector = {
      async detect(path) {
        seen.push(path);
        assert.deepEqual(await readFile(path), Buffer.from('png bytes'));
        return [
          { text: 'world', mean: 0.9, box: box(200, 10, 100) },
          { text: 'hello', mean: 0.9, box: box(10, 12, 100) },
        ];
      },
    };
    const ocr = gutenOcr({ load: async () => (loads++, detector) });
    assert.equal(loads, 0, 'nothing is loaded before the first page');
    assert.equal(await ocr.recognize(Buffer.from('png bytes')), 'hello world');
    assert.equal(await ocr.recognize(Buffer.from('png bytes')), 'hello world');
    assert.equal(loads, 1);
    assert.equal(seen.length, 2);
    for (const path of seen) await assert.rejects(access(path), { code: 'ENOENT' });
  });

  it('reports an engine that cannot load as unavailable, naming the package and the fix', async () => {
    const ocr = gutenOcr({ load: () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object')) });
    const err = await ocr.recognize(Buffer.from('png')).catch((e: unknown) => e);
    assert.ok(err instanceof StrataError);
    assert.equal(err.component, 'ocr');
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /@gutenye\/ocr-node.*libonnxruntime\.so\.1/);
    assert.match(err.hint ?? '', /npm ci/);
    assert.ok(err.cause instanceof Error);
  });
});
