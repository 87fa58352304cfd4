// Index versions: building a collection's vectors with an embedder, in the background of serving.
//
// A version is created 'building' and filled batch by batch from the store's `pendingChunks` (each batch
// one transaction), so a killed build resumes where it stopped and an ingest running meanwhile only adds
// pending chunks the build picks up before it activates. Activation is one store transaction that retires
// the previous version; until then every query uses the previous active version. Later ingests get vectors
// through `catchUp`, which the ingest command and the server's ingest paths run after writing: a search
// never embeds anything but its query.
//
// Vectors are checked before anything is written: wrong count, wrong dimensions or a non-finite value from
// the provider fails the building version (the active one is untouched), because a model that answers out
// of contract cannot be trusted with the rest of the build. Transient failures (network, rate limits) leave
// the version 'building' so the same command resumes it.
import { StrataError, isStrataError } from '../core/errors.js';
import type { Collection } from '../core/types.js';
import type { Embedder } from '../models/types.js';
import type { IndexVersion, PendingChunk, VectorStore } from '../store/vectors.js';

/** Turns an embedder name from the configuration into a ready embedder (with its batching/retry wrappers). */
export type EmbedderResolver = (name: string) => Embedder | Promise<Embedder>;

export interface BuildProgress {
  versionId: number;
  embedded: number;
  total: number;
  /** Of the vectors written in this run, how many came from the embedding cache. */
  cached: number;
}

export interface RunOptions {
  /** Chunks read, embedded and written per step (default 256; capped by nothing else: the embedder batches). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
}

export interface IndexBuilder {
  /**
   * The collection's building version for this embedder: a new one, or the one a killed build left behind
   * (resumed). Refuses (`conflict`) when a build with another embedder is in progress, and (`invalid-input`)
   * when the embedder is already the active one (use `catchUp`).
   */
  start(collection: Collection, embedderName: string): Promise<IndexVersion>;
  /** Embeds every pending chunk of a building version, then activates it. Returns the now active version. */
  run(versionId: number, options?: RunOptions): Promise<IndexVersion>;
  /** Embeds the chunks the active version is missing (after an ingest). Nothing to do without an active version. */
  catchUp(collection: Collection, options?: RunOptions): Promise<{ version: IndexVersion | null; embedded: number }>;
  /** Marks the collection's building version failed (an operator abandoning a rebuild). */
  cancel(collection: Collection, reason?: string): Promise<IndexVersion | null>;
  /** The embedder that made a version's vectors, resolved from the configuration and checked against it. */
  embedderFor(version: IndexVersion): Promise<Embedder>;
}

/** What a version records about its embedder: public settings only, never credentials. */
export function embedderRecord(name: string, e: Embedder): Record<string, unknown> {
  return { name, provider: e.provider, model: e.model, dimensions: e.dimensions, maxInputTokens: e.maxInputTokens };
}

export function createIndexBuilder(store: VectorStore, resolve: EmbedderResolver): IndexBuilder {
  async function embedderFor(version: IndexVersion): Promise<Embedder> {
    const name = typeof version.embedder.name === 'string' ? version.embedder.name : undefined;
    if (!name) {
      throw new StrataError('search', 'config', `index version ${version.id} does not record which embedder built it`, {
        hint: `rebuild the index: strata index build <collection> --embedder <name>`,
      });
    }
    let e: Embedder;
    try {
      e = await resolve(name);
    } catch (err) {
      throw new StrataError('search', 'config', `index version ${version.id} was built with embedder "${name}" (${version.embedderId}), which the configuration cannot provide`, {
        cause: err,
        hint: `restore embedders.${name} in the config, or build a new version: strata index build <collection> --embedder <name>`,
        details: { versionId: version.id, embedder: name, embedderId: version.embedderId },
      });
    }
    if (e.id !== version.embedderId || e.dimensions !== version.dimensions) {
      throw new StrataError('search', 'config', `embedder "${name}" is now ${e.id}, but index version ${version.id} holds ${version.embedderId} vectors (${version.dimensions} dimensions)`, {
        hint: `vectors of different models or dimensions never mix: rebuild with \`strata index build <collection> --embedder ${name}\`, or restore the previous settings`,
        details: { versionId: version.id, configured: e.id, stored: version.embedderId, storedDimensions: version.dimensions, configuredDimensions: e.dimensions },
      });
    }
    return e;
  }

  async function requireVersion(id: number): Promise<IndexVersion> {
    const v = await store.getIndexVersion(id);
    if (!v) throw new StrataError('search', 'not-found', `index version ${id} does not exist`);
    return v;
  }

  /** One pass over the chunks `version` is missing, in seq order; returns how many vectors were written. */
  async function fill(version: IndexVersion, embedder: Embedder, options: RunOptions): Promise<number> {
    const batchSize = options.batchSize ?? 256;
    let written = 0;
    let cachedTotal = 0;
    // Keyset pagination: a chunk the store skipped (deleted while being embedded) can never be served again.
    for (let afterSeq = 0; ; ) {
      options.signal?.throwIfAborted();
      const pending = await store.pendingChunks(version.id, batchSize, afterSeq);
      if (pending.length === 0) return written;
      const { vectors, cached } = await embedBatch(store, embedder, version, pending, options.signal);
      written += await store.putVectors(version.id, vectors);
      cachedTotal += cached;
      afterSeq = pending[pending.length - 1]!.seq;
      if (options.onProgress) {
        const v = await requireVersion(version.id);
        options.onProgress({ versionId: v.id, embedded: v.embeddedChunks, total: v.totalChunks, cached: cachedTotal });
      }
    }
  }

  return {
    embedderFor,
    async start(collection, embedderName) {
      const embedder = await resolve(embedderName);
      const versions = await store.listIndexVersions(collection.id);
      const building = versions.find((v) => v.state === 'building');
      if (building) {
        if (building.embedderId === embedder.id && building.embedder.name === embedderName) return building;
        throw new StrataError('search', 'conflict', `collection "${collection.name}" already has a build in progress with ${building.embedderId} (version ${building.id}, ${building.embeddedChunks}/${building.totalChunks} chunks)`, {
          hint: `resume it with \`strata index build ${collection.name} --embedder ${String(building.embedder.name)}\`, or abandon it with \`strata index cancel ${collection.name}\``,
          details: { versionId: building.id, embedderId: building.embedderId },
        });
      }
      const active = versions.find((v) => v.state === 'active');
      if (active && active.embedderId === embedder.id && active.embedder.name === embedderName) {
        throw new StrataError('search', 'invalid-input', `collection "${collection.name}" is already indexed with ${embedder.id} (version ${active.id})`, {
          hint: `\`strata index build ${collection.name}\` without --embedder embeds chunks ingested since`,
          details: { versionId: active.id },
        });
      }
      return store.createIndexVersion({ collectionId: collection.id, embedderId: embedder.id, dimensions: embedder.dimensions, embedder: embedderRecord(embedderName, embedder) });
    },

    async run(versionId, options = {}) {
      let version = await requireVersion(versionId);
      if (version.state !== 'building') {
        const why = version.state === 'failed' ? ` (failed: ${version.error ?? 'unknown reason'})` : '';
        throw new StrataError('search', 'conflict', `index version ${versionId} is ${version.state}, not building${why}`, {
          hint: version.state === 'failed' ? 'start a new build: strata index build <collection> --embedder <name>' : 'nothing to build',
        });
      }
      const embedder = await embedderFor(version);
      try {
        // An ingest may add chunks between the last batch and activation: the store refuses to activate
        // with chunks pending (conflict), and we simply embed those too and try again.
        for (let attempt = 0; ; attempt++) {
          await fill(version, embedder, options);
          try {
            version = await store.activateIndexVersion(versionId);
            return version;
          } catch (err) {
            if (!(isStrataError(err) && err.code === 'conflict') || attempt >= 20) throw err;
          }
        }
      } catch (err) {
        // Our own check, or the embedding pipeline's (a provider answer it calls `malformed`): out of contract.
        if (isStrataError(err) && (err.details.vectorContract === true || err.details.kind === 'malformed')) {
          await store.failIndexVersion(versionId, err.message);
        }
        throw err;
      }
    },

    async catchUp(collection, options = {}) {
      const version = await store.activeIndexVersion(collection.id);
      if (!version) return { version: null, embedded: 0 };
      const embedded = await fill(version, await embedderFor(version), options);
      return { version: (await store.getIndexVersion(version.id)) ?? version, embedded };
    },

    async cancel(collection, reason = 'cancelled by the operator') {
      const building = (await store.listIndexVersions(collection.id)).find((v) => v.state === 'building');
      if (!building) return null;
      await store.failIndexVersion(building.id, reason);
      return store.getIndexVersion(building.id);
    },
  };
}

/**
 * Vectors for a batch of pending chunks: cached ones by content hash, the rest from the embedder (each
 * distinct text once), all checked against the version before the caller writes anything.
 */
async function embedBatch(
  cache: VectorStore,
  embedder: Embedder,
  version: IndexVersion,
  pending: readonly PendingChunk[],
  signal: AbortSignal | undefined,
): Promise<{ vectors: { seq: number; vector: Float32Array }[]; cached: number }> {
  const hashes = [...new Set(pending.map((p) => p.contentHash))];
  const known = await cache.getEmbeddings(version.embedderId, hashes);
  const missing: PendingChunk[] = [];
  const queued = new Set<string>();
  for (const p of pending) {
    if (!known.has(p.contentHash) && !queued.has(p.contentHash)) {
      queued.add(p.contentHash);
      missing.push(p);
    }
  }
  let cached = 0;
  for (const p of pending) if (known.has(p.contentHash)) cached++;
  if (missing.length > 0) {
    const out = await embedder.embed(missing.map((p) => p.text), { purpose: 'document', signal });
    checkVectors(version, embedder, out, missing.length);
    const fresh = missing.map((p, i) => ({ contentHash: p.contentHash, vector: out[i]! }));
    await cache.putEmbeddings(version.embedderId, fresh);
    for (const f of fresh) known.set(f.contentHash, f.vector);
  }
  const vectors = pending.map((p) => ({ seq: p.seq, vector: known.get(p.contentHash)! }));
  // Cache entries written by an older run are checked too: a cache is never trusted to hold the right shape.
  checkVectors(version, embedder, vectors.map((v) => v.vector), vectors.length);
  return { vectors, cached };
}

/** Throws a contract error (which fails a building version) unless `out` is `count` finite vectors of the version's size. */
export function checkVectors(version: Pick<IndexVersion, 'id' | 'dimensions' | 'embedderId'>, embedder: Pick<Embedder, 'id'>, out: readonly Float32Array[], count: number): void {
  const fail = (what: string) =>
    new StrataError('search', 'invalid-input', `embedder ${embedder.id} ${what}; index version ${version.id} expects ${count} vectors of ${version.dimensions} dimensions`, {
      hint: 'the provider or its configuration is wrong (model, dimensions); fix it and start a new build — the active version keeps serving',
      details: { vectorContract: true, versionId: version.id, embedderId: version.embedderId },
    });
  if (!Array.isArray(out) || out.length !== count) throw fail(`returned ${Array.isArray(out) ? out.length : 'no'} vectors for ${count} texts`);
  for (const [i, v] of out.entries()) {
    if (!(v instanceof Float32Array) || v.length !== version.dimensions) throw fail(`returned a vector of ${v?.length ?? 'no'} dimensions (text ${i})`);
    for (let j = 0; j < v.length; j++) {
      if (!Number.isFinite(v[j]!)) throw fail(`returned a non-finite value (${v[j]}) in vector ${i}`);
    }
  }
}
