// Reads the config file and STRATA_* environment overrides, and validates them once into StrataConfig.
// This is the only module that reads process.env for settings; callers pass the environment in.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { StrataError } from '../core/errors.js';
import { validateConfig, type StrataConfig } from '../core/config.js';

export const DEFAULT_CONFIG_FILES = ['strata.config.yaml', 'strata.config.yml', 'strata.config.json'];
/** Environment variables that are not settings. */
const NOT_SETTINGS = new Set(['STRATA_CONFIG', 'STRATA_TEST']);

export interface LoadedConfig {
  config: StrataConfig;
  /** The file the settings came from, or null when only defaults and environment were used. */
  file: string | null;
}

export interface LoadOptions {
  /** Explicit file (from --config); it must exist. */
  file?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.file ?? env.STRATA_CONFIG;
  let file: string | null = null;
  if (explicit) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new StrataError('config', 'config', `config file not found: ${file}`, {
        hint: 'check the --config flag or STRATA_CONFIG, or run without them to use the defaults',
      });
    }
  } else {
    file = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f)) ?? null;
  }

  const raw = file ? readConfigFile(file) : {};
  const applied = applyEnv(raw, env);
  const origin = [file ?? 'defaults', ...applied.map((v) => `environment ${v}`)].join(' + ');
  const config = validateConfig(raw, origin);
  const base = file ? dirname(file) : cwd;
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(base, config.dataDir);
  return { config, file };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new StrataError('config', 'config', `cannot read config file ${file}`, { cause });
  }
  if (file.endsWith('.json')) {
    try {
      return asObject(JSON.parse(text), file);
    } catch (cause) {
      if (cause instanceof StrataError) throw cause;
      throw new StrataError('config', 'config', `${file} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new StrataError('config', 'config', `${file} is not valid YAML: ${first.message.split('\n')[0]}`, {
      cause: first,
      hint: 'fix the YAML syntax at the line shown',
    });
  }
  return asObject(doc.toJS() ?? {}, file);
}

function asObject(v: unknown, file: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new StrataError('config', 'config', `${file} must contain a mapping of settings at the top level`);
  }
  return v as Record<string, unknown>;
}

/**
 * `STRATA_CHUNKING__MAX_TOKENS=256` sets `chunking.maxTokens`; `__` separates levels, snake case becomes
 * camel case, and values are read as YAML scalars (so `true`, `12`, `[a, b]` work).
 */
function applyEnv(target: Record<string, unknown>, env: Record<string, string | undefined>): string[] {
  const applied: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('STRATA_') || NOT_SETTINGS.has(name) || value === undefined) continue;
    const path = name
      .slice('STRATA_'.length)
      .split('__')
      .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    let node = target;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      if (next === undefined || next === null || typeof next !== 'object') node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    const parsed = parseDocument(value).toJS();
    node[path[path.length - 1]!] = parsed ?? value;
    applied.push(name);
  }
  return applied;
}
