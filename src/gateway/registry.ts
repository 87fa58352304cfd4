// The model registry as the gateway sees it: entries built from config `models:`, clearance checks against data
// classifications, and exact costs from each model's pricing.
import type { ModelsConfig } from '../core/config-models.js';
import { CLASSIFICATIONS, type Classification } from '../core/types.js';
import type { Usage } from '../models/types.js';
import type { RegistryEntry } from './types.js';

/** The higher of two classifications (undefined counts as nothing known: public). */
export function higherClassification(a: Classification | undefined, b: Classification | undefined): Classification | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return CLASSIFICATIONS.indexOf(a) >= CLASSIFICATIONS.indexOf(b) ? a : b;
}

export function buildRegistry(models: ModelsConfig['models']): Map<string, RegistryEntry> {
  const out = new Map<string, RegistryEntry>();
  for (const [id, m] of Object.entries(models)) {
    out.set(id, {
      id,
      // Embedding models are served by a configured embedder; their "provider" names it.
      provider: m.provider ?? `embedder:${m.embedder!}`,
      model: m.model ?? id,
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      pricing: { ...m.pricing },
      deployment: m.deployment,
      licence: m.licence,
      capabilities: m.embedder && !m.capabilities.includes('embeddings') ? [...m.capabilities.filter((c) => c !== 'chat'), 'embeddings'] : [...m.capabilities],
      clearedFor: [...m.clearedFor],
      stage: m.stage,
    });
  }
  return out;
}

/**
 * A model may receive text of a classification only when the registry lists it in `clearedFor`. Unclassified
 * text (no classification given) is treated as public.
 */
export const isCleared = (entry: RegistryEntry, classification: Classification | undefined): boolean =>
  entry.clearedFor.includes(classification ?? 'public');

/**
 * USD for a usage under the entry's pricing (USD per million tokens). Cached input tokens are part of
 * inputTokens (every adapter reports them that way) and billed at the cached price when one is set; reasoning
 * tokens are part of outputTokens and billed as output. Rounded to 1e-12 USD so sums do not drift in the noise.
 */
export function costOf(entry: Pick<RegistryEntry, 'pricing'>, usage: Usage): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const p = entry.pricing;
  const micro = (usage.inputTokens - cached) * p.input + cached * (p.cachedInput ?? p.input) + usage.outputTokens * p.output;
  return Math.round(micro * 1e6) / 1e12;
}

export const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cachedInputTokens: (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0),
  reasoningTokens: (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0),
});

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
