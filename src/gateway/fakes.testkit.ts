// Scripted chat models for gateway tests: each records every request it receives (so a test can prove text never
// reached a model) and answers from a script: text, usage, errors of a given kind, hangs, or streams cut mid-way.
import { providerError, type ProviderErrorKind } from '../models/http.js';
import type { ChatEvent, ChatModel, ChatRequest, ChatResult, Usage } from '../models/types.js';

export type Step =
  | { answer: string; usage?: Usage; model?: string }
  | { fail: ProviderErrorKind }
  | { hang: true }
  /** Streams `chunks` then ends without usage or finish (a cut stream); complete() fails likewise. */
  | { cut: string[] };

export interface FakeModel extends ChatModel {
  received: ChatRequest[];
  /** Signals of calls aborted by the gateway. */
  aborted: number;
}

export function fakeModel(provider: string, script: Step[] | ((n: number) => Step), options: { chunkDelayMs?: number } = {}): FakeModel {
  const received: ChatRequest[] = [];
  const stepAt = (n: number): Step => (typeof script === 'function' ? script(n) : (script[Math.min(n, script.length - 1)] ?? { answer: 'ok' }));
  const self: FakeModel = {
    provider,
    received,
    aborted: 0,
    async complete(req) {
      const step = stepAt(received.push(req) - 1);
      req.signal?.addEventListener('abort', () => self.aborted++, { once: true });
      return answer(provider, step, req);
    },
    async *stream(req) {
      const step = stepAt(received.push(req) - 1);
      req.signal?.addEventListener('abort', () => self.aborted++, { once: true });
      if ('fail' in step) throw providerError(provider, step.fail, `${provider} failed: ${step.fail}`);
      if ('hang' in step) return void (await new Promise(() => undefined));
      const pieces = 'cut' in step ? step.cut : step.answer.match(/.{1,4}/gs) ?? [''];
      for (const text of pieces) {
        if (options.chunkDelayMs) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
        if (req.signal?.aborted) throw providerError(provider, 'aborted', 'aborted');
        yield { type: 'text', text } satisfies ChatEvent;
      }
      if ('cut' in step) throw providerError(provider, 'unavailable', `the stream from ${provider} broke off`);
      yield { type: 'usage', usage: step.usage ?? usageOf(req, step.answer) };
      yield { type: 'finish', finishReason: 'stop', model: step.model ?? req.model };
    },
  };
  return self;
}

const usageOf = (req: ChatRequest, text: string): Usage => ({ inputTokens: req.messages.reduce((n, m) => n + m.content.length, 0), outputTokens: text.length });

async function answer(provider: string, step: Step, req: ChatRequest): Promise<ChatResult> {
  if ('fail' in step) throw providerError(provider, step.fail, `${provider} failed: ${step.fail}`);
  if ('hang' in step) return new Promise(() => undefined);
  if ('cut' in step) throw providerError(provider, 'unavailable', `the stream from ${provider} broke off`);
  return { text: step.answer, toolCalls: [], finishReason: 'stop', usage: step.usage ?? usageOf(req, step.answer), model: step.model ?? req.model };
}

/** A models config with sensible defaults, for validateConfig. */
export function modelEntry(provider: string, extra: Record<string, unknown> = {}) {
  return { provider, contextWindow: 8192, pricing: { input: 1, output: 2 }, clearedFor: ['public', 'internal'], ...extra };
}
