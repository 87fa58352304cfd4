// OpenAI Chat Completions (https://api.openai.com/v1/chat/completions), bearer key. `max_completion_tokens`
// rather than the deprecated `max_tokens`, which reasoning models (o-series, gpt-5) refuse.
import type { ChatModel } from '../types.js';
import { createOpenAiFormatModel } from './openai-format.js';
import type { ParamTable } from './params.js';
import { baseUrlOf, requireKey, withHeaders, type ChatAdapterDeps, type ChatProviderConfig } from './shared.js';

export const openAiParams: ParamTable = {
  maxTokens: { to: 'max_completion_tokens', min: 1 },
  temperature: { to: 'temperature', min: 0, max: 2 },
  topP: { to: 'top_p', min: 0, max: 1 },
  stop: { to: 'stop', maxItems: 4 },
  seed: { to: 'seed' },
  responseFormat: { to: 'response_format', transform: (v: 'json') => (v === 'json' ? { type: 'json_object' } : undefined) },
};

export default function createOpenAiChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'https://api.openai.com/v1');
  const key = requireKey(config);
  return createOpenAiFormatModel(
    {
      provider: 'openai',
      url: () => `${base}/chat/completions`,
      headers: withHeaders(config, { authorization: `Bearer ${key}` }),
      params: openAiParams,
      streamUsageOption: true,
    },
    config,
    deps,
  );
}
