// The HNSW graph, on hnswlib-node (native; loaded on first use so a missing build gives a named error).
// Inner-product space over L2-normalised vectors, i.e. cosine. Removals are `markDelete` tombstones that
// later additions reuse (`allowReplaceDeleted`), so the graph never grows beyond the peak live size.
import { createRequire } from 'node:module';
import { StrataError } from '../core/errors.js';
import type { AnnHit } from './flat.js';

const C = 'vector';

type Hnswlib = typeof import('hnswlib-node');
type Native = InstanceType<Hnswlib['HierarchicalNSW']>;

let lib: Hnswlib | undefined;
function hnswlib(): Hnswlib {
  if (!lib) {
    try {
      lib = createRequire(import.meta.url)('hnswlib-node') as Hnswlib;
    } catch (cause) {
      throw new StrataError(C, 'unavailable', 'the hnswlib-node native module could not be loaded', {
        cause,
        hint: 'run `npm ci` again (hnswlib-node compiles with python3, make and g++); collections below the exact-search threshold work without it',
      });
    }
  }
  return lib;
}

export interface GraphParams {
  /** Links per node (hnswlib M). */
  m: number;
  efConstruction: number;
  seed: number;
}

export interface Graph {
  /** Slots in use, live or tombstoned. */
  readonly slots: number;
  readonly tombstones: number;
  /** Inserts, or replaces the vector of a live label (`isLive`), or revives a tombstoned one. */
  add(label: number, unit: Float32Array, isLive: boolean): void;
  remove(label: number): void;
  search(query: Float32Array, k: number, ef: number, accept?: (label: number) => boolean): AnnHit[];
  labels(): number[];
  writeSync(file: string): void;
}

function wrap(native: Native, live: (label: number) => boolean): Graph {
  // Labels that may still sit in the graph as tombstones. hnswlib's replace-deleted insert takes *any*
  // tombstone and does not check whether the new label is itself a tombstone (it would then map one label
  // to two slots), so a returning label is revived in place instead: unmarkDelete, then update.
  let tombs = new Set(native.getIdsList().filter((l) => !live(l)));
  let deleted = tombs.size;
  const ensureRoom = () => {
    // A tombstone is reused before the graph grows; growth is geometric so inserts stay amortised O(1).
    if (deleted === 0 && native.getCurrentCount() >= native.getMaxElements()) {
      native.resizeIndex(Math.max(1024, Math.ceil(native.getMaxElements() * 1.5)));
    }
  };
  const revive = (label: number): boolean => {
    if (!tombs.delete(label)) return false;
    try {
      native.unmarkDelete(label);
    } catch {
      return false; // its slot was already reused by another label
    }
    deleted--;
    return true;
  };
  return {
    get slots() {
      return native.getCurrentCount();
    },
    get tombstones() {
      return deleted;
    },
    add(label, unit, isLive) {
      const point = Array.from(unit);
      if (isLive || revive(label)) {
        native.addPoint(point, label, false); // present and not deleted: hnswlib updates the vector
        return;
      }
      ensureRoom();
      const reuse = deleted > 0;
      native.addPoint(point, label, reuse);
      if (reuse) deleted--;
      // Stale entries (labels whose slot was reused) are harmless but would grow without bound.
      if (tombs.size > 2 * deleted + 4096) tombs = new Set(native.getIdsList().filter((l) => !live(l) && l !== label));
    },
    remove(label) {
      native.markDelete(label);
      tombs.add(label);
      deleted++;
    },
    search(query, k, ef, accept) {
      native.setEf(Math.max(ef, k));
      const { neighbors, distances } = native.searchKnn(Array.from(query), k, accept);
      // hnswlib's inner-product distance is 1 − dot.
      return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
    },
    labels: () => native.getIdsList(),
    writeSync(file) {
      native.writeIndexSync(file);
    },
  };
}

/** `live` tells which labels the owner holds as live (the others in the graph are tombstones). */
export function createGraph(dimensions: number, capacity: number, params: GraphParams, live: (label: number) => boolean): Graph {
  const native = new (hnswlib().HierarchicalNSW)('ip', dimensions);
  native.initIndex({ maxElements: Math.max(1024, capacity), m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed, allowReplaceDeleted: true });
  return wrap(native, live);
}

/** Reads a graph written by `writeSync`. */
export function readGraph(file: string, dimensions: number, live: (label: number) => boolean): Graph {
  const native = new (hnswlib().HierarchicalNSW)('ip', dimensions);
  native.readIndexSync(file, true);
  return wrap(native, live);
}
