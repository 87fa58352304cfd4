// The one configuration object. Validated once at start-up (src/config/load.ts reads the file and the
// environment); everything below receives the typed result, never `process.env`.
import { z } from 'zod';
import { PRINCIPAL_ID } from './access.js';
import { StrataError } from './errors.js';
import { semanticSections } from './config-semantic.js';
import { checkModelsConfig, modelsSections } from './config-models.js';
import { evalSections } from './config-eval.js';
import { CLASSIFICATIONS } from './types.js';

const chunking = z
  .object({
    maxTokens: z.number().int().min(16).max(8192).default(512),
    overlapTokens: z.number().int().min(0).max(4096).default(64),
    tokenizer: z.enum(['cl100k_base', 'o200k_base']).default('cl100k_base'),
  })
  .strict()
  .refine((c) => c.overlapTokens < c.maxTokens / 2, {
    message: 'overlapTokens must be less than half of maxTokens',
    path: ['overlapTokens'],
  });

const analyzer = z.object({ name: z.string().min(1).default('english') }).strict();

const collectionOverride = z
  .object({
    chunking: chunking.optional(),
    analyzer: analyzer.optional(),
    classification: z.enum(CLASSIFICATIONS).optional(),
    /** Name of an entry of `embedders` this collection's vector index is built with (`strata index build`). */
    embedder: z.string().min(1).optional(),
  })
  .strict();

const ID_RULE = 'ids are 1–128 letters, digits, _ . @ + - (no spaces, ":" or "*")';
const principalId = z.string().regex(PRINCIPAL_ID, ID_RULE);

/** Users and groups of the workspace, synced into the store at start-up (search/directory.ts). */
const directory = z
  .object({
    users: z.record(z.string(), z.object({ groups: z.array(principalId).default([]) }).strict()).default({}),
    groups: z.record(z.string(), z.object({ groups: z.array(principalId).optional() }).strict()).default({}),
  })
  .strict()
  .superRefine((d, ctx) => {
    // A membership naming an undefined group would grant nothing; it is almost always a typo.
    const check = (kind: 'users' | 'groups', id: string, groups: readonly string[] | undefined) => {
      if (!PRINCIPAL_ID.test(id)) ctx.addIssue({ code: 'custom', path: [kind, id], message: `invalid id: ${ID_RULE}` });
      for (const g of groups ?? []) {
        if (!Object.hasOwn(d.groups, g)) {
          ctx.addIssue({ code: 'custom', path: [kind, id, 'groups'], message: `unknown group "${g}": define it under directory.groups` });
        }
      }
    };
    for (const [id, u] of Object.entries(d.users)) check('users', id, u.groups);
    for (const [id, g] of Object.entries(d.groups)) check('groups', id, g.groups);
  });

/** OIDC/JWT bearer tokens, verified against a JWKS (a URL, or the key set inline). */
const oidc = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwksUrl: z.url().optional(),
    /** An inline JSON Web Key Set (`{ keys: [...] }`), for deployments without a reachable JWKS endpoint. */
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** Claim naming the workspace; tokens without it act in `workspace` (the server default). */
    workspaceClaim: z.string().min(1).default('strata_workspace'),
    roleClaim: z.string().min(1).default('strata_role'),
    defaultRole: z.enum(['admin', 'editor', 'reader']).default('reader'),
    /** Claim holding the caller's groups (added to the principals as `group:<name>`). */
    groupsClaim: z.string().min(1).default('groups'),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict()
  .refine((o) => Boolean(o.jwksUrl) !== Boolean(o.jwks), { message: 'set exactly one of jwksUrl and jwks', path: ['jwksUrl'] });

const server = z
  .object({
    /** Loopback by default: exposing the API is a deliberate choice (put TLS in front of it). */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(7700),
    /** Largest accepted upload (multipart file or JSON text), in bytes. */
    maxUploadBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(25 * 1024 * 1024),
    /** Longest accepted search query, in characters. */
    maxQueryChars: z.number().int().min(16).max(100_000).default(2000),
    /** Per-credential token bucket: `burst` requests at once, refilled at `perSecond`. */
    rateLimit: z
      .object({ perSecond: z.number().positive().max(1_000_000).default(20), burst: z.number().int().min(1).max(1_000_000).default(60) })
      .strict()
      .prefault({}),
    /**
     * Server processes sharing the port (node:cluster). Node runs JavaScript on one core per process; more workers
     * use more cores. Each keeps its own search indexes in memory, and rate limits are split between them.
     */
    workers: z.number().int().min(1).max(64).default(1),
    /** Server folders that folder sources may point into; empty disables folder sources. */
    sourceRoots: z.array(z.string().min(1)).default([]),
    auth: z.object({ oidc: oidc.optional() }).strict().prefault({}),
  })
  .strict();

export const configSchema = z
  .object({
    /** Directory of the embedded store (relative paths are resolved against the config file's folder). */
    dataDir: z.string().min(1).default('.strata'),
    workspace: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/).default('default'),
    store: z.object({ driver: z.enum(['sqlite']).default('sqlite') }).strict().prefault({}),
    ingest: z
      .object({
        /** Files larger than this are refused with a per-file status instead of exhausting memory. */
        maxFileBytes: z.number().int().positive().default(100 * 1024 * 1024),
        followSymlinks: z.boolean().default(true),
        /** Glob-like patterns (`*`, `**`) of paths to skip, relative to the ingested folder. */
        exclude: z.array(z.string()).default(['**/.git/**', '**/node_modules/**', '**/.strata/**']),
        ocr: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
        /** Documents written per transaction; larger is faster, smaller loses less work on a crash. */
        batchSize: z.number().int().min(1).max(10000).default(256),
      })
      .strict()
      .prefault({}),
    chunking: chunking.prefault({}),
    search: z
      .object({
        analyzer: analyzer.prefault({}),
        bm25: z
          .object({ k1: z.number().min(0).max(5).default(1.2), b: z.number().min(0).max(1).default(0.75) })
          .strict()
          .prefault({}),
        defaultLimit: z.number().int().min(1).max(1000).default(10),
        /** Lexical answers the server keeps for repeated identical requests (per caller's principal set; 0 disables). */
        resultCacheEntries: z.number().int().min(0).max(1_000_000).default(1000),
        /** Retrieval when a request names none. Lexical stays the default: see docs/BENCHMARKS.md (SciFact, hybrid). */
        mode: z.enum(['lexical', 'vector', 'hybrid']).default('lexical'),
        /**
         * How hybrid mode fuses the lexical and vector rankings (search/fusion.ts). Unset keys take the defaults of
         * the collection's embedder (search/hybrid.ts FUSION_PRIORS: the offline `static` embedder is trusted
         * little, as measured on SciFact), else RRF with k = 60.
         */
        fusion: z
          .object({
            method: z.enum(['rrf', 'weighted']).optional(),
            rrfK: z.number().min(0).max(10_000).optional(),
            /** Weighted fusion: share of the vector list; the lexical list gets 1 − vectorWeight. */
            vectorWeight: z.number().min(0).max(1).optional(),
            normalization: z.enum(['minmax', 'zscore']).optional(),
            /** Candidates taken from each list before fusing (at least 3× the requested page). */
            candidates: z.number().int().min(10).max(10_000).optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    collections: z.record(z.string(), collectionOverride).default({}),
    directory: directory.prefault({}),
    server: server.prefault({}),
    // Sections owned by the semantic-retrieval, model-gateway and evaluation features (one file each).
    ...semanticSections,
    ...modelsSections,
    ...evalSections,
  })
  .strict()
  .superRefine(checkModelsConfig);

export type StrataConfig = z.infer<typeof configSchema>;

/** Turns raw (already parsed) config plus its origin into the typed config, or a StrataError naming every bad key. */
export function validateConfig(raw: unknown, origin: string): StrataConfig {
  const res = configSchema.safeParse(raw ?? {});
  if (res.success) return res.data;
  const lines = res.error.issues.map((i) => `  - ${describeIssue(i)}`);
  throw new StrataError('config', 'config', `invalid configuration in ${origin}:\n${lines.join('\n')}`, {
    details: { origin, issues: res.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    hint: 'fix the keys listed above; `strata --help` and README.md list every setting',
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.join('.') : '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${key === '(top level)' ? '' : `${key}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .map((k) => `"${k}"`)
        .join(', ')}`;
    case 'invalid_value':
      return `${key}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `${key}: expected ${issue.expected}`;
    case 'too_small':
      return `${key}: must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${key}: must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

/** Effective settings for a collection: its override from config, else the global defaults. */
export function collectionSettings(config: StrataConfig, name: string) {
  const o = config.collections[name];
  return {
    chunking: o?.chunking ?? config.chunking,
    analyzer: o?.analyzer ?? config.search.analyzer,
    classification: o?.classification ?? ('internal' as const),
  };
}
