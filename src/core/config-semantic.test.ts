// The embedders / rerankers sections: defaults, strict validation naming the bad key, and API keys from the
// environment through the documented variable names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { validateConfig } from './config.js';
import { StrataError } from './errors.js';

const invalid = (raw: unknown, ...patterns: RegExp[]) =>
  assert.throws(
    () => validateConfig(raw, 'test'),
    (e) => e instanceof StrataError && e.code === 'config' && patterns.every((p) => p.test(e.message)),
  );

const cwd = mkdtempSync(join(tmpdir(), 'strata-cfg-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

describe('config: embedders and rerankers', () => {
  it('fills defaults for a hosted embedder and accepts the offline one without any key', () => {
    const c = validateConfig({ embedders: { docs: { provider: 'openai', apiKey: 'sk-x' }, local: { provider: 'static' } } }, 'test');
    assert.deepEqual(c.embedders.docs, { provider: 'openai', model: 'text-embedding-3-small', apiKey: 'sk-x', concurrency: 4, requestsPerMinute: 0, timeoutMs: 60_000, maxRetries: 3 });
    assert.equal(c.embedders.local!.model, 'wink-sg-100d');
    assert.deepEqual(validateConfig({}, 'test').embedders, {});
  });

  it('names an unknown provider, a missing key, a missing base URL and unknown fields', () => {
    invalid({ embedders: { a: { provider: 'acme', model: 'x' } } }, /embedders\.a\.provider: unknown or missing provider: must be one of openai, /);
    invalid({ embedders: { a: { provider: 'cohere' } } }, /embedders\.a\.apiKey/);
    invalid({ embedders: { a: { provider: 'tei', model: 'x' } } }, /embedders\.a\.baseUrl/);
    invalid({ embedders: { a: { provider: 'azure-openai', model: 'x', apiKey: 'k', baseUrl: 'https://r.openai.azure.com' } } }, /embedders\.a\.deployment/);
    invalid({ embedders: { a: { provider: 'static', colour: 'red' } } }, /embedders\.a: unknown key "colour"/);
    invalid({ embedders: { a: { provider: 'openai', apiKey: 'k', concurrency: 0 } } }, /embedders\.a\.concurrency: must be ≥ 1/);
    invalid({ rerankers: { r: { provider: 'jina' } } }, /rerankers\.r\.apiKey/);
    invalid({ rerankers: { r: { provider: 'bm25' } } }, /rerankers\.r\.provider: unknown or missing provider: must be one of cohere, voyage, jina, transformers/);
  });

  it('takes API keys from STRATA_EMBEDDERS__<NAME>__API_KEY and STRATA_RERANKERS__<NAME>__API_KEY', () => {
    const { config } = loadConfig({
      cwd,
      env: {
        STRATA_EMBEDDERS__DOCS__PROVIDER: 'voyage',
        STRATA_EMBEDDERS__DOCS__API_KEY: 'pa-secret',
        STRATA_RERANKERS__RR__PROVIDER: 'cohere',
        STRATA_RERANKERS__RR__API_KEY: 'co-secret',
      },
    });
    assert.equal(config.embedders.docs!.provider, 'voyage');
    assert.equal((config.embedders.docs as { apiKey: string }).apiKey, 'pa-secret');
    assert.equal((config.rerankers.rr as { apiKey: string }).apiKey, 'co-secret');
  });
});
