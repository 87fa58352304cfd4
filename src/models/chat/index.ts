// Chat-model providers behind one contract (ChatModel in ../types.ts). `createChatModel` turns one provider
// config into an adapter; the list below is the only registry (one line per adapter file).
//
// Conventions every adapter follows (checked by conformance.testkit.ts):
// - Usage: inputTokens counts every input token, cached ones included (cachedInputTokens says how many of them
//   came from the provider's prompt cache); outputTokens counts every output token, hidden reasoning included
//   (reasoningTokens says how many). Vendors that count differently (Anthropic, Gemini) are converted.
// - Streams: text deltas in order, then each tool call once and complete, then exactly one usage event, then
//   exactly one finish. A stream that stops before the vendor's terminal event, an error event inside a stream,
//   a line that is not JSON, or a silence longer than timeoutMs throws a StrataError (details.kind:
//   unavailable, rate-limit, context-length, auth, malformed, timeout…): never a partial success.
// - Errors never contain the API key (the HTTP client redacts configured secrets and key-shaped strings).
// - Parameters are mapped by data (params.ts): unsupported ones are dropped, out-of-range ones refused.
import type { ChatModel } from '../types.js';
import createAnthropicChat from './anthropic.js';
import createAzureOpenAiChat from './azure-openai.js';
import createCohereChat from './cohere.js';
import createGeminiChat from './gemini.js';
import createLlamaCppChat from './llama-cpp.js';
import createMistralChat from './mistral.js';
import createOllamaChat from './ollama.js';
import createOpenAiChat from './openai.js';
import createOpenAiCompatibleChat from './openai-compatible.js';
import { configError, type ChatAdapterDeps, type ChatProviderConfig, type ChatProviderName } from './shared.js';

export type { ChatAdapterDeps, ChatProviderConfig, ChatProviderName } from './shared.js';
export { applyParams, type ParamTable } from './params.js';

const FACTORIES: Record<ChatProviderName, (config: ChatProviderConfig, deps?: ChatAdapterDeps) => ChatModel> = {
  openai: createOpenAiChat,
  'azure-openai': createAzureOpenAiChat,
  anthropic: createAnthropicChat,
  gemini: createGeminiChat,
  mistral: createMistralChat,
  cohere: createCohereChat,
  ollama: createOllamaChat,
  'openai-compatible': createOpenAiCompatibleChat,
  'llama-cpp': (config) => createLlamaCppChat(config),
};

/** Provider names `createChatModel` accepts (for the config schema and error messages). */
export const CHAT_PROVIDERS = Object.keys(FACTORIES) as ChatProviderName[];

/**
 * The adapter for one configured provider. Configuration mistakes (unknown provider, missing key, deployment,
 * baseUrl or modelPath) fail here with a `config` StrataError; nothing is contacted until the first call.
 */
export function createChatModel(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const factory = Object.hasOwn(FACTORIES, config.provider) ? FACTORIES[config.provider] : undefined;
  if (!factory) {
    throw configError(String(config.provider), `unknown chat provider "${String(config.provider)}"`, `use one of: ${CHAT_PROVIDERS.join(', ')}`);
  }
  if (!Number.isFinite(config.timeoutMs) || config.timeoutMs <= 0) {
    throw configError(config.provider, `timeoutMs must be a positive number of milliseconds, got ${config.timeoutMs}`, 'set timeoutMs, e.g. 60000');
  }
  if (!Number.isInteger(config.maxRetries) || config.maxRetries < 0) {
    throw configError(config.provider, `maxRetries must be a whole number ≥ 0, got ${config.maxRetries}`, 'set maxRetries, e.g. 2');
  }
  return factory(config, deps);
}
