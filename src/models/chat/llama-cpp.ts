// Local GGUF models through node-llama-cpp 3 (`getLlama` → `loadModel({ modelPath })` → a context → one sequence
// → a `LlamaChatSession` per request, whose chat wrapper applies the model's own prompt template). The library is
// imported lazily, on the first call, so configurations without a local model never load the native addon. The
// model is loaded once and shared; requests run one at a time on its single sequence.
//
// Mapping: system/user/assistant turns become the session's chat history, the last user turn is the prompt.
// Tool calling is refused (node-llama-cpp runs functions in-process, which does not fit a contract that hands
// tool calls back to the caller); JSON mode is dropped like any unsupported parameter (see params.ts).
import { open, stat } from 'node:fs/promises';
import { StrataError } from '../../core/errors.js';
import { providerError } from '../http.js';
import type { ChatEvent, ChatMessage, ChatModel, ChatRequest, FinishReason } from '../types.js';
import { applyParams, type ParamTable } from './params.js';
import { collect, configError, endOfStream, usageOf, type ChatProviderConfig } from './shared.js';

const PROVIDER = 'llama-cpp';

const params: ParamTable = {
  maxTokens: { to: 'maxTokens', min: 1 },
  temperature: { to: 'temperature', min: 0, max: 2 },
  topP: { to: 'topP', min: 0, max: 1 },
  stop: { to: 'customStopTriggers' },
  seed: { to: 'seed' },
  unsupported: ['responseFormat'],
};

/** The parts of node-llama-cpp this adapter uses, typed structurally so tests can inject a stand-in. */
export type LlamaHistoryItem = { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };
interface LlamaSequence {
  tokenMeter: { usedInputTokens: number; usedOutputTokens: number };
}
interface LlamaSession {
  setChatHistory(history: LlamaHistoryItem[]): void;
  promptWithMeta(prompt: string, options: Record<string, unknown>): Promise<{ responseText: string; stopReason: string }>;
  dispose(options?: { disposeSequence?: boolean }): void;
}
export interface LlamaBindings {
  getLlama(): Promise<{
    loadModel(options: { modelPath: string }): Promise<{
      createContext(options?: { contextSize?: number }): Promise<{ getSequence(): LlamaSequence }>;
    }>;
  }>;
  LlamaChatSession: new (options: { contextSequence: LlamaSequence }) => LlamaSession;
}

export interface LlamaCppDeps {
  /** Defaults to `import('node-llama-cpp')`. */
  loadBindings?: () => Promise<LlamaBindings>;
}

const GET_A_MODEL =
  'download a GGUF model (for example `npx --no node-llama-cpp pull --dir ./models <hugging face url of a .gguf file>`, or any *.gguf file from Hugging Face) and set modelPath to the file';

/** Fails with a clear error unless `path` is a readable GGUF file (checked by its magic bytes). */
export async function checkGgufFile(path: string): Promise<void> {
  const refuse = (what: string, cause?: unknown) =>
    new StrataError(`provider:${PROVIDER}`, 'config', `the llama-cpp model file ${path} ${what}`, { cause, details: { provider: PROVIDER, modelPath: path }, hint: GET_A_MODEL });
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw refuse((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
  if (!info.isFile()) throw refuse('is not a file');
  const magic = Buffer.alloc(4);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(magic, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw refuse(`cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
  if (magic.toString('latin1') !== 'GGUF') throw refuse('is not a GGUF model (it does not start with the GGUF signature)');
}

/** Chat turns → node-llama-cpp history plus the prompt (the final user turn). */
export function toLlamaChat(messages: readonly ChatMessage[]): { history: LlamaHistoryItem[]; prompt: string } {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') {
    throw new StrataError(`provider:${PROVIDER}`, 'invalid-input', 'a llama-cpp request must end with a user message', { hint: 'append the user turn the model should answer' });
  }
  const history: LlamaHistoryItem[] = [];
  for (const m of messages.slice(0, -1)) {
    if (m.role === 'tool' || m.toolCalls?.length) {
      throw new StrataError(`provider:${PROVIDER}`, 'invalid-input', 'llama-cpp models do not take tool calls or tool results', { hint: 'route tool use to a provider that supports tools' });
    }
    if (m.role === 'system') history.push({ type: 'system', text: m.content });
    else if (m.role === 'user') history.push({ type: 'user', text: m.content });
    else history.push({ type: 'model', response: [m.content] });
  }
  return { history, prompt: last.content };
}

/** node-llama-cpp's stop reasons in Strata's terms. */
export function llamaFinish(stopReason: string): FinishReason {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'functionCalls') return 'tool_calls';
  return 'stop'; // eogToken, stopGenerationTrigger, customStopTrigger
}

export default function createLlamaCppChat(config: ChatProviderConfig, deps: LlamaCppDeps = {}): ChatModel {
  const modelPath = config.modelPath;
  if (!modelPath) throw configError(PROVIDER, 'llama-cpp needs modelPath, the GGUF file to run', GET_A_MODEL);
  const loadBindings = deps.loadBindings ?? (async () => (await import('node-llama-cpp')) as unknown as LlamaBindings);
  let loaded: Promise<{ bindings: LlamaBindings; sequence: LlamaSequence }> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function load() {
    await checkGgufFile(modelPath!);
    let bindings: LlamaBindings;
    try {
      bindings = await loadBindings();
    } catch (e) {
      throw providerError(PROVIDER, 'unavailable', `node-llama-cpp could not be loaded: ${(e as Error).message}`, { cause: e });
    }
    try {
      const llama = await bindings.getLlama();
      const model = await llama.loadModel({ modelPath: modelPath! });
      const context = await model.createContext(config.contextSize ? { contextSize: config.contextSize } : undefined);
      return { bindings, sequence: context.getSequence() };
    } catch (e) {
      throw new StrataError(`provider:${PROVIDER}`, 'unavailable', `node-llama-cpp could not load ${modelPath}: ${(e as Error).message}`, {
        cause: e,
        details: { kind: 'unavailable', provider: PROVIDER, modelPath },
        hint: 'the file may be truncated or corrupt, or too new for node-llama-cpp 3.21; download it again, or another quantisation of the model',
      });
    }
  }

  const ready = () => {
    loaded ??= load().catch((e: unknown) => {
      loaded = undefined; // a file fixed later is picked up by the next call
      throw e;
    });
    return loaded;
  };

  async function* run(req: ChatRequest): AsyncGenerator<ChatEvent> {
    if (req.tools?.length) {
      throw new StrataError(`provider:${PROVIDER}`, 'invalid-input', 'llama-cpp models do not take tools', { hint: 'route tool use to a provider that supports tools' });
    }
    const { history, prompt } = toLlamaChat(req.messages);
    const options = applyParams(PROVIDER, params, req).body;
    const { bindings, sequence } = await ready();

    // One generation at a time on the single sequence; text chunks flow through a small queue.
    const chunks: string[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    // A consumer that stops reading stops the generation too.
    const stop = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal;
    const generation = queue.then(async () => {
      const before = { ...sequence.tokenMeter }; // inside the queue: counts only this request's tokens
      const session = new bindings.LlamaChatSession({ contextSequence: sequence });
      try {
        session.setChatHistory(history);
        const meta = await session.promptWithMeta(prompt, { ...options, signal, onTextChunk: (t: string) => (chunks.push(t), notify()) });
        const m = sequence.tokenMeter;
        return { meta, usage: usageOf(m.usedInputTokens - before.usedInputTokens, m.usedOutputTokens - before.usedOutputTokens) };
      } finally {
        session.dispose({ disposeSequence: false });
      }
    });
    queue = generation.catch(() => undefined);
    void generation.finally(() => ((done = true), notify())).catch(() => undefined);

    try {
      while (!done || chunks.length > 0) {
        if (chunks.length > 0) yield { type: 'text', text: chunks.shift()! };
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!done) stop.abort(new Error('the consumer stopped reading'));
    }
    let result;
    try {
      result = await generation;
    } catch (e) {
      if (req.signal?.aborted) throw providerError(PROVIDER, 'aborted', 'the llama-cpp generation was cancelled', { cause: e });
      throw providerError(PROVIDER, 'unavailable', `the llama-cpp generation failed: ${(e as Error).message}`, { cause: e });
    }
    yield* endOfStream([], result.usage, llamaFinish(result.meta.stopReason), req.model);
  }

  return {
    provider: PROVIDER,
    complete: (req) => collect(run(req)),
    stream: run,
  };
}
