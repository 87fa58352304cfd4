// Local token counts, for what providers do not report: the prompt-size check against a model's context window,
// and the usage of a stream cut before the provider sent its totals. Counted with the o200k BPE (GPT-4o family);
// other vendors' tokenizers differ by a few percent, so these counts are estimates and recorded as such.
// The encoding tables are large: loaded on first use, and the hot path avoids them (see fitsWithin).
import type { ChatMessage } from '../models/types.js';

type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

function load(): Promise<Counter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text, NO_SPECIAL));
  return counter;
}

/** Per-message framing tokens of chat formats (role markers, separators), as OpenAI documents for its models. */
const PER_MESSAGE = 4;

export const promptText = (messages: readonly ChatMessage[]): string =>
  messages.map((m) => `${m.content}${m.toolCalls?.map((t) => t.name + t.arguments).join('') ?? ''}`).join('\n');

/** The synchronous counter, once loaded (for per-piece counting of a stream). */
export const tokenCounter = (): Promise<Counter> => load();

export async function countTokens(text: string): Promise<number> {
  return (await load())(text);
}

export async function countPromptTokens(messages: readonly ChatMessage[]): Promise<number> {
  return (await countTokens(promptText(messages))) + PER_MESSAGE * messages.length;
}

/**
 * True when the messages surely fit in `limit` tokens without counting: a BPE token is at least one byte, so a
 * prompt of at most `limit` bytes (framing included) cannot exceed it. Only longer prompts are counted.
 */
export function surelyFits(messages: readonly ChatMessage[], limit: number): boolean {
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.content) + PER_MESSAGE + (m.toolCalls?.reduce((n, t) => n + t.name.length + Buffer.byteLength(t.arguments), 0) ?? 0);
  return bytes <= limit;
}
