import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../core/errors.js';
import markdownParser, { stripInline } from './markdown.js';

const ctx = (path: string) => ({ path, mediaType: 'text/markdown', ocr: { enabled: false } });
const kindOf = (err: unknown): unknown => (isStrataError(err) ? err.details.kind : err);
const parser = markdownParser();
const parse = async (src: string, path = 'docs/policy.md') => parser.parse(Buffer.from(src), ctx(path));

const doc = `---
title: Travel policy
author: Ann Lee
classification: Confidential
readers: [user:alice, group:finance]
version: 3
tags: [travel, finance]
---
Intro with **bold**, a [link](https://x.org/wiki/A_(b)), ![a chart](c.png) and \`a *literal*\` snake_case_name.

Scope
=====

## Limits *per* night ##

- Hotel
- Meals
  up to 40 EUR
  - breakfast included

| City | Rate |
|:-----|-----:|
| Paris | **200** |
| Berlin \\| Mitte | 150 |

\`\`\`yaml
# not a heading
limit: 200
\`\`\`

    indented code

Notes
-----
Last paragraph.
`;

describe('markdown parser', () => {
  it('reads front matter: title, author, classification, readers and other scalars', async () => {
    const { documents, warnings } = await parse(doc);
    const d = documents[0];
    assert.equal(d?.metadata.title, 'Travel policy');
    assert.equal(d?.metadata.author, 'Ann Lee');
    assert.equal(d?.metadata.version, 3);
    assert.deepEqual(d?.metadata.tags, ['travel', 'finance']);
    assert.equal(d?.classification, 'confidential');
    assert.deepEqual(d?.accessPolicy, { readers: ['user:alice', 'group:finance'] });
    assert.equal(warnings, undefined);
  });

  it('reads ATX and setext headings with their levels, and not `#` lines inside code', async () => {
    const { documents } = await parse(doc);
    const headings = documents[0]?.blocks.filter((b) => b.kind === 'heading').map((b) => [b.level, b.text]);
    assert.deepEqual(headings, [[1, 'Scope'], [2, 'Limits per night'], [2, 'Notes']]);
  });

  it('keeps a pipe table whole with its header row, without the delimiter row', async () => {
    const { documents } = await parse(doc);
    const tables = documents[0]?.blocks.filter((b) => b.kind === 'table').map((b) => b.text);
    assert.deepEqual(tables, ['| City | Rate |\n| Paris | 200 |\n| Berlin \\| Mitte | 150 |']);
  });

  it('keeps fenced and indented code verbatim, lists as "- item" lines', async () => {
    const { documents } = await parse(doc);
    const blocks = documents[0]?.blocks ?? [];
    assert.deepEqual(blocks.filter((b) => b.kind === 'code').map((b) => b.text), [
      '# not a heading\nlimit: 200',
      'indented code',
    ]);
    assert.deepEqual(blocks.filter((b) => b.kind === 'list').map((b) => b.text), [
      '- Hotel\n- Meals up to 40 EUR\n  - breakfast included',
    ]);
  });

  it('strips inline markup to the text a reader sees', async () => {
    const { documents } = await parse(doc);
    assert.equal(documents[0]?.blocks[0]?.text, 'Intro with bold, a link, a chart and a *literal* snake_case_name.');
    assert.equal(stripInline('<https://a.b/c> and <span>x</span> \\*not em\\* ~~gone~~ [ref][1]'), 'https://a.b/c and x *not em* gone ref');
  });

  it('warns about malformed front matter and still indexes the body', async () => {
    const { documents, warnings } = await parse('---\ntitle: [unclosed\nauthor: x\n---\n# Body title\n\nText.\n');
    assert.equal(documents[0]?.metadata.title, 'Body title');
    assert.equal(documents[0]?.metadata.author, undefined);
    assert.equal(warnings?.length, 1);
    assert.match(warnings?.[0] ?? '', /front matter is not valid YAML \(line \d+ of the file\).*body was indexed/);
  });

  it('warns about an unknown classification and rejects malformed principals, failing closed', async () => {
    const { documents, warnings } = await parse('---\nclassification: secret\naccess: [alice]\n---\nText\n');
    assert.equal(documents[0]?.classification, undefined);
    assert.deepEqual(documents[0]?.accessPolicy, { readers: [] });
    assert.equal(warnings?.length, 2);
    assert.match(warnings?.[0] ?? '', /classification "secret" is not one of public, internal, confidential, restricted/);
    assert.match(warnings?.[1] ?? '', /"alice" is not a principal/);
  });

  it('titles from the first h1, else from the file name', async () => {
    assert.equal((await parse('Intro\n\n# Real title\n')).documents[0]?.metadata.title, 'Real title');
    assert.equal((await parse('## Only h2\n\ntext', 'a/b/handbook.md')).documents[0]?.metadata.title, 'handbook');
  });

  it('treats a leading --- without a closing line as body, not front matter', async () => {
    const { documents } = await parse('---\nJust text after a rule.\n');
    assert.deepEqual(documents[0]?.blocks, [{ kind: 'paragraph', text: 'Just text after a rule.' }]);
  });

  it('fails empty files and files with only front matter as empty', async () => {
    await assert.rejects(parse('  \n\n'), (e: unknown) => kindOf(e) === 'empty');
    await assert.rejects(parse('---\ntitle: x\n---\n\n'), (e: unknown) => kindOf(e) === 'empty');
  });

  it('reads Latin-1 markdown with a warning', async () => {
    const bytes = Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const { documents, warnings } = await parser.parse(bytes, ctx('x.md'));
    assert.equal(documents[0]?.metadata.title, 'Café');
    assert.match(warnings?.[0] ?? '', /Windows-1252/);
  });
});
