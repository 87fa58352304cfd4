// createChatModel: every provider is reachable from config, and configuration mistakes fail early and clearly.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import { CHAT_PROVIDERS, createChatModel, type ChatProviderConfig } from './index.js';

const minimal: Record<string, Partial<ChatProviderConfig>> = {
  openai: { apiKey: 'k' },
  'azure-openai': { apiKey: 'k', baseUrl: 'https://r.openai.azure.com', deployment: 'd' },
  anthropic: { apiKey: 'k' },
  gemini: { apiKey: 'k' },
  mistral: { apiKey: 'k' },
  cohere: { apiKey: 'k' },
  ollama: {},
  'openai-compatible': { baseUrl: 'http://127.0.0.1:8000/v1' },
  'llama-cpp': { modelPath: '/models/x.gguf' },
};

it('createChatModel: every listed provider builds from its minimal config, with that provider name', () => {
  assert.deepEqual([...CHAT_PROVIDERS].sort(), Object.keys(minimal).sort());
  for (const provider of CHAT_PROVIDERS) {
    const m = createChatModel({ provider, timeoutMs: 1000, maxRetries: 0, ...minimal[provider] });
    assert.equal(m.provider, provider);
    assert.equal(typeof m.complete, 'function');
    assert.equal(typeof m.stream, 'function');
  }
});

it('createChatModel: unknown provider, missing key, bad URL, bad timeouts are config errors', () => {
  const isConfig = (re: RegExp) => (e: unknown) => e instanceof StrataError && e.code === 'config' && re.test(e.message);
  assert.throws(() => createChatModel({ provider: 'bard' as never, timeoutMs: 1000, maxRetries: 0 }), isConfig(/unknown chat provider "bard"/));
  assert.throws(() => createChatModel({ provider: 'toString' as never, timeoutMs: 1000, maxRetries: 0 }), isConfig(/unknown chat provider/));
  for (const provider of ['openai', 'anthropic', 'gemini', 'mistral', 'cohere', 'azure-openai'] as const) {
    assert.throws(() => createChatModel({ provider, timeoutMs: 1000, maxRetries: 0, deployment: 'd', baseUrl: 'https://x.test' }), isConfig(/needs an apiKey/), provider);
  }
  assert.throws(() => createChatModel({ provider: 'openai', apiKey: 'k', baseUrl: 'not a url', timeoutMs: 1000, maxRetries: 0 }), isConfig(/not a URL/));
  assert.throws(() => createChatModel({ provider: 'openai', apiKey: 'k', timeoutMs: 0, maxRetries: 0 }), isConfig(/timeoutMs/));
  assert.throws(() => createChatModel({ provider: 'openai', apiKey: 'k', timeoutMs: 1000, maxRetries: -1 }), isConfig(/maxRetries/));
});
