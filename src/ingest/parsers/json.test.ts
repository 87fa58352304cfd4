import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import jsonParser, { flattenJson, jsonErrorOffset } from './json.js';

const ctx = (path: string) => ({ path, mediaType: 'application/json', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);
const parser = jsonParser();

describe('flattenJson', () => {
  it('writes one `path: value` line per leaf', () => {
    assert.deepEqual(flattenJson({ a: { b: [{ c: 1 }, 'x  y'] }, 'odd key': null, e: [], f: {}, g: '' }), [
      'a.b[0].c: 1',
      'a.b[1]: x y',
      '"odd key": null',
      'e: []',
      'f: {}',
      'g: ""',
    ]);
    assert.deepEqual(flattenJson('just a string'), ['just a string']);
  });

  it('summarises absurdly deep nesting instead of recursing without end', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const lines = flattenJson(deep);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /nested deeper than 64 levels/);
  });
});

describe('json parser', () => {
  it('groups lines into one paragraph per top-level key and titles from `title`', async () => {
    const json = JSON.stringify({ title: 'Vendor list', owner: { name: 'Ann', team: 'IT' }, vendors: ['A', 'B'] });
    const { documents } = await parser.parse(Buffer.from(json), ctx('v.json'));
    assert.equal(documents[0]?.metadata.title, 'Vendor list');
    assert.deepEqual(documents[0]?.blocks, [
      { kind: 'paragraph', text: 'title: Vendor list' },
      { kind: 'paragraph', text: 'owner.name: Ann\nowner.team: IT' },
      { kind: 'paragraph', text: 'vendors[0]: A\nvendors[1]: B' },
    ]);
  });

  it('makes one paragraph per array element and falls back to the file name for the title', async () => {
    const { documents } = await parser.parse(Buffer.from('[{"name":"x"},{"name":"y","n":2}]'), ctx('a/list.json'));
    assert.equal(documents[0]?.metadata.title, 'list');
    assert.deepEqual(documents[0]?.blocks.map((b) => b.text), ['[0].name: x', '[1].name: y\n[1].n: 2']);
  });

  it('reads a top-level scalar as a single paragraph', async () => {
    const { documents } = await parser.parse(Buffer.from('"hello   world"'), ctx('s.json'));
    assert.deepEqual(documents[0]?.blocks, [{ kind: 'paragraph', text: 'hello world' }]);
  });

  it('reports invalid JSON as corrupt with line and column', async () => {
    const bad = '{\n  "a": 1,\n  "b": }\n';
    await assert.rejects(
      parser.parse(Buffer.from(bad), ctx('bad.json')),
      (e: unknown) => kindOf(e) === 'corrupt' && /invalid JSON at line 3, column 8/.test((e as Error).message),
    );
  });

  it('locates syntax errors where V8 does', () => {
    for (const s of ['{"a":1', '{"a":1} x', '{a:1}', '"abc', '[1,2,]', '{"a":01}', '{"a":"\\q"}', 'tru']) {
      const at = jsonErrorOffset(s);
      assert.ok(at >= 0, s);
      try {
        JSON.parse(s);
        assert.fail(`${s} should not parse`);
      } catch (err) {
        const v8 = /position (\d+)/.exec((err as Error).message)?.[1];
        if (v8 !== undefined) assert.equal(at, Number(v8), s);
      }
    }
    assert.equal(jsonErrorOffset('{"ok": [1, 2.5e3, true, null, "\\u00e9"]}'), -1);
  });

  it('fails empty files and empty containers as empty, binary as unsupported', async () => {
    await assert.rejects(parser.parse(Buffer.from('  '), ctx('e.json')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parser.parse(Buffer.from('{}'), ctx('e.json')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parser.parse(Buffer.from('{"a":"\0"}'), ctx('b.json')), (e: unknown) => kindOf(e) === 'unsupported');
  });
});
