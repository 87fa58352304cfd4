// Open embedding models served by Ollama, Text-Embeddings-Inference or run locally with transformers.js:
// dimensions, input limits, and the purpose prefixes each model was trained with (without them, E5, BGE and
// Nomic retrieve noticeably worse; TEI and transformers.js do not add them for us).
import type { ModelInfo } from './common.js';

const E5 = { query: 'query: ', document: 'passage: ' };
const BGE = { query: 'Represent this sentence for searching relevant passages: ' };
const NOMIC = { query: 'search_query: ', document: 'search_document: ' };

/** Keyed by Hugging Face id; the ONNX conversions under Xenova/ share their original's entry. */
const BASE: Record<string, ModelInfo> = {
  'sentence-transformers/all-MiniLM-L6-v2': { dimensions: 384, maxInputTokens: 256 },
  'sentence-transformers/all-MiniLM-L12-v2': { dimensions: 384, maxInputTokens: 256 },
  'sentence-transformers/all-mpnet-base-v2': { dimensions: 768, maxInputTokens: 384 },
  'sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2': { dimensions: 384, maxInputTokens: 128 },
  'BAAI/bge-small-en-v1.5': { dimensions: 384, maxInputTokens: 512, prefix: BGE },
  'BAAI/bge-base-en-v1.5': { dimensions: 768, maxInputTokens: 512, prefix: BGE },
  'BAAI/bge-large-en-v1.5': { dimensions: 1024, maxInputTokens: 512, prefix: BGE },
  'BAAI/bge-m3': { dimensions: 1024, maxInputTokens: 8192 },
  'intfloat/e5-small-v2': { dimensions: 384, maxInputTokens: 512, prefix: E5 },
  'intfloat/e5-base-v2': { dimensions: 768, maxInputTokens: 512, prefix: E5 },
  'intfloat/multilingual-e5-small': { dimensions: 384, maxInputTokens: 512, prefix: E5 },
  'intfloat/multilingual-e5-base': { dimensions: 768, maxInputTokens: 512, prefix: E5 },
  'intfloat/multilingual-e5-large': { dimensions: 1024, maxInputTokens: 512, prefix: E5 },
  'nomic-ai/nomic-embed-text-v1.5': { dimensions: 768, maxInputTokens: 8192, prefix: NOMIC },
  'Alibaba-NLP/gte-base-en-v1.5': { dimensions: 768, maxInputTokens: 8192 },
  'Snowflake/snowflake-arctic-embed-m-v1.5': { dimensions: 768, maxInputTokens: 512, prefix: BGE },
};

export const HF_MODELS: Readonly<Record<string, ModelInfo>> = Object.fromEntries(
  Object.entries(BASE).flatMap(([id, info]) => [
    [id, info],
    [`Xenova/${id.split('/')[1]!}`, info],
  ]),
);

/** Ollama library names (the `:tag` is ignored for the lookup). Ollama's server truncates to the context itself. */
export const OLLAMA_MODELS: Readonly<Record<string, ModelInfo>> = {
  'nomic-embed-text': { dimensions: 768, maxInputTokens: 8192, prefix: NOMIC },
  'mxbai-embed-large': { dimensions: 1024, maxInputTokens: 512, prefix: BGE },
  'all-minilm': { dimensions: 384, maxInputTokens: 256 },
  'snowflake-arctic-embed': { dimensions: 1024, maxInputTokens: 512, prefix: BGE },
  'snowflake-arctic-embed2': { dimensions: 1024, maxInputTokens: 8192 },
  'bge-m3': { dimensions: 1024, maxInputTokens: 8192 },
  'bge-large': { dimensions: 1024, maxInputTokens: 512, prefix: BGE },
  'granite-embedding': { dimensions: 384, maxInputTokens: 512 },
  embeddinggemma: { dimensions: 768, maxInputTokens: 2048 },
  'qwen3-embedding': { dimensions: 4096, maxInputTokens: 32_768 },
};
