import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import csvParser, { ROWS_PER_BLOCK, sniffDelimiter } from './csv.js';

const ctx = (path: string) => ({ path, mediaType: path.endsWith('.tsv') ? 'text/tab-separated-values' : 'text/csv', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);
const parser = csvParser();

describe('csv parser', () => {
  it('reads a comma CSV with quoted commas and newlines into one table block', async () => {
    const csv = '\ufeffname,city,note\r\nAnn,"Paris, FR","line one\nline two"\r\nBob,Berlin,\r\n';
    const { documents, warnings } = await parser.parse(Buffer.from(csv), ctx('data/people.csv'));
    assert.deepEqual(documents, [
      {
        metadata: { title: 'people', rowCount: 2, columns: ['name', 'city', 'note'] },
        blocks: [{ kind: 'table', text: '| name | city | note |\n| Ann | Paris, FR | line one line two |\n| Bob | Berlin |  |' }],
      },
    ]);
    assert.equal(warnings, undefined);
  });

  it('detects semicolon and tab delimiters, and always uses tabs for .tsv', async () => {
    assert.equal(sniffDelimiter('a;b;c\n1,5;2;3\n4;5,5;6\n'), ';');
    assert.equal(sniffDelimiter('a\tb\n1\t2\n'), '\t');
    assert.equal(sniffDelimiter('"x;y",b\n"1;2",3\n'), ',');
    const { documents } = await parser.parse(Buffer.from('id\tnote\n1\ta,b;c\n'), ctx('t.tsv'));
    assert.equal(documents[0]?.blocks[0]?.text, '| id | note |\n| 1 | a,b;c |');
  });

  it(`splits long tables into blocks of ${ROWS_PER_BLOCK} rows, each starting with the header`, async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `r${i + 1},${i}`);
    const { documents } = await parser.parse(Buffer.from(['key,value', ...rows].join('\n')), ctx('big.csv'));
    const blocks = documents[0]?.blocks ?? [];
    assert.equal(documents[0]?.metadata.rowCount, 120);
    assert.deepEqual(blocks.map((b) => b.text.split('\n').length), [51, 51, 21]);
    for (const b of blocks) {
      assert.equal(b.kind, 'table');
      assert.equal(b.text.split('\n')[0], '| key | value |');
    }
    assert.equal(blocks[1]?.text.split('\n')[1], '| r51 | 50 |');
    assert.equal(blocks[2]?.text.split('\n').at(-1), '| r120 | 119 |');
  });

  it('keeps ragged rows and stray quotes inside unquoted fields', async () => {
    const { documents } = await parser.parse(Buffer.from('a,b\n1\n2,3,4\n5" screen,6\n'), ctx('r.csv'));
    assert.equal(documents[0]?.blocks[0]?.text, '| a | b |\n| 1 |\n| 2 | 3 | 4 |\n| 5" screen | 6 |');
  });

  it('reports an unclosed quote as corrupt, naming the line it opened on', async () => {
    await assert.rejects(
      parser.parse(Buffer.from('a,b\n1,5" screen\n3,"unclosed\n4,5\n'), ctx('bad.csv')),
      (e: unknown) => kindOf(e) === 'corrupt' && /line 3.*never closed/.test((e as Error).message),
    );
  });

  it('reads an Excel-style Windows-1252 CSV with a warning', async () => {
    const bytes = Buffer.concat([Buffer.from('city;price\nM'), Buffer.from([0xfc]), Buffer.from('nchen;5 '), Buffer.from([0x80])]);
    const { documents, warnings } = await parser.parse(bytes, ctx('w.csv'));
    assert.equal(documents[0]?.blocks[0]?.text, '| city | price |\n| München | 5 € |');
    assert.equal(warnings?.length, 1);
  });

  it('fails empty and all-blank files as empty', async () => {
    await assert.rejects(parser.parse(Buffer.from(' \n'), ctx('e.csv')), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parser.parse(Buffer.from(',,\n,,\n'), ctx('e.csv')), (e: unknown) => kindOf(e) === 'empty');
  });
});
