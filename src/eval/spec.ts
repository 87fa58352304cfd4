// Experiment specs: a YAML file naming a dataset and a matrix of configuration axes. Parsing is strict (an
// unknown key or a bad value is an error naming the path); expansion turns the matrix into configurations,
// drops combinations that cannot run (vector or hybrid retrieval without an embedder) and merges ones that
// would compute the same thing (an embedder does not change lexical retrieval).
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { StrataError } from '../core/errors.js';
import { sha256 } from '../core/ids.js';
import { canonicalJson } from '../core/audit.js';
import type { ChunkingSettings } from '../core/types.js';

export const RETRIEVAL_MODES = ['lexical', 'vector', 'hybrid'] as const;
export type RetrievalMode = (typeof RETRIEVAL_MODES)[number];

const name = z.string().min(1).max(128);
const optionalModel = z.union([name, z.null()]).transform((v) => (v === null || v === 'none' ? null : v));
// A single value is a one-item axis; wrapping before validation keeps error paths precise (matrix.retrieval.0).
const axis = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item).min(1));
const chunkingItem = z.union([
  z.literal('collection'),
  z
    .object({
      maxTokens: z.number().int().min(16).max(8192),
      overlapTokens: z.number().int().min(0).max(4096).default(0),
      tokenizer: z.enum(['cl100k_base', 'o200k_base']).default('cl100k_base'),
    })
    .strict()
    .refine((c) => c.overlapTokens < c.maxTokens / 2, { message: 'overlapTokens must be less than half of maxTokens' }),
]);

export const specSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a name of letters, digits, "_", "." or "-"'),
    dataset: name,
    matrix: z
      .object({
        embedder: axis(optionalModel).default([null]),
        /** `collection` = the settings the dataset's collection (or the config's defaults) already has. */
        chunking: axis(chunkingItem).default(['collection']),
        retrieval: axis(z.enum(RETRIEVAL_MODES)).default(['lexical']),
        reranker: axis(optionalModel).default([null]),
        generator: axis(optionalModel).default([null]),
        topK: axis(z.number().int().min(1).max(1000)).default([10]),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        /** Retrieval cutoffs: nDCG, recall, precision, MRR and hit rate are reported at each. */
        k: z.array(z.number().int().min(1).max(1000)).min(1).default([10, 100]),
        /** The metric the recommendation and the significance tests rank by. */
        primary: z.string().min(1).optional(),
        /** Token-overlap share at which a text counts as supporting a claim (deterministic answer metrics). */
        supportThreshold: z.number().min(0).max(1).default(0.6),
      })
      .strict()
      .prefault({}),
    /** Gateway alias of a judge model: adds `judge.*` answer metrics. */
    judge: name.optional(),
    /** The recommendation takes the cheapest configuration within this much (absolute) of the best primary score. */
    tolerance: z.number().min(0).max(1).default(0.01),
    significance: z
      .object({ resamples: z.number().int().min(100).max(200_000).default(10_000), seed: z.number().int().default(42), alpha: z.number().gt(0).lt(1).default(0.05) })
      .strict()
      .prefault({}),
    /** Evaluate only the first N questions of the dataset (quick runs). */
    limit: z.number().int().min(1).optional(),
  })
  .strict();

export type ExperimentSpec = z.output<typeof specSchema>;

export interface Configuration {
  /** Short stable id: a hash of the settings below. */
  key: string;
  /** Readable summary, e.g. `lexical k=10 chunk=512/64`. */
  label: string;
  embedder: string | null;
  chunking: ChunkingSettings | 'collection';
  retrieval: RetrievalMode;
  reranker: string | null;
  generator: string | null;
  topK: number;
}

/** Parses and validates YAML text; every problem is listed with its path in one error. */
export function parseSpec(text: string, origin = 'spec'): ExperimentSpec {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new StrataError('eval', 'invalid-input', `${origin} is not valid YAML: ${doc.errors[0]!.message}`, { hint: 'check indentation and quoting' });
  }
  const res = specSchema.safeParse(doc.toJS() ?? {});
  if (!res.success) {
    const issues = res.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`);
    throw new StrataError('eval', 'invalid-input', `invalid experiment spec ${origin}:\n${issues.map((s) => `  - ${s}`).join('\n')}`, {
      details: { issues },
      hint: 'see docs/EVAL.md for the spec format',
    });
  }
  const spec = res.data;
  if (spec.metrics.primary !== undefined && !/^(ndcg|recall|precision|mrr|hit)@\d+$|^(judge\.)?(faithfulness|answerRelevance|correctness|citationPrecision|citationRecall)$/.test(spec.metrics.primary)) {
    throw new StrataError('eval', 'invalid-input', `invalid experiment spec ${origin}: metrics.primary "${spec.metrics.primary}" is not a metric`, {
      hint: 'use ndcg@K, recall@K, precision@K, mrr@K, hit@K, or an answer metric (faithfulness, answerRelevance, correctness, citationPrecision, citationRecall; prefix judge. for the judge variant)',
    });
  }
  return spec;
}

/** The metric to rank by: the spec's, else nDCG at the first cutoff. */
export function primaryMetric(spec: ExperimentSpec): string {
  return spec.metrics.primary ?? `ndcg@${spec.metrics.k[0]}`;
}

export const hashOf = (value: unknown, length = 12) => sha256(canonicalJson(value)).slice(0, length);

export function expandMatrix(spec: ExperimentSpec): { configurations: Configuration[]; skipped: string[] } {
  const m = spec.matrix;
  const out = new Map<string, Configuration>();
  const skipped: string[] = [];
  for (const chunking of m.chunking)
    for (const retrieval of m.retrieval)
      for (const embedder0 of m.embedder)
        for (const reranker of m.reranker)
          for (const generator of m.generator)
            for (const topK of m.topK) {
              if (retrieval !== 'lexical' && embedder0 === null) {
                skipped.push(`${retrieval} retrieval needs an embedder (embedder: none)`);
                continue;
              }
              // Lexical retrieval never reads vectors: every embedder gives the same configuration.
              const embedder = retrieval === 'lexical' ? null : embedder0;
              const settings = { embedder, chunking, retrieval, reranker, generator, topK };
              const key = hashOf(settings);
              if (out.has(key)) continue;
              out.set(key, { key, label: labelOf(settings), ...settings });
            }
  return { configurations: [...out.values()], skipped: [...new Set(skipped)] };
}

function labelOf(c: Omit<Configuration, 'key' | 'label'>): string {
  const parts = [c.retrieval + (c.embedder ? `(${c.embedder})` : ''), `k=${c.topK}`];
  if (c.chunking !== 'collection') parts.push(`chunk=${c.chunking.maxTokens}/${c.chunking.overlapTokens}`);
  if (c.reranker) parts.push(`rerank=${c.reranker}`);
  if (c.generator) parts.push(`gen=${c.generator}`);
  return parts.join(' ');
}
