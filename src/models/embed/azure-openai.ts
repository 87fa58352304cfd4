// Azure OpenAI embeddings: the deployment is in the path, the API version in the query, the key in `api-key`.
import type { EmbedderConfig } from '../../core/config-semantic.js';
import { httpFor, resolveModel, trimSlash, type AdapterDeps, type EmbedderAdapter } from './common.js';
import { OPENAI_MODELS, openAiStyleEmbedder } from './openai.js';

type Config = Extract<EmbedderConfig, { provider: 'azure-openai' }>;

export default function azureOpenaiEmbedder(cfg: Config, deps: AdapterDeps): EmbedderAdapter {
  const url = `${trimSlash(cfg.baseUrl)}/openai/deployments/${encodeURIComponent(cfg.deployment)}/embeddings?api-version=${encodeURIComponent(cfg.apiVersion)}`;
  return openAiStyleEmbedder({
    provider: 'azure-openai',
    model: cfg.model,
    info: resolveModel(cfg, OPENAI_MODELS, 8191),
    http: httpFor('azure-openai', cfg, deps),
    url,
    headers: { 'api-key': cfg.apiKey },
    maxBatch: Math.min(cfg.batchSize ?? 2048, 2048),
    sendModel: false,
    extraBody: { encoding_format: 'float' },
  });
}
