// Test doubles for semantic search: a deterministic embedder (bag of hashed words), a misbehaving one, and
// an in-memory VectorStore that follows the contract of store/vectors.ts (used where a real store would
// only slow a unit test down; the integration tests use the SQLite driver).
import { createHash } from 'node:crypto';
import { StrataError } from '../core/errors.js';
import type { Embedder, EmbedOptions } from '../models/types.js';
import type { IndexVersion, PendingChunk, StoredVector, VectorStore } from '../store/vectors.js';

/** Hashes each lower-cased word into one of `dims` buckets (signed), then L2-normalises: shared words → high cosine. */
export function hashVector(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const h = createHash('md5').update(w).digest();
    v[h.readUInt32LE(0) % dims]! += h[4]! & 1 ? 1 : -1;
  }
  let n = 0;
  for (const x of v) n += x * x;
  if (n === 0) v[0] = 1;
  else for (let i = 0; i < dims; i++) v[i]! /= Math.sqrt(n);
  return v;
}

export interface FakeEmbedder extends Embedder {
  calls: { texts: string[]; purpose: EmbedOptions['purpose'] }[];
  /** Replace the behaviour of the next calls (e.g. to return wrong dimensions). */
  misbehave?: (texts: readonly string[]) => Float32Array[];
  /** Throw on the call with this index (0-based), as a killed process or provider outage would. */
  failOnCall?: number;
}

export function fakeEmbedder(dims = 64, model = 'hash'): FakeEmbedder {
  const e: FakeEmbedder = {
    id: `fake:${model}@${dims}`,
    provider: 'fake',
    model,
    dimensions: dims,
    maxInputTokens: 512,
    maxBatch: 64,
    calls: [],
    async embed(texts, options) {
      const n = e.calls.push({ texts: [...texts], purpose: options?.purpose });
      if (e.failOnCall === n - 1) throw new StrataError('models', 'unavailable', 'fake provider outage');
      if (e.misbehave) return e.misbehave(texts);
      return texts.map((t) => hashVector(t, dims));
    },
  };
  return e;
}

export interface FakeChunk {
  seq: number;
  chunkId: string;
  documentId: string;
  collectionId: string;
  text: string;
}

/** The contract of store/vectors.ts over arrays; `chunks` is mutable so a test can "ingest" or delete meanwhile. */
export function memoryVectorStore(chunks: FakeChunk[]): VectorStore & { chunks: FakeChunk[]; cacheHits: number } {
  const versions = new Map<number, IndexVersion>();
  const vectors = new Map<number, Map<number, Float32Array>>();
  const cache = new Map<string, Float32Array>();
  let nextId = 1;
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const live = (collectionId: string) => chunks.filter((c) => c.collectionId === collectionId).sort((a, b) => a.seq - b.seq);
  const view = (v: IndexVersion): IndexVersion => {
    const all = live(v.collectionId);
    const have = vectors.get(v.id)!;
    return { ...v, totalChunks: all.length, embeddedChunks: all.filter((c) => have.has(c.seq)).length };
  };
  const get = (id: number) => {
    const v = versions.get(id);
    if (!v) throw new StrataError('store', 'not-found', `index version ${id} not found`);
    return v;
  };
  const s = {
    chunks,
    cacheHits: 0,
    async getEmbeddings(embedderId: string, hashes: readonly string[]) {
      const out = new Map<string, Float32Array>();
      for (const h of hashes) {
        const v = cache.get(`${embedderId}\0${h}`);
        if (v) {
          out.set(h, v);
          s.cacheHits++;
        }
      }
      return out;
    },
    async putEmbeddings(embedderId: string, entries: readonly { contentHash: string; vector: Float32Array }[]) {
      for (const e of entries) cache.set(`${embedderId}\0${e.contentHash}`, e.vector);
    },
    async createIndexVersion(input: { collectionId: string; embedderId: string; dimensions: number; embedder: Record<string, unknown> }) {
      if (input.dimensions <= 0) throw new StrataError('store', 'invalid-input', 'dimensions must be positive');
      for (const v of versions.values()) {
        if (v.collectionId === input.collectionId && v.state === 'building') throw new StrataError('store', 'conflict', 'a version is already building');
      }
      const v: IndexVersion = { id: nextId++, ...input, state: 'building', embeddedChunks: 0, totalChunks: 0, error: null, createdAt: new Date().toISOString(), activatedAt: null };
      versions.set(v.id, v);
      vectors.set(v.id, new Map());
      return view(v);
    },
    async getIndexVersion(id: number) {
      const v = versions.get(id);
      return v ? view(v) : null;
    },
    async listIndexVersions(collectionId: string) {
      return [...versions.values()].filter((v) => v.collectionId === collectionId).sort((a, b) => b.id - a.id).map(view);
    },
    async activeIndexVersion(collectionId: string) {
      const v = [...versions.values()].find((x) => x.collectionId === collectionId && x.state === 'active');
      return v ? view(v) : null;
    },
    async pendingChunks(versionId: number, limit: number, afterSeq = 0): Promise<PendingChunk[]> {
      const v = get(versionId);
      const have = vectors.get(versionId)!;
      return live(v.collectionId)
        .filter((c) => !have.has(c.seq) && c.seq > afterSeq)
        .slice(0, limit)
        .map((c) => ({ seq: c.seq, chunkId: c.chunkId, text: c.text, contentHash: sha(c.text) }));
    },
    async putVectors(versionId: number, vs: readonly { seq: number; vector: Float32Array }[]) {
      const v = get(versionId);
      for (const x of vs) {
        if (x.vector.length !== v.dimensions || x.vector.some((n) => !Number.isFinite(n))) throw new StrataError('store', 'invalid-input', 'bad vector');
      }
      const seqs = new Set(live(v.collectionId).map((c) => c.seq));
      let n = 0;
      for (const x of vs) {
        if (!seqs.has(x.seq)) continue;
        vectors.get(versionId)!.set(x.seq, x.vector);
        n++;
      }
      return n;
    },
    async activateIndexVersion(versionId: number) {
      const v = get(versionId);
      if ((await s.pendingChunks(versionId, 1)).length > 0) throw new StrataError('store', 'conflict', 'chunks still pending');
      for (const o of versions.values()) {
        if (o.collectionId === v.collectionId && o.state === 'active') {
          o.state = 'retired';
          vectors.set(o.id, new Map());
        }
      }
      v.state = 'active';
      v.activatedAt = new Date().toISOString();
      return view(v);
    },
    async failIndexVersion(versionId: number, error: string) {
      const v = get(versionId);
      v.state = 'failed';
      v.error = error;
      vectors.set(versionId, new Map());
    },
    async *iterateVectors(versionId: number, afterSeq = 0): AsyncIterable<StoredVector> {
      const v = get(versionId);
      const have = vectors.get(versionId)!;
      for (const c of live(v.collectionId)) {
        const vec = have.get(c.seq);
        if (vec && c.seq > afterSeq) yield { seq: c.seq, chunkId: c.chunkId, documentId: c.documentId, vector: vec };
      }
    },
    async vectorSeqs(versionId: number) {
      const v = get(versionId);
      const have = vectors.get(versionId)!;
      return Int32Array.from(live(v.collectionId).filter((c) => have.has(c.seq)).map((c) => c.seq));
    },
  };
  return s;
}
