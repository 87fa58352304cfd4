// Any server speaking the OpenAI Chat Completions format: vLLM, llama.cpp's llama-server, LM Studio, LocalAI…
// `baseUrl` is required (the API root, e.g. http://127.0.0.1:8000/v1); the key is optional. These servers differ
// in what they report, so missing usage gives zeros rather than an error, and `max_tokens` (which all of them
// accept) is used rather than `max_completion_tokens`.
import type { ChatModel } from '../types.js';
import { createOpenAiFormatModel } from './openai-format.js';
import type { ParamTable } from './params.js';
import { baseUrlOf, withHeaders, type ChatAdapterDeps, type ChatProviderConfig } from './shared.js';

const compatibleParams: ParamTable = {
  maxTokens: { to: 'max_tokens', min: 1 },
  temperature: { to: 'temperature', min: 0, max: 2 },
  topP: { to: 'top_p', min: 0, max: 1 },
  stop: { to: 'stop' },
  seed: { to: 'seed' },
  responseFormat: { to: 'response_format', transform: (v: 'json') => (v === 'json' ? { type: 'json_object' } : undefined) },
};

export default function createOpenAiCompatibleChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config);
  return createOpenAiFormatModel(
    {
      provider: 'openai-compatible',
      url: () => `${base}/chat/completions`,
      headers: withHeaders(config, config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      params: compatibleParams,
      streamUsageOption: true,
    },
    config,
    deps,
  );
}
