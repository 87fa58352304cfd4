// llama-cpp adapter. No GGUF model is available here, so: the real error paths for missing/unreadable/non-GGUF
// files, the message and stop-reason mapping, and the whole request flow against a stand-in for node-llama-cpp
// (the structural subset the adapter uses), which records what the adapter asked of it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import type { ChatEvent } from '../types.js';
import { createChatModel } from './index.js';
import createLlamaCppChat, { checkGgufFile, llamaFinish, toLlamaChat, type LlamaBindings, type LlamaHistoryItem } from './llama-cpp.js';

let dir: string;
let gguf: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-llama-'));
  gguf = join(dir, 'tiny.gguf');
  await writeFile(gguf, Buffer.concat([Buffer.from('GGUF', 'latin1'), Buffer.alloc(28)]));
  await writeFile(join(dir, 'notes.txt'), 'not a model');
});
after(() => rm(dir, { recursive: true, force: true }));

const config = (modelPath?: string) => ({ provider: 'llama-cpp' as const, modelPath, timeoutMs: 1000, maxRetries: 0 });
const ask = { model: 'local', messages: [{ role: 'user' as const, content: 'hi' }] };

async function failure(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StrataError);
    return e;
  }
  assert.fail('expected a failure');
}

it('llama-cpp: no modelPath is a config error at creation', () => {
  assert.throws(() => createChatModel(config()), (e: StrataError) => e.code === 'config' && /modelPath/.test(e.message) && /GGUF/.test(e.hint ?? ''));
});

it('llama-cpp: a missing file names the path and how to get a GGUF model, before loading node-llama-cpp', async () => {
  let loaded = false;
  const missing = join(dir, 'absent.gguf');
  const m = createLlamaCppChat(config(missing), { loadBindings: async () => ((loaded = true), ({} as LlamaBindings)) });
  const e = await failure(m.complete(ask));
  assert.equal(e.code, 'config');
  assert.match(e.message, /absent\.gguf does not exist/);
  assert.match(e.hint ?? '', /node-llama-cpp pull/);
  assert.equal(e.details.modelPath, missing);
  assert.equal(loaded, false);
});

it('llama-cpp: a directory or a file that is not GGUF is refused clearly', async () => {
  await assert.rejects(checkGgufFile(dir), /is not a file/);
  await assert.rejects(checkGgufFile(join(dir, 'notes.txt')), /is not a GGUF model/);
  await checkGgufFile(gguf);
});

it('llama-cpp: turns map to chat history, the last user turn is the prompt; tools are refused', () => {
  const { history, prompt } = toLlamaChat([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'How are you?' },
  ]);
  assert.deepEqual(history, [
    { type: 'system', text: 'Be brief.' },
    { type: 'user', text: 'Hi' },
    { type: 'model', response: ['Hello!'] },
  ]);
  assert.equal(prompt, 'How are you?');
  assert.throws(() => toLlamaChat([{ role: 'assistant', content: 'x' }]), /must end with a user message/);
  assert.throws(() => toLlamaChat([{ role: 'tool', content: '1', toolCallId: 'a' }, { role: 'user', content: 'x' }]), /tool/);
  assert.equal(llamaFinish('maxTokens'), 'length');
  assert.equal(llamaFinish('eogToken'), 'stop');
  assert.equal(llamaFinish('customStopTrigger'), 'stop');
});

function fakeBindings(log: { history?: LlamaHistoryItem[]; prompt?: string; options?: Record<string, unknown>; loads: number }, stopReason = 'eogToken', fail?: Error): LlamaBindings {
  const meter = { usedInputTokens: 100, usedOutputTokens: 50 }; // earlier use of the sequence must not count
  const sequence = { tokenMeter: meter };
  return {
    async getLlama() {
      return {
        async loadModel({ modelPath }: { modelPath: string }) {
          log.loads++;
          assert.equal(modelPath, gguf);
          return { createContext: async () => ({ getSequence: () => sequence }) };
        },
      };
    },
    LlamaChatSession: class {
      setChatHistory(h: LlamaHistoryItem[]) {
        log.history = h;
      }
      async promptWithMeta(prompt: string, options: Record<string, unknown>) {
        log.prompt = prompt;
        log.options = options;
        if (fail) throw fail;
        for (const t of ['Hel', 'lo']) (options.onTextChunk as (t: string) => void)(t);
        meter.usedInputTokens += 7;
        meter.usedOutputTokens += 2;
        return { responseText: 'Hello', stopReason };
      }
      dispose() {}
    },
  };
}

it('llama-cpp: streams text, then usage from the token meter, then one finish; the model loads once', async () => {
  const log = { loads: 0 } as { history?: LlamaHistoryItem[]; prompt?: string; options?: Record<string, unknown>; loads: number };
  const m = createLlamaCppChat(config(gguf), { loadBindings: async () => fakeBindings(log) });
  const events: ChatEvent[] = [];
  const req = { ...ask, messages: [{ role: 'system' as const, content: 'Be brief.' }, ...ask.messages], maxTokens: 64, temperature: 0.2, topP: 0.9, seed: 3, stop: ['END'], responseFormat: 'json' as const };
  for await (const e of m.stream(req)) events.push(e);
  assert.deepEqual(events, [
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } },
    { type: 'finish', finishReason: 'stop', model: 'local' },
  ]);
  assert.deepEqual(log.history, [{ type: 'system', text: 'Be brief.' }]);
  assert.equal(log.prompt, 'hi');
  const { onTextChunk, signal, ...mapped } = log.options!;
  assert.equal(typeof onTextChunk, 'function');
  assert.ok(signal instanceof AbortSignal);
  assert.deepEqual(mapped, { maxTokens: 64, temperature: 0.2, topP: 0.9, seed: 3, customStopTriggers: ['END'] }, 'responseFormat is dropped');
  const r = await m.complete(ask);
  assert.equal(r.text, 'Hello');
  assert.equal(log.loads, 1);
});

it('llama-cpp: maxTokens stop is a length finish; a failing generation is a StrataError', async () => {
  const log = { loads: 0 };
  const m = createLlamaCppChat(config(gguf), { loadBindings: async () => fakeBindings(log, 'maxTokens') });
  assert.equal((await m.complete(ask)).finishReason, 'length');
  const broken = createLlamaCppChat(config(gguf), { loadBindings: async () => fakeBindings({ loads: 0 }, 'eogToken', new Error('context overflow')) });
  const e = await failure(broken.complete(ask));
  assert.equal(e.details.kind, 'unavailable');
  assert.match(e.message, /context overflow/);
  await assert.rejects(m.complete({ ...ask, tools: [{ name: 'f', parameters: {} }] }), /do not take tools/);
});

it('llama-cpp: node-llama-cpp failing to load is a clear unavailable error', async () => {
  const m = createLlamaCppChat(config(gguf), {
    loadBindings: async () => {
      throw new Error('no prebuilt binary for this platform');
    },
  });
  const e = await failure(m.complete(ask));
  assert.equal(e.details.kind, 'unavailable');
  assert.match(e.message, /node-llama-cpp could not be loaded: no prebuilt binary/);
});
