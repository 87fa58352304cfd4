// Shapes of the answer service: what a caller asks, what comes back (answer text, checked citations,
// per-sentence support), and the events a streamed answer emits. Interfaces (HTTP, CLI) only shape these.
import type { Caller, ChunkLocation, Classification, Collection } from '../core/types.js';
import type { RouteInfo } from '../gateway/types.js';
import type { Usage } from '../models/types.js';

export interface AnswerRequest {
  /** Who asks: retrieval, and so everything quoted or sent to a model, is limited to what the caller may read. */
  caller: Caller;
  collection: Collection;
  question: string;
  /** Gateway alias of a generative model; without one (and without a configured default) the answer is extractive. */
  model?: string;
  /** Chunks retrieved as candidate sources (default 8). */
  limit?: number;
  /** Upper bound on the tokens of packed sources, below the model's own budget. */
  maxContextTokens?: number;
}

/** A numbered chunk and where it comes from: what sources and citations both carry. */
export interface SourceRef {
  /** The `[n]` the prompt and the answer use for it. */
  marker: number;
  chunkId: string;
  documentId: string;
  sourceId: string;
  title: string | undefined;
  path: string | undefined;
  location: ChunkLocation;
}

/** One numbered source: a chunk the caller may read, as it was given to the model (or used extractively). */
export interface AnswerSource extends SourceRef {
  /** Retrieval score and rank (1 = best). */
  score: number;
  rank: number;
  /** True when only the leading sentences fitted the budget (the prompt says so too). */
  truncated: boolean;
}

export interface Citation extends SourceRef {
  /** The span of the cited chunk that best supports the sentences citing it, verbatim. */
  quote: string;
  /** Weighted share of the citing sentence's content words found in `quote` (0–1); see citations.ts. */
  support: number;
}

export interface AnswerSentence {
  text: string;
  /** Valid markers the sentence cites, in order of appearance. */
  citations: number[];
  supported: boolean;
  /**
   * Why: `supported` (a cited source contains it), `weak-support` (cited, but the sources do not contain
   * enough of it), `no-citation` (a factual claim without a marker), `no-claim` (nothing to support: a
   * connective or the not-found sentence).
   */
  reason: 'supported' | 'weak-support' | 'no-citation' | 'no-claim';
  /** Per cited marker: the span quoted as evidence and its support score. */
  evidence: { marker: number; quote: string; support: number }[];
}

/** A marker the model wrote that points to no provided source; it is removed from the answer text. */
export interface RemovedCitation {
  marker: number;
  sentence: number;
}

export interface AnswerPacking {
  /** Tokens available to sources after the prompt and the reserved answer tokens. */
  budgetTokens: number;
  usedTokens: number;
  /** Retrieved chunks left out because the budget was spent (lowest ranked first). */
  droppedChunkIds: string[];
  truncatedChunkIds: string[];
}

export type AnswerMode = 'generative' | 'extractive';

export interface AnswerResult {
  /** The answer with `[n]` markers; out-of-range markers already removed. */
  answer: string;
  /** `not-found` when retrieval gave nothing relevant: the answer says so and no model was called. */
  status: 'answered' | 'not-found';
  mode: AnswerMode;
  citations: Citation[];
  sentences: AnswerSentence[];
  removedCitations: RemovedCitation[];
  /** Where the gateway sent the request (generative answers only). */
  route: RouteInfo | null;
  usage: Usage;
  costUsd: number;
  /** Highest classification of the text sent to the model (collection and used documents). */
  classification: Classification;
  retrieval: { hits: AnswerSource[]; packing: AnswerPacking | null };
  tookMs: number;
}

/** Events of a streamed answer, in this order: retrieval, route?, (token | citation)*, done — or error. */
export type AnswerEvent =
  | { type: 'retrieval'; sources: AnswerSource[]; status: AnswerResult['status']; mode: AnswerMode }
  | { type: 'route'; route: RouteInfo }
  | { type: 'token'; text: string }
  | { type: 'citation'; sentence: number; supported: boolean; citation: Citation }
  | { type: 'done'; result: AnswerResult };

/** Tunables with documented defaults (ANSWER_DEFAULTS in service.ts). */
export interface AnswerSettings {
  /** Alias used when the request names none; undefined → extractive answers. */
  defaultModel: string | undefined;
  /** Candidate chunks retrieved when the request gives no limit. */
  defaultLimit: number;
  /** Tokens kept for the answer when the registry gives no maxOutputTokens (and the cap otherwise). */
  maxAnswerTokens: number;
  /** Share of the context window kept free for tokenizer differences between vendors (0–0.5). */
  safetyMargin: number;
  /** Minimum share of the question's content words the best source must contain (see relevance in citations.ts). */
  minRelevance: number;
  /** Minimum weighted support for a cited sentence to count as supported. */
  minSupport: number;
  /** Extractive answers: at most this many sentences and characters. */
  extractiveSentences: number;
  extractiveChars: number;
}
