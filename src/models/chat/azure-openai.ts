// Azure OpenAI: the OpenAI format at `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`
// with an `api-key` header. The deployment, not the body's model, picks the model. `max_tokens` because every
// GA api-version accepts it (`max_completion_tokens` only arrived with the reasoning-model versions).
import type { ChatModel } from '../types.js';
import { createOpenAiFormatModel } from './openai-format.js';
import { openAiParams } from './openai.js';
import type { ParamTable } from './params.js';
import { baseUrlOf, configError, requireKey, withHeaders, type ChatAdapterDeps, type ChatProviderConfig } from './shared.js';

export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const azureParams: ParamTable = { ...openAiParams, maxTokens: { to: 'max_tokens', min: 1 } };

export default function createAzureOpenAiChat(config: ChatProviderConfig, deps?: ChatAdapterDeps): ChatModel {
  const base = baseUrlOf(config);
  const key = requireKey(config);
  if (!config.deployment) {
    throw configError('azure-openai', 'azure-openai needs a deployment name', 'set deployment to the name given to the model deployment in the Azure portal');
  }
  const url = `${base}/openai/deployments/${encodeURIComponent(config.deployment)}/chat/completions?api-version=${encodeURIComponent(config.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`;
  return createOpenAiFormatModel(
    {
      provider: 'azure-openai',
      url: () => url,
      headers: withHeaders(config, { 'api-key': key }),
      params: azureParams,
      streamUsageOption: true,
      sendModel: false,
    },
    config,
    deps,
  );
}
