import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlToBlocks } from './html-blocks.js';

const page = `<!DOCTYPE html><html><head><title> Expense   Policy </title>
<meta name="Author" content="Ann Lee"><style>p { color: red }</style><script>var secret = 1;</script></head>
<body><header><nav><a href="/">Home</a> | <a href="/about">About</a></nav></header>
<aside>Related links</aside>
<main><article><header><h1>Travel <em>expenses</em></h1></header>
<p>Claims are <b>due</b>
   within <a href="#">30 days</a>.<br>Late claims need approval.</p>
<h3>Limits</h3>
<ul><li>Hotel: 150 EUR <ul><li>Paris: 200 EUR</li></ul></li><li><p>Meals</p></li></ul>
<table><thead><tr><th>City</th><th colspan="2">Rate</th></tr></thead>
<tbody><tr><td>Paris</td><td>200</td></tr><tr><td>Berlin | Mitte</td><td>150</td></tr></tbody></table>
<pre><code>total = nights * rate
  + meals</code></pre>
<p>Run <code>strata sync</code> after changes.</p>
<noscript>Enable JavaScript</noscript><template><p>hidden</p></template><svg><text>chart</text></svg>
</article></main><footer>© 2024 ACME</footer></body></html>`;

describe('htmlToBlocks', () => {
  const { title, author, blocks } = htmlToBlocks(page);

  it('reads title from <title> and author from <meta name="author">', () => {
    assert.equal(title, 'Expense Policy');
    assert.equal(author, 'Ann Lee');
  });

  it('keeps headings with their levels, in document order', () => {
    const headings = blocks.filter((b) => b.kind === 'heading').map((b) => [b.level, b.text]);
    assert.deepEqual(headings, [[1, 'Travel expenses'], [3, 'Limits']]);
  });

  it('does not break paragraphs at inline elements and normalises whitespace', () => {
    const p = blocks.find((b) => b.kind === 'paragraph');
    assert.equal(p?.text, 'Claims are due within 30 days.\nLate claims need approval.');
    assert.ok(blocks.some((b) => b.kind === 'paragraph' && b.text === 'Run strata sync after changes.'));
  });

  it('makes one list block with "- item" lines, nested items indented', () => {
    assert.deepEqual(blocks.filter((b) => b.kind === 'list').map((b) => b.text), [
      '- Hotel: 150 EUR\n  - Paris: 200 EUR\n- Meals',
    ]);
  });

  it('keeps a table whole, header first, with pipes in cells escaped', () => {
    assert.deepEqual(blocks.filter((b) => b.kind === 'table').map((b) => b.text), [
      '| City | Rate |\n| Paris | 200 |\n| Berlin \\| Mitte | 150 |',
    ]);
  });

  it('keeps preformatted code verbatim', () => {
    assert.deepEqual(blocks.filter((b) => b.kind === 'code').map((b) => b.text), ['total = nights * rate\n  + meals']);
  });

  it('drops scripts, styles, navigation, asides, footers and other non-content', () => {
    const all = blocks.map((b) => b.text).join('\n');
    for (const junk of ['secret', 'color', 'Home', 'Related', '2024', 'JavaScript', 'hidden', 'chart']) {
      assert.ok(!all.includes(junk), `unexpected "${junk}" in ${all}`);
    }
  });

  it('reads a fragment without <html>/<body> (mammoth output) and takes the first h1 as title', () => {
    const r = htmlToBlocks('<h1>Q3 Report</h1><p>Revenue grew.</p><h2>Costs</h2><p>Flat.</p>');
    assert.equal(r.title, 'Q3 Report');
    assert.equal(r.author, undefined);
    assert.deepEqual(r.blocks, [
      { kind: 'heading', level: 1, text: 'Q3 Report' },
      { kind: 'paragraph', text: 'Revenue grew.' },
      { kind: 'heading', level: 2, text: 'Costs' },
      { kind: 'paragraph', text: 'Flat.' },
    ]);
  });

  it('names a table by its caption', () => {
    const r = htmlToBlocks('<table><caption>Rates 2024</caption><tr><td>a</td><td>1</td></tr></table>');
    assert.deepEqual(r.blocks, [{ kind: 'table', text: '| a | 1 |', sheet: 'Rates 2024' }]);
  });

  it('splits loose text around nested blocks into separate paragraphs', () => {
    const r = htmlToBlocks('<div>before <span>inline</span><p>inner</p>after</div>');
    assert.deepEqual(r.blocks.map((b) => b.text), ['before inline', 'inner', 'after']);
    assert.equal(r.title, undefined);
  });
});
