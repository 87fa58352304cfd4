// Mistral (https://api.mistral.ai/v1/chat/completions): the OpenAI format with its own names (`random_seed`),
// a temperature range of 0–1.5, usage always in the last chunk (it refuses the unknown `stream_options`), and
// the extra finish reasons `model_length` and `error`.
import type { ChatModel } from '../types.js';
import { createOpenAiFormatModel } from './openai-format.js';
import type { ParamTable } from './params.js';
import { baseUrlOf, requireKey, withHeaders, type ChatAdapterDeps, type ChatProviderConfig } from './shared.js';

const mistralParams: ParamTable = {
  maxTokens: { to: 'max_tokens', min: 1 },
  temperature: { to: 'temperature', min: 0, max: 1.5 },
  topP: { to: 'top_p', min: 0, max: 1 },
  stop: { to: 'stop' },
  seed: { to: 'random_seed', min: 0 },
  responseFormat: { to: 'response_format', transform: (v: 'json') => (v === 'json' ? { type: 'json_object' } : undefined) },
};

export default function createMistralChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config, 'https://api.mistral.ai/v1');
  const key = requireKey(config);
  return createOpenAiFormatModel(
    {
      provider: 'mistral',
      url: () => `${base}/chat/completions`,
      headers: withHeaders(config, { authorization: `Bearer ${key}` }),
      params: mistralParams,
      streamUsageOption: false,
      finishReasons: { model_length: 'length', error: 'error' },
    },
    config,
    deps,
  );
}
