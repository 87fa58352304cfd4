// What an experiment needs from the platform, as one small contract, so every configuration axis is
// pluggable: an index per (documents, chunking, embedder), retrieval per (mode, reranker, top-k), and answer
// generation per generator. store-backend.ts implements it over the real pipeline (sync → store → searcher →
// answer service → gateway); tests pass fakes.
import type { ChunkingSettings, Classification } from '../core/types.js';
import type { Usage } from '../models/types.js';
import type { Citation, ContextChunk } from './answer-metrics.js';
import type { DatasetManifest } from './dataset.js';
import type { RetrievalMode } from './spec.js';

export interface IndexRequest {
  chunking: ChunkingSettings | 'collection';
  embedder: string | null;
}

export interface RetrievedChunk extends ContextChunk {
  score: number;
}

export interface Retrieval {
  /** Ranked hits, one per document, best first. */
  hits: RetrievedChunk[];
  costUsd: number;
}

export interface RetrievalSettings {
  mode: RetrievalMode;
  reranker: string | null;
  topK: number;
  /** The embedder of the index (vector and hybrid modes embed the question with it). */
  embedder: string | null;
  /** Chunk texts are needed (a generator will read them); retrieval metrics need ids only. */
  withText: boolean;
}

export interface PreparedIndex {
  /** Source ids of every document in the index (dataset validation). */
  documentIds: ReadonlySet<string>;
  classification: Classification;
  retrieve(question: string, settings: RetrievalSettings): Promise<Retrieval>;
  /**
   * Answers the question from this retrieval (the same hits the retrieval metrics scored) with a generator;
   * absent when answer generation is not wired.
   */
  generate?(generator: string, question: string, retrieval: Retrieval, settings: RetrievalSettings): Promise<GeneratedAnswer>;
  close(): Promise<void>;
}

export interface GeneratedAnswer {
  text: string;
  /** The answer's sentences, which citations point to by index (optional). */
  sentences?: string[];
  citations: Citation[];
  /** The sources the generator was given (faithfulness is judged against them). */
  context: ContextChunk[];
  usage: Usage;
  costUsd: number;
}

export type ModelKind = 'embedder' | 'reranker' | 'generator' | 'judge';

export interface EvalBackend {
  /** The index key: equal keys mean an index can be reused as it is. */
  indexKey(dataset: DatasetManifest, request: IndexRequest): string;
  /** Opens the index for the key, building it first unless a complete one exists; `built` says which. */
  openIndex(key: string, dataset: DatasetManifest, request: IndexRequest, onProgress?: (done: number, total: number) => void): Promise<PreparedIndex & { built: boolean }>;
  /** Why a model may not receive data of this classification, or undefined when it may (or nothing is known). */
  refuses?(kind: ModelKind, name: string, classification: Classification): string | undefined;
}

