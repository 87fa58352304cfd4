// Contracts of model providers: embedders, rerankers and chat models. Each adapter is a plain object made
// by a factory in ./embed, ./rerank or ./chat; cross-cutting behaviour (batching, retries, rate limits,
// caching) wraps an adapter instead of living in it. This folder imports only core.

/** What the text is for: some providers embed queries and documents differently (Cohere, Voyage, Google…). */
export type EmbedPurpose = 'query' | 'document';

export interface EmbedOptions {
  purpose?: EmbedPurpose;
  signal?: AbortSignal;
}

export interface Embedder {
  /**
   * Stable identity of the vectors this embedder produces: `<provider>:<model>@<dimensions>`. Index
   * versions and the embedding cache are keyed by it, so two embedders with the same id must produce
   * interchangeable vectors.
   */
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly dimensions: number;
  /** Longest input the model accepts, in its own tokens; longer texts are truncated (never an error). */
  readonly maxInputTokens: number;
  /** Largest number of texts sent in one provider call. */
  readonly maxBatch: number;
  /** One vector per text, in order, each `dimensions` long, finite. Anything else is an error. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** Where embeddings of already-seen text are kept, keyed by (embedder id, content hash). The store implements it. */
export interface EmbeddingCache {
  getEmbeddings(embedderId: string, contentHashes: readonly string[]): Promise<Map<string, Float32Array>>;
  putEmbeddings(embedderId: string, entries: readonly { contentHash: string; vector: Float32Array }[]): Promise<void>;
}

export interface RerankResult {
  /** Index into the documents passed in. */
  index: number;
  /** Relevance as the provider reports it; higher is more relevant. Only comparable within one call. */
  score: number;
}

export interface Reranker {
  /** `<provider>:<model>` */
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  /** Results sorted by descending score; at most `topN` (default: all). */
  rerank(query: string, documents: readonly string[], options?: { topN?: number; signal?: AbortSignal }): Promise<RerankResult[]>;
}

// ---- chat ----

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** For role 'tool': the call this message answers. */
  toolCallId?: string;
  /** For role 'assistant': tool calls the model made. */
  toolCalls?: ToolCall[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as the model produced it. */
  arguments: string;
}

export interface ChatRequest {
  /** The provider's model name (not a gateway alias). */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  /** 'json' asks for a JSON object where the provider supports it. */
  responseFormat?: 'text' | 'json';
  tools?: ToolDefinition[];
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (billed differently). */
  cachedInputTokens?: number;
  /** Output tokens spent on hidden reasoning (included in outputTokens). */
  reasoningTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The model that answered, as the provider names it. */
  model: string;
}

/** One normalised streaming event shape for every provider. */
export type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; finishReason: FinishReason; model: string };

export interface ChatModel {
  readonly provider: string;
  complete(req: ChatRequest): Promise<ChatResult>;
  /** Events in order; ends after exactly one 'finish' (a cut stream throws a StrataError instead). */
  stream(req: ChatRequest): AsyncIterable<ChatEvent>;
}
