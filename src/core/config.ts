// The one configuration object. Validated once at start-up (src/config/load.ts reads the file and the
// environment); everything below receives the typed result, never `process.env`.
import { z } from 'zod';
import { StrataError } from './errors.js';

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
    classification: z.enum(['public', 'internal', 'confidential', 'restricted']).optional(),
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
        /** Worker threads for chunking large runs; 0 keeps everything on the main thread. Default: up to 2 (one per core). */
        workers: z.number().int().min(0).max(64).optional(),
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
      })
      .strict()
      .prefault({}),
    collections: z.record(z.string(), collectionOverride).default({}),
  })
  .strict();

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
