// Finding and loading a local transformers.js (ONNX) model, shared by the local embedder and the local reranker.
// transformers.js is imported lazily (it pulls in onnxruntime-node) and its global `env` is set per load: remote
// downloads only when the config allows them, so an offline deployment fails fast with a clear error instead
// of hanging on the network.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StrataError } from '../../core/errors.js';

export interface LocalModelSettings {
  /** Hugging Face id, or the name the model is known by when `modelPath` is set. */
  model: string;
  modelPath?: string;
  cacheDir?: string;
  allowRemote: boolean;
  dtype?: string;
}

/** The part of transformers.js we use, typed structurally so the package stays an optional, lazy dependency. */
export type Transformers = typeof import('@huggingface/transformers');

export interface ResolvedModel {
  /** What to pass to transformers.js `from_pretrained` / `pipeline`. */
  id: string;
  options: { cache_dir: string; local_files_only: boolean; dtype?: string };
  lib: Transformers;
}

const howToObtain = (model: string) =>
  `on a machine with internet access run \`huggingface-cli download ${model} --local-dir ${basename(model)}\` ` +
  `(or \`git lfs install && git clone https://huggingface.co/${model}\`), copy the folder here and set "modelPath" to it; ` +
  'or set "allowRemote: true" to let Strata download it into "cacheDir" on first use';

export async function resolveLocalModel(component: string, s: LocalModelSettings, dataDir: string): Promise<ResolvedModel> {
  const cacheDir = resolve(s.cacheDir ?? join(dataDir, 'models'));
  let id = s.model;
  let localRoot: string | undefined;
  if (s.modelPath) {
    const dir = resolve(s.modelPath);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new StrataError(component, 'unavailable', `local model "${s.model}" not found: ${dir} has no config.json`, {
        details: { model: s.model, modelPath: dir },
        hint: howToObtain(s.model),
      });
    }
    localRoot = dirname(dir);
    id = basename(dir);
  } else if (!s.allowRemote && !existsSync(join(cacheDir, s.model, 'config.json'))) {
    throw new StrataError(component, 'unavailable', `local model "${s.model}" is not in ${cacheDir} and downloading is off (allowRemote: false)`, {
      details: { model: s.model, cacheDir },
      hint: howToObtain(s.model),
    });
  }
  let lib: Transformers;
  try {
    lib = await import('@huggingface/transformers');
  } catch (e) {
    throw new StrataError(component, 'unavailable', 'the @huggingface/transformers package cannot be loaded', { cause: e, hint: 'run npm ci (it is a dependency of Strata)' });
  }
  // Global settings of the library: set right before each load, which reads them.
  lib.env.allowRemoteModels = s.allowRemote && !s.modelPath;
  lib.env.allowLocalModels = true;
  lib.env.localModelPath = localRoot ? `${localRoot}/` : `${cacheDir}/`;
  lib.env.cacheDir = cacheDir;
  return { id, options: { cache_dir: cacheDir, local_files_only: !s.allowRemote || Boolean(s.modelPath), ...(s.dtype ? { dtype: s.dtype } : {}) }, lib };
}

/** Wraps a failure of transformers.js while loading, naming the model and how to get it. */
export function loadFailure(component: string, s: LocalModelSettings, cause: unknown): StrataError {
  const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new StrataError(component, 'unavailable', `cannot load local model "${s.model}"${s.modelPath ? ` from ${s.modelPath}` : ''}: ${why}`, {
    cause,
    details: { model: s.model, modelPath: s.modelPath },
    hint: `check that the folder holds the ONNX export (onnx/model${s.dtype && s.dtype !== 'fp32' ? `_${s.dtype}` : ''}.onnx) and tokenizer files; ${howToObtain(s.model)}`,
  });
}
