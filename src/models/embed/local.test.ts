// Local transformers.js models without weights (tests never download): a missing model directory, a hub id not
// in the cache with downloads off, and a folder without the ONNX export each give a clear error naming the
// model and how to obtain it — for the embedder and for the cross-encoder reranker.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import { createReranker } from '../rerank/index.js';
import { createEmbedder } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-local-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = { concurrency: 1, requestsPerMinute: 0, timeoutMs: 1000, maxRetries: 0, allowRemote: false, normalize: true };

const isClear = (model: string, what: RegExp) => (e: unknown) => {
  assert.ok(e instanceof StrataError, String(e));
  assert.equal(e.code, 'unavailable');
  assert.match(e.message, new RegExp(model.replace(/[/.-]/g, '\\$&')));
  assert.match(e.message, what);
  assert.match(e.hint ?? '', /huggingface-cli download/);
  assert.match(e.hint ?? '', /modelPath/);
  return true;
};

describe('local transformers.js models: missing or offline', () => {
  it('embedder: a modelPath that does not exist', async () => {
    await assert.rejects(
      createEmbedder({ provider: 'transformers', model: 'Xenova/bge-small-en-v1.5', modelPath: join(dir, 'nope'), ...base }, { dataDir: dir }),
      isClear('Xenova/bge-small-en-v1.5', /has no config\.json/),
    );
  });

  it('embedder: a hub id not in the cache directory while downloads are off', async () => {
    await assert.rejects(
      createEmbedder({ provider: 'transformers', model: 'Xenova/all-MiniLM-L6-v2', ...base }, { dataDir: dir }),
      isClear('Xenova/all-MiniLM-L6-v2', /is not in .*models and downloading is off/),
    );
  });

  it('embedder: a folder with a config but no ONNX weights', async () => {
    const folder = join(dir, 'half-model');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 384 }));
    await assert.rejects(
      createEmbedder({ provider: 'transformers', model: 'my-half-model', modelPath: folder, ...base }, { dataDir: dir }),
      isClear('my-half-model', /cannot load local model/),
    );
  });

  it('reranker: a cross-encoder not in the cache directory while downloads are off', async () => {
    await assert.rejects(
      createReranker({ provider: 'transformers', model: 'Xenova/ms-marco-MiniLM-L-6-v2', allowRemote: false, batchSize: 8, maxLength: 512 }, { dataDir: dir }),
      isClear('Xenova/ms-marco-MiniLM-L-6-v2', /downloading is off/),
    );
  });
});
