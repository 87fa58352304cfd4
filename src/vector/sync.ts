// Catching an ANN index up with the store (the source of truth) without rebuilding it: labels the store
// no longer has are removed, labels it has and the index lacks are added. The store's vectors are read only
// from the smallest missing seq on, so adding 1,000 chunks to a 100k-chunk collection reads ~1,000 vectors.
// `openAnnIndex` adds the snapshot lifecycle: load it if it is sound, else start empty, then catch up.
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isStrataError } from '../core/errors.js';
import { type AnnIndex, type AnnIndexOptions, createAnnIndex, loadAnnIndex } from './ann.js';

export interface AnnSource {
  /** Seqs that have a vector in the store now (`VectorStore.vectorSeqs`), any order. */
  liveSeqs: Int32Array | readonly number[];
  /** Vectors with seq > afterSeq in seq order (`VectorStore.iterateVectors(versionId, afterSeq)`). */
  vectors: (afterSeq: number) => AsyncIterable<{ seq: number; vector: Float32Array }>;
}

export interface SyncResult {
  added: number;
  removed: number;
  /** Vectors read from the source (≥ added: the scan starts at the smallest missing seq). */
  scanned: number;
}

export interface SyncOptions {
  /** Yield to the event loop every this many additions, so a server keeps answering during a rebuild. Default 500. */
  yieldEvery?: number;
  /** Stops the catch-up between additions (the index stays consistent, just behind). */
  signal?: AbortSignal;
}

/**
 * Makes `index` hold exactly the labels in `source.liveSeqs`. Vectors are never compared: a seq names one
 * chunk text for its whole life (the store never reuses seqs), so a present label is an up-to-date one.
 */
export async function syncAnnIndex(index: AnnIndex, source: AnnSource, options: SyncOptions = {}): Promise<SyncResult> {
  const yieldEvery = options.yieldEvery ?? 500;
  const live = new Set<number>(source.liveSeqs);
  let removed = 0;
  for (const label of index.labels()) {
    if (!live.has(label) && index.remove(label)) removed++;
  }
  let from = Number.POSITIVE_INFINITY;
  let missing = 0;
  for (const seq of live) {
    if (!index.has(seq)) {
      missing++;
      if (seq < from) from = seq;
    }
  }
  let added = 0;
  let scanned = 0;
  if (missing > 0) {
    for await (const v of source.vectors(from - 1)) {
      scanned++;
      // Vectors written after liveSeqs was read are live too; adding them now saves the next catch-up.
      if (index.has(v.seq)) continue;
      index.add(v.seq, v.vector);
      added++;
      if (added % yieldEvery === 0) {
        options.signal?.throwIfAborted();
        await yieldToEventLoop();
      }
    }
  }
  return { added, removed, scanned };
}

/** Where a version's snapshot lives: `<dataDir>/vectors/<versionId>.ann` (graph files beside it). */
export function annSnapshotPath(dataDir: string, versionId: number): string {
  return join(dataDir, 'vectors', `${versionId}.ann`);
}

export interface OpenedAnnIndex extends SyncResult {
  index: AnnIndex;
  /** 'snapshot' when a sound snapshot was loaded and caught up; 'rebuilt' when it started from empty. */
  from: 'snapshot' | 'rebuilt';
  /** Why the snapshot was not used (missing, corrupt, other dimensions), for logs and `strata status`. */
  reason: string | null;
  meta: Record<string, unknown>;
}

/**
 * Loads the snapshot at `file` (if sound and of the right dimensions) and catches it up with the source; a
 * missing or unusable snapshot is replaced by a rebuild from the source. Saving is the caller's choice
 * (`index.save(file)`), e.g. after a catch-up that added or removed many labels.
 */
export async function openAnnIndex(file: string, options: AnnIndexOptions, source: AnnSource, sync: SyncOptions = {}): Promise<OpenedAnnIndex> {
  let index: AnnIndex;
  let meta: Record<string, unknown> = {};
  let reason: string | null = null;
  try {
    ({ index, meta } = await loadAnnIndex(file, options));
  } catch (e) {
    if (!isStrataError(e) || (e.code !== 'not-found' && e.code !== 'integrity' && e.code !== 'invalid-input')) throw e;
    reason = e.message;
    index = createAnnIndex(options);
  }
  const result = await syncAnnIndex(index, source, sync);
  return { index, from: reason === null ? 'snapshot' : 'rebuilt', reason, meta, ...result };
}

export { removeSnapshot as removeAnnSnapshot } from './snapshot.js';
