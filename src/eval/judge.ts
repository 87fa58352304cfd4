// Judge-model variants of the answer metrics, through the model gateway. Each metric is one call with a
// fixed prompt asking for one JSON object; the reply is parsed strictly (an optional ```json fence is the
// only tolerance). A reply that does not parse or does not match the schema is *unparsable*: the metric is
// null for that query and counted in `judgeFailures`, never scored as 0.
import { z } from 'zod';
import { describeError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import type { Gateway } from '../gateway/types.js';
import { splitClaims, type AnswerInput, type AnswerMetric, type AnswerScores } from './answer-metrics.js';

export interface JudgeOptions {
  gateway: Gateway;
  /** Gateway alias of the judge model. */
  alias: string;
  workspaceId: string;
  /** Classification of the dataset's documents: the gateway refuses a judge not cleared for it. */
  classification?: Classification;
  signal?: AbortSignal;
}

export interface JudgeOutcome {
  scores: AnswerScores;
  /** Metrics whose verdict could not be parsed, with the reason. */
  failures: { metric: AnswerMetric; reason: string }[];
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** Parses a judge reply: exactly one JSON object, optionally inside one ``` fence, matching `schema`. */
export function parseVerdict<T>(text: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; reason: string } {
  let body = text.trim();
  const fence = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(body);
  if (fence) body = fence[1]!.trim();
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, reason: `not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  const res = schema.safeParse(raw);
  if (!res.success) return { ok: false, reason: `unexpected shape: ${res.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}` };
  return { ok: true, value: res.data };
}

const unit = z.number().min(0).max(1);
const FaithfulnessVerdict = z.object({ claims: z.array(z.object({ claim: z.string(), supported: z.boolean() })) });
const ScoreVerdict = z.object({ score: unit, reason: z.string().optional() });
const CitationVerdict = z.object({
  sentences: z.array(z.object({ supported: z.boolean() })),
  citations: z.array(z.object({ supports: z.boolean() })),
});

const SYSTEM = 'You are a strict evaluator of answers produced by a retrieval-augmented system. Reply with one JSON object and nothing else.';

function contextBlock(input: AnswerInput): string {
  return input.context.map((c, i) => `[${i + 1}] (chunk ${c.chunkId})\n${c.text}`).join('\n\n');
}

interface Task<T> {
  metric: AnswerMetric;
  prompt: string;
  schema: z.ZodType<T>;
  score(v: T): number | null;
}

/** Each task keeps its own verdict type; the list holds them type-erased. */
const task = <T>(t: Task<T>): Task<unknown> => t as unknown as Task<unknown>;

function tasks(input: AnswerInput): Task<unknown>[] {
  const claims = splitClaims(input.answer);
  const out: Task<unknown>[] = [
    task({
      metric: 'faithfulness',
      prompt:
        `Context:\n${contextBlock(input)}\n\nAnswer:\n${input.answer}\n\n` +
        'Split the answer into atomic factual claims. For each, say whether the context alone supports it. ' +
        'Reply as {"claims":[{"claim":"...","supported":true|false}]}.',
      schema: FaithfulnessVerdict,
      score: (v: z.infer<typeof FaithfulnessVerdict>) => (v.claims.length === 0 ? null : v.claims.filter((c) => c.supported).length / v.claims.length),
    }),
    task({
      metric: 'answerRelevance',
      prompt:
        `Question:\n${input.question}\n\nAnswer:\n${input.answer}\n\n` +
        'How directly and completely does the answer address the question (ignore whether it is true)? ' +
        'Reply as {"score": a number from 0 to 1, "reason": "..."}.',
      schema: ScoreVerdict,
      score: (v: z.infer<typeof ScoreVerdict>) => v.score,
    }),
  ];
  if (input.reference !== undefined && input.reference.trim() !== '') {
    out.push(task({
      metric: 'correctness',
      prompt:
        `Question:\n${input.question}\n\nReference answer:\n${input.reference}\n\nCandidate answer:\n${input.answer}\n\n` +
        'How far does the candidate agree with the reference (1 = same facts, 0 = contradicts or misses them)? ' +
        'Reply as {"score": a number from 0 to 1, "reason": "..."}.',
      schema: ScoreVerdict,
      score: (v: z.infer<typeof ScoreVerdict>) => v.score,
    }));
  }
  if (input.citations.length > 0 && claims.length > 0) {
    const byId = new Map(input.context.map((c) => [c.chunkId, c.text]));
    const cites = input.citations
      .map((c, i) => `(${i + 1}) for sentence ${c.sentence === undefined ? 'any' : c.sentence + 1}: ${byId.get(c.chunkId) ?? '(chunk not in context)'}`)
      .join('\n');
    out.push(task({
      metric: 'citationRecall',
      prompt:
        `Answer sentences:\n${claims.map((s, i) => `${i + 1}. ${s}`).join('\n')}\n\nCitations:\n${cites}\n\n` +
        'For each sentence in order: is it fully supported by the citations given for it? For each citation in order: ' +
        'does it support at least one sentence it is given for? ' +
        `Reply as {"sentences":[{"supported":true|false}] (${claims.length} items),"citations":[{"supports":true|false}] (${input.citations.length} items)}.`,
      schema: CitationVerdict.refine((v) => v.sentences.length === claims.length && v.citations.length === input.citations.length, {
        message: `expected ${claims.length} sentences and ${input.citations.length} citations`,
      }),
      score: (v: z.infer<typeof CitationVerdict>) => v.sentences.filter((s) => s.supported).length / v.sentences.length,
    }));
  }
  return out;
}

/** Scores one answer with the judge model; one gateway call per metric. */
export async function judgeAnswer(input: AnswerInput, options: JudgeOptions): Promise<JudgeOutcome> {
  const outcome: JudgeOutcome = {
    scores: { faithfulness: null, answerRelevance: null, correctness: null, citationPrecision: null, citationRecall: null },
    failures: [],
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
  };
  for (const task of tasks(input)) {
    let text: string;
    try {
      const res = await options.gateway.complete(
        options.alias,
        { messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: task.prompt }], temperature: 0, responseFormat: 'json', maxTokens: 1024 },
        { workspaceId: options.workspaceId, classification: options.classification, signal: options.signal },
      );
      outcome.costUsd += res.costUsd;
      outcome.inputTokens += res.usage.inputTokens;
      outcome.outputTokens += res.usage.outputTokens;
      text = res.text;
    } catch (err) {
      outcome.failures.push({ metric: task.metric, reason: `judge call failed: ${describeError(err)}` });
      continue;
    }
    const parsed = parseVerdict(text, task.schema);
    if (!parsed.ok) {
      outcome.failures.push({ metric: task.metric, reason: parsed.reason });
      if (task.metric === 'citationRecall') outcome.failures.push({ metric: 'citationPrecision', reason: parsed.reason });
      continue;
    }
    outcome.scores[task.metric] = task.score(parsed.value);
    if (task.metric === 'citationRecall') {
      const v = parsed.value as z.infer<typeof CitationVerdict>;
      outcome.scores.citationPrecision = v.citations.filter((c) => c.supports).length / v.citations.length;
    }
  }
  return outcome;
}
