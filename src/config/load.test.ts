import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './load.js';

const dir = () => mkdtempSync(join(tmpdir(), 'strata-cfg-'));

describe('config loading', () => {
  it('uses defaults when there is no file, resolving dataDir against the working directory', () => {
    const cwd = dir();
    const { config, file } = loadConfig({ cwd, env: {} });
    assert.equal(file, null);
    assert.equal(config.dataDir, join(cwd, '.strata'));
    assert.equal(config.chunking.maxTokens, 512);
    assert.deepEqual(config.search.bm25, { k1: 1.2, b: 0.75 });
  });

  it('reads strata.config.yaml and applies STRATA_* environment overrides', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'strata.config.yaml'), 'dataDir: data\nchunking:\n  maxTokens: 300\n');
    const { config, file } = loadConfig({ cwd, env: { STRATA_CHUNKING__OVERLAP_TOKENS: '20', STRATA_INGEST__OCR__ENABLED: 'false', STRATA_TEST: '1' } });
    assert.equal(file, join(cwd, 'strata.config.yaml'));
    assert.equal(config.dataDir, join(cwd, 'data'));
    assert.equal(config.chunking.maxTokens, 300);
    assert.equal(config.chunking.overlapTokens, 20);
    assert.equal(config.ingest.ocr.enabled, false);
  });

  it('names the key, the file and what is allowed for every bad value', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'strata.config.yaml'), 'chunking:\n  maxTokens: lots\n  overlap: 3\nstore:\n  driver: mongo\nsurprise: true\n');
    assert.throws(
      () => loadConfig({ cwd, env: {} }),
      (e: Error) => {
        assert.match(e.message, /strata\.config\.yaml/);
        assert.match(e.message, /chunking\.maxTokens: expected number/);
        assert.match(e.message, /chunking: unknown key "overlap"/);
        assert.match(e.message, /store\.driver: must be one of "sqlite"/);
        assert.match(e.message, /unknown key "surprise"/);
        return true;
      },
    );
  });

  it('blames the environment variable when an override is wrong', () => {
    assert.throws(() => loadConfig({ cwd: dir(), env: { STRATA_CHUNKING__MAX_TOKENS: '3' } }), /environment STRATA_CHUNKING__MAX_TOKENS[\s\S]*chunking\.maxTokens: must be ≥ 16/);
    assert.throws(() => loadConfig({ cwd: dir(), env: { STRATA_NOPE: '1' } }), /unknown key "nope"/);
  });

  it('reports YAML syntax errors and a missing explicit file', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'strata.config.yaml'), 'chunking: [unclosed\n');
    assert.throws(() => loadConfig({ cwd, env: {} }), /not valid YAML/);
    assert.throws(() => loadConfig({ cwd, file: 'missing.yaml', env: {} }), /config file not found/);
  });

  it('rejects an overlap that is not below half the chunk size', () => {
    assert.throws(() => loadConfig({ cwd: dir(), env: { STRATA_CHUNKING__MAX_TOKENS: '100', STRATA_CHUNKING__OVERLAP_TOKENS: '50' } }), /overlapTokens must be less than half/);
  });
});
