import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import jsonlParser from './jsonl.js';

const ctx = (path: string) => ({ path, mediaType: 'application/x-ndjson', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);
const parser = jsonlParser();
const parse = async (lines: string[]) => parser.parse(Buffer.from(lines.join('\n')), ctx('corpus.jsonl'));
const scifact = fileURLToPath(new URL('../../../../shared/datasets/scifact/corpus.jsonl', import.meta.url));

describe('jsonl parser', () => {
  it('reads BEIR corpus lines: _id as record id, title as metadata, text as paragraphs', async () => {
    const { documents, warnings } = await parse([
      '{"_id": "4983", "title": "Microstructure of white matter", "text": "First part.\\n\\nSecond  part.", "metadata": {"year": 2002}}',
      '{"_id": "5836", "title": "", "text": "No title here."}',
    ]);
    assert.deepEqual(documents, [
      {
        recordId: '4983',
        metadata: { year: 2002, title: 'Microstructure of white matter' },
        blocks: [
          { kind: 'paragraph', text: 'First part.' },
          { kind: 'paragraph', text: 'Second part.' },
        ],
      },
      { recordId: '5836', metadata: {}, blocks: [{ kind: 'paragraph', text: 'No title here.' }] },
    ]);
    assert.equal(warnings, undefined);
  });

  it('takes ids from `id` (string or number) or the line number, text from content/body, else flattens', async () => {
    const { documents } = await parse([
      '{"id": 7, "content": "Seven.", "lang": "en"}',
      '',
      '{"body": "Bodied.", "name": "Named"}',
      '{"sku": "A-1", "price": {"eur": 5}}',
    ]);
    assert.deepEqual(documents.map((d) => d.recordId), ['7', 'line-3', 'line-4']);
    assert.equal(documents[0]?.metadata.lang, 'en');
    assert.equal(documents[1]?.metadata.title, 'Named');
    assert.deepEqual(documents[2]?.blocks.map((b) => b.text), ['sku: A-1', 'price.eur: 5']);
  });

  it('skips malformed lines and lines without text, with one warning per reason', async () => {
    const { documents, warnings } = await parse([
      '{"_id": "a", "text": "ok"}',
      '{"_id": "b", "text": ',
      '{"_id": "c", "text": "  "}',
      '[1, 2]',
      '{"_id": "d", "text": "ok too"}',
    ]);
    assert.deepEqual(documents.map((d) => d.recordId), ['a', 'd']);
    assert.deepEqual(warnings, [
      'line 2: invalid JSON — skipped',
      'line 3: no text — skipped',
      'line 4: not a JSON object — skipped',
    ]);
  });

  it('lists at most ten line numbers per warning, plus a count', async () => {
    const lines = ['{"_id": "ok", "text": "fine"}', ...Array.from({ length: 25 }, () => '{broken')];
    const { warnings } = await parse(lines);
    assert.deepEqual(warnings, ['lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 15 more: invalid JSON — skipped (25 lines)']);
  });

  it('keeps the later record when an id repeats, and says so', async () => {
    const { documents, warnings } = await parse([
      '{"_id": "x", "text": "old"}',
      '{"_id": "y", "text": "other"}',
      '{"_id": "x", "text": "new"}',
    ]);
    assert.deepEqual(documents.map((d) => [d.recordId, d.blocks[0]?.text]), [['x', 'new'], ['y', 'other']]);
    assert.deepEqual(warnings, ['line 3 (id "x"): id already used by an earlier line — the later record was kept']);
  });

  it('handles a BOM and CRLF line ends, Latin-1 files (with a warning) and binary files', async () => {
    const crlf = Buffer.from('\ufeff{"_id":"a","text":"x"}\r\n{"_id":"b","text":"y"}\r\n');
    assert.deepEqual((await parser.parse(crlf, ctx('c.jsonl'))).documents.map((d) => d.recordId), ['a', 'b']);
    const latin1 = Buffer.concat([Buffer.from('{"_id":"a","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const r = await parser.parse(latin1, ctx('l.jsonl'));
    assert.equal(r.documents[0]?.blocks[0]?.text, 'café');
    assert.match(r.warnings?.[0] ?? '', /Windows-1252/);
    await assert.rejects(parser.parse(Buffer.from('{"a":1}\n\0'), ctx('b.jsonl')), (e: unknown) => kindOf(e) === 'unsupported');
  });

  it('fails a file with no usable line as corrupt, and a blank file as empty', async () => {
    await assert.rejects(
      parse(['not json', '{"text": ""}']),
      (e: unknown) => kindOf(e) === 'corrupt' && /no usable records.*line 1: invalid JSON/.test((e as Error).message),
    );
    await assert.rejects(parse(['', '  ', '']), (e: unknown) => kindOf(e) === 'empty');
  });

  it('keeps the _ids of the first 50 SciFact corpus lines', { skip: !existsSync(scifact) && 'SciFact corpus not present' }, async () => {
    const lines = readFileSync(scifact, 'utf8').split('\n').slice(0, 50);
    const expected = lines.map((l) => (JSON.parse(l) as { _id: string })._id);
    const { documents, warnings } = await parse(lines);
    assert.deepEqual(documents.map((d) => d.recordId), expected);
    assert.ok(documents.every((d) => d.blocks.length > 0 && typeof d.metadata.title === 'string'));
    assert.equal(warnings, undefined);
  });
});
