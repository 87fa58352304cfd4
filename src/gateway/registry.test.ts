import assert from 'node:assert/strict';
import { it } from 'node:test';
import { validateConfig } from '../core/config.js';
import { StrataError } from '../core/errors.js';
import { buildRegistry, costOf } from './registry.js';

it('refuses a registry naming unknown providers or models, and an alias shadowing a model, at load time', () => {
  assert.throws(
    () =>
      validateConfig(
        {
          providers: { p: { kind: 'ollama' } },
          models: { m: { provider: 'nope', contextWindow: 1000 }, n: { provider: 'p', contextWindow: 1000 } },
          gateway: { aliases: { a: { targets: [{ model: 'ghost' }], fallback: ['n', 'ghost2'] }, n: { targets: [{ model: 'n' }] } } },
        },
        'test',
      ),
    (e: StrataError) => {
      assert.equal(e.code, 'config');
      for (const s of ['models.m.provider: unknown provider "nope"', 'gateway.aliases.a.targets.0.model: unknown model "ghost"', 'gateway.aliases.a.fallback.1: unknown model "ghost2"', 'gateway.aliases.n: an alias may not have the name']) {
        assert.ok(e.message.includes(s), `${s}\n${e.message}`);
      }
      return true;
    },
  );
  assert.throws(() => validateConfig({ providers: { p: { kind: 'llama-cpp' } } }, 'test'), /modelPath/);
});

it('defaults a model to public data only and costs usage exactly', () => {
  const c = validateConfig({ providers: { p: { kind: 'ollama' } }, models: { m: { provider: 'p', contextWindow: 1000, pricing: { input: 3, output: 15 } } } }, 'test');
  const e = buildRegistry(c.models).get('m')!;
  assert.deepEqual(e.clearedFor, ['public']);
  assert.equal(e.model, 'm');
  assert.equal(e.stage, 'exploration');
  // No cached price: cached input is billed as input. 1234 × 3 + 567 × 15 = 12207 µUSD.
  assert.equal(costOf(e, { inputTokens: 1234, cachedInputTokens: 200, outputTokens: 567, reasoningTokens: 100 }), 0.012207);
  assert.equal(costOf(e, { inputTokens: 0, outputTokens: 0 }), 0);
});
