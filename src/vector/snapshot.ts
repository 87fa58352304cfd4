// On-disk snapshot of an ANN index: `<file>` holds a header (JSON) and the labels and normalised vectors;
// the HNSW graph sits beside it in `<file>.<token>.graph`, named by the header with its sha256. Both are
// checked before hnswlib ever reads the graph (a truncated graph file can crash native code), and `<file>`
// is replaced last by rename, so a crash at any point leaves either the previous snapshot or the new one.
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StrataError } from '../core/errors.js';
import { type Graph, readGraph } from './hnsw.js';

const C = 'vector';
const MAGIC = Buffer.from('STRATANN', 'latin1');
const FORMAT = 1;

interface Header {
  format: number;
  dimensions: number;
  count: number;
  maxLabel: number;
  params: Record<string, number>;
  bodySha256: string;
  graph: { file: string; bytes: number; sha256: string } | null;
  savedAt: string;
  meta: Record<string, unknown>;
}

export interface SnapshotInput {
  dimensions: number;
  labels: Uint32Array;
  matrix: Float32Array;
  params: Record<string, number>;
  /** Writes the graph to a path; called synchronously before anything else, so it matches labels/matrix. */
  writeGraph: ((path: string) => void) | null;
  meta: Record<string, unknown>;
}

const bytesOf = (a: Uint32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeSnapshot(file: string, input: SnapshotInput): Promise<void> {
  const dir = dirname(file);
  const base = basename(file);
  const token = randomBytes(6).toString('hex');
  const graphName = `${base}.${token}.graph`;
  const graphPath = join(dir, graphName);
  const tmp = join(dir, `${base}.${token}.tmp`);
  const written: string[] = [];
  try {
    await mkdir(dir, { recursive: true }).catch(() => undefined);
    if (input.writeGraph) {
      written.push(graphPath);
      input.writeGraph(graphPath);
    }
    const body = Buffer.concat([bytesOf(input.labels), bytesOf(input.matrix)]);
    let maxLabel = -1;
    for (const l of input.labels) if (l > maxLabel) maxLabel = l;
    const header: Header = {
      format: FORMAT,
      dimensions: input.dimensions,
      count: input.labels.length,
      maxLabel,
      params: input.params,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      graph: input.writeGraph ? { file: graphName, bytes: (await stat(graphPath)).size, sha256: await sha256File(graphPath) } : null,
      savedAt: new Date().toISOString(),
      meta: input.meta,
    };
    if (input.writeGraph) await fsyncPath(graphPath);
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const prefix = Buffer.alloc(16);
    MAGIC.copy(prefix, 0);
    prefix.writeUInt32LE(FORMAT, 8);
    prefix.writeUInt32LE(json.length, 12);
    written.push(tmp);
    const fh = await open(tmp, 'w');
    try {
      await fh.writev([prefix, json, body]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    written.pop();
    await fsyncPath(dir).catch(() => undefined); // directory fsync is not supported everywhere
  } catch (cause) {
    await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
    throw new StrataError(C, 'unavailable', `cannot write the ANN snapshot ${file}: ${(cause as Error).message}`, {
      cause,
      hint: 'check free space and permissions of the data directory; the index keeps serving from memory',
    });
  }
  // Graph files of earlier snapshots (and of saves that crashed before their rename) are now unreferenced.
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${base}.`) && n.endsWith('.graph') && n !== graphName);
  await Promise.all(stale.map((n) => unlink(join(dir, n)).catch(() => undefined)));
}

/** Deletes a snapshot and its graph files (e.g. when its index version is retired). */
export async function removeSnapshot(file: string): Promise<void> {
  const dir = dirname(file);
  const base = basename(file);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n === base || (n.startsWith(`${base}.`) && (n.endsWith('.graph') || n.endsWith('.tmp'))));
  await Promise.all(names.map((n) => unlink(join(dir, n)).catch(() => undefined)));
}

export interface Snapshot {
  labels: Uint32Array;
  matrix: Float32Array;
  meta: Record<string, unknown>;
  /** Null when the snapshot was taken before the index had a graph (exact-only). */
  readGraph: ((live: (label: number) => boolean) => Graph) | null;
}

export async function readSnapshot(file: string, dimensions: number): Promise<Snapshot> {
  const corrupt = (why: string, cause?: unknown) =>
    new StrataError(C, 'integrity', `ANN snapshot ${file} is unusable: ${why}`, { cause, hint: 'it is rebuilt from the store' });
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError(C, 'not-found', `no ANN snapshot at ${file}`);
    throw corrupt((cause as Error).message, cause);
  }
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw corrupt('not a Strata ANN snapshot');
  if (buf.readUInt32LE(8) !== FORMAT) throw corrupt(`format ${buf.readUInt32LE(8)} is not ${FORMAT}`);
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.length) throw corrupt('truncated header');
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 16, 16 + headerLength)) as Header;
  } catch (cause) {
    throw corrupt('unreadable header', cause);
  }
  if (h.dimensions !== dimensions) {
    throw new StrataError(C, 'invalid-input', `ANN snapshot ${file} has ${h.dimensions} dimensions, the index version has ${dimensions}`, {
      details: { snapshot: h.dimensions, expected: dimensions },
      hint: 'it belongs to another embedder; it is rebuilt from the store',
    });
  }
  const body = buf.subarray(16 + headerLength);
  if (!Number.isSafeInteger(h.count) || h.count < 0 || body.length !== h.count * 4 * (1 + dimensions)) throw corrupt('truncated or padded body');
  if (createHash('sha256').update(body).digest('hex') !== h.bodySha256) throw corrupt('vector checksum mismatch');
  // Copies: the file buffer need not be 4-byte aligned for typed-array views.
  const labels = new Uint32Array(h.count);
  bytesOf(labels).set(body.subarray(0, h.count * 4));
  const matrix = new Float32Array(h.count * dimensions);
  bytesOf(matrix).set(body.subarray(h.count * 4));

  let loadGraph: Snapshot['readGraph'] = null;
  if (h.graph) {
    const g = h.graph;
    if (basename(g.file) !== g.file || !g.file.startsWith(`${basename(file)}.`)) throw corrupt('graph file name is not its own');
    const graphPath = join(dirname(file), g.file);
    const size = await stat(graphPath).then((s) => s.size, () => -1);
    if (size !== g.bytes) throw corrupt(size < 0 ? `graph file ${g.file} is missing` : `graph file ${g.file} has ${size} bytes, expected ${g.bytes}`);
    if ((await sha256File(graphPath)) !== g.sha256) throw corrupt(`graph file ${g.file} checksum mismatch`);
    loadGraph = (live) => {
      try {
        return readGraph(graphPath, dimensions, live);
      } catch (cause) {
        if (cause instanceof StrataError) throw cause;
        throw corrupt(`hnswlib cannot read ${g.file}: ${(cause as Error).message}`, cause);
      }
    };
  }
  return { labels, matrix, meta: h.meta ?? {}, readGraph: loadGraph };
}
