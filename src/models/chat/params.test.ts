// The generic parameter mapper: paths, transforms, defaults, the drop rule and the range rule.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StrataError } from '../../core/errors.js';
import { applyParams, mergeBody, setPath, type ParamTable } from './params.js';

const table: ParamTable = {
  maxTokens: { to: ['generationConfig', 'maxOutputTokens'], min: 1, default: 256 },
  temperature: { to: ['generationConfig', 'temperature'], min: 0, max: 1 },
  stop: { to: 'stop_sequences', maxItems: 2 },
  responseFormat: { to: 'format', transform: (v: 'json') => (v === 'json' ? 'json' : undefined) },
  unsupported: ['seed', 'topP'],
};
const req = { model: 'm', messages: [] };

it('params: values land at their paths, sharing nested objects; unset ones are not sent', () => {
  const { body, dropped } = applyParams('p', table, { ...req, maxTokens: 10, temperature: 0.3, responseFormat: 'json' });
  assert.deepEqual(body, { generationConfig: { maxOutputTokens: 10, temperature: 0.3 }, format: 'json' });
  assert.deepEqual(dropped, []);
});

it('params: a required parameter gets its default; "text" format and empty stop lists are not sent', () => {
  assert.deepEqual(applyParams('p', table, { ...req, responseFormat: 'text', stop: [] }).body, { generationConfig: { maxOutputTokens: 256 } });
});

it('params: unsupported parameters are dropped and reported, or refused when strict', () => {
  const { body, dropped } = applyParams('p', table, { ...req, seed: 1, topP: 0.5 });
  assert.deepEqual(dropped, ['topP', 'seed']);
  assert.equal(JSON.stringify(body).includes('seed'), false);
  assert.throws(() => applyParams('p', table, { ...req, seed: 1 }, { strict: true }), (e: StrataError) => e.code === 'invalid-input' && /does not support seed/.test(e.message));
});

it('params: out-of-range values are refused, never clamped', () => {
  for (const bad of [{ temperature: 1.5 }, { temperature: -0.1 }, { maxTokens: 0 }, { maxTokens: 2.5 }, { temperature: Number.NaN }, { stop: ['a', 'b', 'c'] }]) {
    assert.throws(() => applyParams('p', table, { ...req, ...bad }), (e: StrataError) => e.code === 'invalid-input' && e.details.provider === 'p', JSON.stringify(bad));
  }
  assert.deepEqual(applyParams('p', table, { ...req, temperature: 1 }).body, { generationConfig: { maxOutputTokens: 256, temperature: 1 } });
});

it('params: setPath and mergeBody keep siblings', () => {
  const o: Record<string, unknown> = { a: { keep: 1 } };
  setPath(o, ['a', 'b'], 2);
  assert.deepEqual(o, { a: { keep: 1, b: 2 } });
  assert.deepEqual(mergeBody({ g: { x: 1 }, k: [1] }, { g: { y: 2 }, k: [2] }), { g: { x: 1, y: 2 }, k: [2] });
});
