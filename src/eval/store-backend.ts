// The evaluator over the real platform. A dataset with a `corpus` is ingested into an eval-owned store under
// `<evalDir>/indexes/<key>/` (key: corpus file identity + chunking + analyzer + embedder), with a vector index
// built by the semantic-retrieval index builder when the configuration has an embedder; `ready.json` marks a
// complete build, so a build cut short is redone and a finished one reused. A dataset naming a `collection`
// is searched where it is (its chunking and active vector index are whatever the collection has).
// Retrieval goes through the searcher (mode, embedder, reranker per request); answers through the answer
// service and the model gateway, which enforces classification; generator `extractive` needs no model.
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { operatorCaller } from '../core/access.js';
import type { StrataConfig } from '../core/config.js';
import { collectionSettings } from '../core/config.js';
import { isStrataError, StrataError } from '../core/errors.js';
import type { Classification, Collection } from '../core/types.js';
import { answer } from '../answer/service.js';
import type { Gateway } from '../gateway/types.js';
import { syncFolder } from '../ingest/sync.js';
import { semanticFromConfig } from '../search/semantic.js';
import { createSearcher, indexTextWith, type SearchRequest } from '../search/service.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import type { Citation } from './answer-metrics.js';
import type { EvalBackend, GeneratedAnswer, IndexRequest, PreparedIndex, RetrievalSettings, RetrievedChunk } from './backend.js';
import type { DatasetManifest } from './dataset.js';
import { evalDirOf } from './paths.js';
import { hashOf } from './spec.js';

export interface StoreBackendOptions {
  config: StrataConfig;
  /** The workspace store, for datasets that name a collection. */
  store?: Store;
  workspaceId?: string;
  /** The model gateway, for generators (and classification checks); made lazily by the caller. */
  gateway?: () => Gateway;
}

/** Generator name that asks the answer service for an extractive answer (no model, no cost). */
export const EXTRACTIVE = 'extractive';

export function createStoreBackend(opts: StoreBackendOptions): EvalBackend {
  const root = resolve(evalDirOf(opts.config), 'indexes');
  const analyzer = opts.config.search.analyzer.name;

  async function prepared(store: Store, collection: Collection, config: StrataConfig, own: boolean): Promise<PreparedIndex> {
    const semantic = semanticFromConfig(store, config, { snapshots: false });
    const searcher = createSearcher(store, config.search.bm25, { ranker: semantic.ranker, resultCacheEntries: 0 /* latency is measured */ });
    await searcher.warm(collection);
    const caller = operatorCaller(collection.workspaceId, 'eval');
    const documentIds = new Set<string>();
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listDocuments({ collectionId: collection.id, limit: 1000, offset });
      page.forEach((d) => documentIds.add(d.sourceId));
      if (page.length < 1000) break;
    }
    const texts = new Map<string, string>();
    const chunkText = async (documentId: string, chunkId: string) => {
      if (!texts.has(chunkId)) for (const c of await store.getChunks(documentId)) texts.set(c.id, c.text);
      return texts.get(chunkId) ?? '';
    };
    const options = (s: RetrievalSettings): Partial<SearchRequest> => ({
      ...(s.mode === 'lexical' ? { mode: 'lexical' as const } : { mode: s.mode, ...(s.embedder ? { embedder: s.embedder } : {}) }),
      ...(s.reranker ? { rerank: { name: s.reranker, topN: Math.max(s.topK, 50) } } : {}),
    });
    return {
      documentIds,
      classification: collection.classification,
      async retrieve(question, s) {
        const res = await searcher.search({ caller, collection, query: question, limit: s.topK, snippetChars: 0, ...options(s) });
        const hits: RetrievedChunk[] = [];
        for (const h of res.hits) hits.push({ chunkId: h.chunkId, sourceId: h.sourceId, score: h.score, text: s.withText ? await chunkText(h.documentId, h.chunkId) : '' });
        return { hits, costUsd: 0 };
      },
      async generate(generator, question, _retrieval, s): Promise<GeneratedAnswer> {
        const gateway = generator === EXTRACTIVE ? null : (opts.gateway?.() ?? null);
        if (generator !== EXTRACTIVE && !gateway) {
          throw new StrataError('eval', 'unavailable', `generator "${generator}" needs the model gateway, which is not configured`, { hint: `configure models, or use generator: ${EXTRACTIVE}` });
        }
        // The answer service retrieves chunks itself; it gets this configuration's mode, embedder and reranker.
        const configured = { search: (req: SearchRequest) => searcher.search({ ...req, ...options(s) }) };
        const res = await answer({ caller, collection, question, limit: s.topK, ...(gateway ? { model: generator } : {}) }, { searcher: configured, store, gateway });
        const context = await Promise.all(res.retrieval.hits.map(async (h) => ({ chunkId: h.chunkId, sourceId: h.sourceId, text: await chunkText(h.documentId, h.chunkId) })));
        const byMarker = new Map(res.citations.map((c) => [c.marker, c]));
        const citations: Citation[] = res.sentences.flatMap((sentence, i) =>
          sentence.evidence.flatMap((e) => {
            const c = byMarker.get(e.marker);
            return c ? [{ chunkId: c.chunkId, documentId: c.documentId, sourceId: c.sourceId, quote: e.quote, sentence: i }] : [];
          }),
        );
        return { text: res.answer, sentences: res.sentences.map((x) => x.text), citations, context, usage: res.usage, costUsd: res.costUsd };
      },
      close: async () => {
        if (own) await store.close();
      },
    };
  }

  return {
    indexKey(dataset: DatasetManifest, request: IndexRequest) {
      if (dataset.corpus) {
        const chunking = request.chunking === 'collection' ? opts.config.chunking : request.chunking;
        const st = statSync(dataset.corpus);
        return hashOf({ corpus: { path: resolve(dataset.corpus), size: st.size, mtimeMs: st.mtimeMs }, chunking, analyzer, embedder: request.embedder });
      }
      if (!dataset.collection) {
        throw new StrataError('eval', 'invalid-input', `dataset "${dataset.name}" names neither a corpus nor a collection`, { hint: 're-import it with --corpus <file|dir> or --collection <name>' });
      }
      if (request.chunking !== 'collection') {
        throw new StrataError('eval', 'invalid-input', `dataset "${dataset.name}" is evaluated on collection "${dataset.collection}", whose chunking is fixed`, {
          hint: 'to compare chunkings, import the dataset with --corpus so the evaluator can index the documents itself',
        });
      }
      return hashOf({ collection: dataset.collection, embedder: request.embedder });
    },

    async openIndex(key, dataset, request, onProgress) {
      if (!dataset.corpus) {
        if (!opts.store || !opts.workspaceId) throw new StrataError('eval', 'invalid-input', 'a collection dataset needs the workspace store');
        const col = await opts.store.getCollection(opts.workspaceId, dataset.collection!);
        if (!col) throw new StrataError('eval', 'not-found', `collection "${dataset.collection}" of dataset "${dataset.name}" not found`);
        return { ...(await prepared(opts.store, col, opts.config, false)), built: false };
      }
      const dir = join(root, key);
      const ready = join(dir, 'ready.json');
      const config: StrataConfig = { ...opts.config, dataDir: join(dir, 'store') };
      const built = !existsSync(ready);
      if (built) {
        rmSync(dir, { recursive: true, force: true }); // an unfinished build of the same key
        mkdirSync(join(dir, 'source'), { recursive: true });
        const corpus = resolve(dataset.corpus);
        symlinkSync(corpus, join(dir, 'source', basename(corpus)));
      }
      const store = await openStore(config);
      try {
        const ws = await store.ensureWorkspace('eval');
        let col = await store.getCollection(ws.id, 'eval');
        if (built) {
          const chunking = request.chunking === 'collection' ? collectionSettings(opts.config, 'eval').chunking : request.chunking;
          col = await store.createCollection({ workspaceId: ws.id, name: 'eval', settings: { chunking, analyzer: { name: analyzer } }, classification: dataset.classification ?? 'internal' });
          const report = await syncFolder({
            store,
            collection: col,
            root: join(dir, 'source'),
            ingest: { ...opts.config.ingest, followSymlinks: true, exclude: [] },
            indexText: indexTextWith(analyzer),
            onProgress: (p) => onProgress?.(p.done, p.total),
          });
          const failed = report.outcomes.filter((o) => o.status === 'failed');
          if (failed.length) throw new StrataError('eval', 'invalid-input', `${failed.length} corpus file(s) could not be ingested: ${failed[0]!.path}: ${failed[0]!.reason}`);
          if (request.embedder) {
            const { builder } = semanticFromConfig(store, config, { snapshots: false });
            const version = await builder.start(col, request.embedder);
            await builder.run(version.id, { onProgress: (p) => onProgress?.(p.embedded, p.total) });
          }
          writeFileSync(ready, JSON.stringify({ key, corpus: dataset.corpus, chunking, analyzer, embedder: request.embedder, documents: report.documents.inserted, builtAt: new Date().toISOString() }));
        }
        if (!col) throw new StrataError('eval', 'integrity', `index ${key} is marked complete but has no collection`, { hint: `delete ${dir} to rebuild it` });
        return { ...(await prepared(store, col, config, true)), built };
      } catch (err) {
        await store.close();
        throw err;
      }
    },

    refuses(kind, name, classification: Classification) {
      if ((kind !== 'generator' && kind !== 'judge') || name === EXTRACTIVE || !opts.gateway) return undefined;
      try {
        opts.gateway().resolve(name, classification);
        return undefined;
      } catch (err) {
        // The gateway refuses models not cleared for the data (forbidden); an unknown alias fails later, loudly.
        if (isStrataError(err) && err.code === 'forbidden') return `${kind} "${name}": ${err.message.replace(/^\[strata\] \[[^\]]+\] /, '')}`;
        return undefined;
      }
    },
  };
}
