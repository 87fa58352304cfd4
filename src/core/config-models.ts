// Configuration sections for models, composed into the one config object by config.ts:
// `providers` (how to reach each provider), `models` (the registry: what each model is, costs and may receive)
// and `gateway` (aliases and their routing, cache, circuit breaker, per-key budgets and rate limits).
import { z } from 'zod';
import { CLASSIFICATIONS } from './types.js';

/** Registry ids, provider names and aliases: also used in URLs and as OpenAI `model` values. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/;
const NAME_RULE = 'names are 1–128 letters, digits, _ . : @ / - (starting with a letter or digit)';

export const PROVIDER_KINDS = ['openai', 'azure-openai', 'anthropic', 'gemini', 'mistral', 'cohere', 'ollama', 'openai-compatible', 'llama-cpp'] as const;

/** Connection settings of one provider; several registry models may share it. */
const provider = z
  .object({
    kind: z.enum(PROVIDER_KINDS),
    baseUrl: z.url().optional(),
    /** Never shown by the API or written to logs; prefer the STRATA_PROVIDERS__<NAME>__APIKEY variable. */
    apiKey: z.string().min(1).optional(),
    /** Azure OpenAI deployment name and api-version. */
    deployment: z.string().min(1).optional(),
    apiVersion: z.string().min(1).optional(),
    /** GGUF file for `llama-cpp`. */
    modelPath: z.string().min(1).optional(),
    /** llama-cpp: caps the context (default: the model's). */
    contextSize: z.number().int().min(256).max(10_000_000).optional(),
    /** Extra headers sent with every request (organisation ids, proxies); they never override authentication. */
    headers: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
    /** Retries inside the adapter (429/5xx/timeouts, honouring Retry-After); the gateway's own retries come on top. */
    maxRetries: z.number().int().min(0).max(10).default(2),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.kind === 'llama-cpp' && !p.modelPath) ctx.addIssue({ code: 'custom', path: ['modelPath'], message: 'llama-cpp needs modelPath (a .gguf file)' });
    if (p.kind === 'azure-openai' && !p.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'azure-openai needs baseUrl (https://<resource>.openai.azure.com)' });
    if (p.kind === 'openai-compatible' && !p.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'openai-compatible needs baseUrl (e.g. http://localhost:8000/v1)' });
  });

const usd = z.number().min(0).max(1_000_000);

/** One model of the registry. */
const model = z
  .object({
    /** A name under `providers:` (chat models). */
    provider: z.string().regex(NAME, NAME_RULE).optional(),
    /** A name under `embedders:` (embedding models served by /v1/embeddings); set this or provider. */
    embedder: z.string().min(1).optional(),
    /** The provider's own model name (or Azure deployment); defaults to the registry id. */
    model: z.string().min(1).optional(),
    contextWindow: z.number().int().min(256).max(100_000_000),
    maxOutputTokens: z.number().int().min(1).max(10_000_000).nullable().default(null),
    /** USD per million tokens. Reasoning tokens are billed as output; cached input falls back to the input price. */
    pricing: z.object({ input: usd, output: usd, cachedInput: usd.optional() }).strict().prefault({ input: 0, output: 0 }),
    deployment: z.enum(['hosted', 'self-hosted']).default('hosted'),
    licence: z.string().min(1).nullable().default(null),
    /** Free-form, e.g. chat, tools, json, vision, embeddings, streaming. `embeddings` models serve /v1/embeddings. */
    capabilities: z.array(z.string().min(1).max(64)).default(['chat']),
    /**
     * Classifications of data this model may receive. Defaults to public only: sending internal or confidential
     * text to a model is a decision someone must write down.
     */
    clearedFor: z.array(z.enum(CLASSIFICATIONS)).default(['public']),
    stage: z.enum(['exploration', 'staging', 'production']).default('exploration'),
  })
  .strict()
  .refine((m) => Boolean(m.provider) !== Boolean(m.embedder), { message: 'set exactly one of provider (a chat model) and embedder (an embedding model)', path: ['provider'] });

const target = z.object({ model: z.string().regex(NAME, NAME_RULE), weight: z.number().min(0).max(1_000_000).default(1) }).strict();

/** An alias: what clients ask for (`model` in /v1/chat/completions) and how it is routed. */
const alias = z
  .object({
    /** Chosen by weight per request (a canary gets a small weight). */
    targets: z.array(target).min(1),
    /** Tried in order when the chosen target fails or is not cleared for the request's data. */
    fallback: z.array(z.string().regex(NAME, NAME_RULE)).default([]),
    /** Retries per target on rate-limit, unavailable and timeout errors, before falling back. */
    retries: z.number().int().min(0).max(10).default(1),
    retryBackoffMs: z.number().int().min(0).max(60_000).default(200),
    /** Per attempt: until the answer (or, when streaming, the first and then each next event). */
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
    /** Overrides gateway.cache.enabled for this alias. */
    cache: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.targets.some((t) => t.weight > 0), { message: 'at least one target needs a weight above 0', path: ['targets'] });

const budget = z
  .object({
    usdPerDay: usd.optional(),
    usdPerMonth: usd.optional(),
    /** Gateway requests per minute for the key (token bucket, burst = one second's worth, at least 1). */
    requestsPerMinute: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();

const gateway = z
  .object({
    aliases: z.record(z.string().regex(NAME, NAME_RULE), alias).default({}),
    circuitBreaker: z
      .object({
        /** Consecutive failures of one model that open its circuit. */
        failureThreshold: z.number().int().min(1).max(1000).default(5),
        /** How long an open circuit refuses calls before one probe is let through. */
        cooldownMs: z.number().int().min(100).max(3_600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    /** Exact-match response cache, per workspace; used for temperature 0 requests or when a request asks for it. */
    cache: z
      .object({
        enabled: z.boolean().default(true),
        ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(3600),
        maxEntries: z.number().int().min(1).max(1_000_000).default(1000),
      })
      .strict()
      .prefault({}),
    /** Budgets in USD (UTC days and months) and request rates, per API key; `keys` are API key ids. */
    budgets: z
      .object({ default: budget.prefault({}), keys: z.record(z.string().min(1), budget).default({}) })
      .strict()
      .prefault({}),
  })
  .strict();

/** Cited answers (`POST /v1/answer`, `strata ask`). */
const answerSection = z
  .object({
    /** Gateway alias or registry model used when a request names none; unset → extractive answers (no model). */
    defaultModel: z.string().regex(NAME, NAME_RULE).optional(),
    /** Candidate chunks retrieved when a request gives no limit. */
    defaultLimit: z.number().int().min(1).max(50).default(8),
    /** Tokens kept for the answer when the registry gives no maxOutputTokens (and the cap otherwise). */
    maxAnswerTokens: z.number().int().min(16).max(100_000).default(1024),
  })
  .strict();

export const modelsSections = {
  providers: z.record(z.string().regex(NAME, NAME_RULE), provider).default({}),
  models: z.record(z.string().regex(NAME, NAME_RULE), model).default({}),
  gateway: gateway.prefault({}),
  answer: answerSection.prefault({}),
} satisfies Record<string, z.ZodType>;

type Sections = { [K in keyof typeof modelsSections]: z.infer<(typeof modelsSections)[K]> };

/**
 * Cross-section checks (a model naming an unknown provider, an alias naming an unknown model…), run by the root
 * schema in config.ts so a bad registry is refused at load time with every problem named.
 */
export function checkModelsConfig(c: Sections, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  for (const [id, m] of Object.entries(c.models)) {
    if (m.provider !== undefined && !Object.hasOwn(c.providers, m.provider)) issue(['models', id, 'provider'], `unknown provider "${m.provider}": define it under providers`);
    const embedders = (c as { embedders?: Record<string, unknown> }).embedders;
    if (m.embedder !== undefined && !(embedders && Object.hasOwn(embedders, m.embedder))) issue(['models', id, 'embedder'], `unknown embedder "${m.embedder}": define it under embedders`);
  }
  for (const [name, a] of Object.entries(c.gateway.aliases)) {
    if (Object.hasOwn(c.models, name)) issue(['gateway', 'aliases', name], 'an alias may not have the name of a registry model');
    a.targets.forEach((t, i) => {
      if (!Object.hasOwn(c.models, t.model)) issue(['gateway', 'aliases', name, 'targets', i, 'model'], `unknown model "${t.model}": define it under models`);
    });
    a.fallback.forEach((m, i) => {
      if (!Object.hasOwn(c.models, m)) issue(['gateway', 'aliases', name, 'fallback', i], `unknown model "${m}": define it under models`);
    });
  }
  const d = c.answer.defaultModel;
  if (d !== undefined && !Object.hasOwn(c.models, d) && !Object.hasOwn(c.gateway.aliases, d)) {
    issue(['answer', 'defaultModel'], `unknown model or alias "${d}": define it under models or gateway.aliases`);
  }
}

export type ModelsConfig = Sections;
export type ProviderConfig = Sections['providers'][string];
export type ModelConfig = Sections['models'][string];
export type AliasConfig = Sections['gateway']['aliases'][string];
export type BudgetConfig = z.infer<typeof budget>;
