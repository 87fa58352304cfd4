// Context packing: which retrieved chunks go into the prompt, within the model's token budget.
// budget = contextWindow − reserved answer tokens − prompt (instructions, question, per-message overhead)
//          − a safety margin (vendors tokenize differently; we count with gpt-tokenizer's o200k_base).
// Chunks go in rank order; when the next one does not fit, its leading whole sentences are kept if at least
// one fits (and the source says "[excerpt]"), then packing stops: lower-ranked chunks are dropped first and a
// chunk is never cut mid-sentence.
import { StrataError } from '../core/errors.js';
import { splitSentences } from './text.js';

/** Counts tokens the way OpenAI's current models do; an approximation for other vendors (hence the margin). */
export type CountTokens = (text: string) => number;

let counter: Promise<CountTokens> | undefined;

/** gpt-tokenizer's o200k_base, loaded once on first use (its tables are large). Text is data: no special tokens. */
export function loadCounter(): Promise<CountTokens> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then(
    (m) => {
      const plain = { disallowedSpecial: new Set<string>() };
      return (text: string) => m.default.countTokens(text, plain);
    },
    (cause: unknown) => {
      counter = undefined;
      throw new StrataError('answer', 'unavailable', 'cannot load the gpt-tokenizer o200k_base encoding', { cause, hint: 'reinstall dependencies (npm ci)' });
    },
  );
  return counter;
}

/** Tokens a chat message costs beyond its text (role and separators), per OpenAI's chat format. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Tokens the reply is primed with. */
export const REPLY_PRIMING_TOKENS = 3;

export interface PackCandidate {
  chunkId: string;
  /** The source block exactly as the prompt will show it, given the chunk's text. */
  render(text: string, truncated: boolean): string;
  text: string;
}

export interface Packed<T extends PackCandidate> {
  /** `text` is what the model sees of the chunk: all of it, or its leading sentences when `truncated`. */
  included: { candidate: T; block: string; text: string; truncated: boolean; tokens: number }[];
  dropped: T[];
  usedTokens: number;
}

/** Packs candidates (best first) into `budget` tokens; see the rule at the top of this file. */
export function packContext<T extends PackCandidate>(candidates: readonly T[], budget: number, count: CountTokens): Packed<T> {
  const included: Packed<T>['included'] = [];
  let used = 0;
  let i = 0;
  for (; i < candidates.length; i++) {
    const c = candidates[i]!;
    const block = c.render(c.text, false);
    const tokens = count(block);
    if (used + tokens <= budget) {
      included.push({ candidate: c, block, text: c.text, truncated: false, tokens });
      used += tokens;
      continue;
    }
    const excerpt = leadingSentencesWithin(c, budget - used, count);
    if (excerpt) {
      included.push({ candidate: c, ...excerpt, truncated: true });
      used += excerpt.tokens;
      i++;
    }
    break;
  }
  return { included, dropped: candidates.slice(i), usedTokens: used };
}

/** The longest run of leading whole sentences whose rendered block fits `room` tokens, if one sentence does. */
function leadingSentencesWithin(c: PackCandidate, room: number, count: CountTokens): { block: string; text: string; tokens: number } | undefined {
  if (room <= 0) return undefined;
  const spans = splitSentences(c.text);
  // Binary search on the number of sentences: token counts grow with the prefix.
  let lo = 0;
  let hi = spans.length - 1;
  let best: { block: string; text: string; tokens: number } | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const text = c.text.slice(0, spans[mid]!.end);
    const block = c.render(text, true);
    const tokens = count(block);
    if (tokens <= room) {
      best = { block, text, tokens };
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Budget for sources: what the model can read, minus the answer, the prompt and the safety margin. */
export function sourceBudget(input: { contextWindow: number; answerTokens: number; promptTokens: number; safetyMargin: number; cap?: number }): number {
  const margin = Math.ceil(input.contextWindow * input.safetyMargin);
  const room = input.contextWindow - input.answerTokens - input.promptTokens - margin;
  return Math.max(0, input.cap === undefined ? room : Math.min(room, input.cap));
}
