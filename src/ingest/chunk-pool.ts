// Chunking is the costliest step of ingestion (BPE token counting), so large runs spread it over worker
// threads while the main thread parses, analyzes and writes. Small runs never start a worker: below
// `threshold` documents the work is done inline, where a worker's start-up (~0.3 s) would cost more.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StrataError } from '../core/errors.js';
import type { ChunkingSettings } from '../core/types.js';
import { chunkBlocks, type ChunkDraft } from './chunker.js';
import type { Block } from './parsers/types.js';
import type { TokenCounter } from './tokenizer.js';

export interface ChunkPool {
  /** Chunks a group of documents (in order). */
  chunk(docs: Block[][]): Promise<ChunkDraft[][]>;
  close(): Promise<void>;
}

export interface ChunkPoolOptions {
  settings: ChunkingSettings;
  counter: TokenCounter;
  /** Worker threads to use; 0 chunks everything inline. */
  workers?: number;
  /** Documents chunked inline before workers are started. */
  threshold?: number;
}

// Under tsx (tests) this module is a .ts file and so is its worker; the worker inherits the --import flag.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './chunk-worker.ts' : './chunk-worker.js', import.meta.url);

export function createChunkPool(opts: ChunkPoolOptions): ChunkPool {
  const size = opts.workers ?? Math.min(2, availableParallelism());
  const threshold = opts.threshold ?? 256;
  let seen = 0;
  let workers: Worker[] = [];
  let next = 0;
  let ids = 0;
  const pending = new Map<number, { resolve: (d: ChunkDraft[][]) => void; reject: (e: Error) => void; worker: Worker }>();
  let broken: Error | null = null;

  const inline = (docs: Block[][]) => docs.map((blocks) => chunkBlocks(blocks, opts.settings, opts.counter));

  const start = () => {
    workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_URL, { workerData: { settings: opts.settings } });
      w.on('message', (m: { id: number; drafts?: ChunkDraft[][]; error?: string }) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(new StrataError('chunker', 'internal', m.error));
        else p.resolve(m.drafts!);
      });
      w.on('error', (e) => fail(w, e));
      w.on('exit', (code) => code !== 0 && fail(w, new Error(`chunking worker exited with code ${code}`)));
      return w;
    });
  };
  // A dead worker must not lose documents: its pending groups are re-done inline by the caller's retry.
  const fail = (w: Worker, e: Error) => {
    broken = e;
    for (const [id, p] of pending) {
      if (p.worker === w) {
        pending.delete(id);
        p.reject(e);
      }
    }
  };

  return {
    async chunk(docs) {
      seen += docs.length;
      if (size === 0 || broken || seen <= threshold) return inline(docs);
      if (workers.length === 0) start();
      const worker = workers[next++ % workers.length]!;
      const id = ++ids;
      try {
        return await new Promise<ChunkDraft[][]>((resolve, reject) => {
          pending.set(id, { resolve, reject, worker });
          worker.postMessage({ id, docs });
        });
      } catch (e) {
        if (broken) return inline(docs);
        throw e;
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers = [];
    },
  };
}
