import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrataError } from '../core/errors.js';
import type { ChunkingSettings } from '../core/types.js';
import { chunkBlocks, splitSegments, type ChunkDraft } from './chunker.js';
import type { Block } from './parsers/types.js';
import { loadTokenCounter, type TokenCounter } from './tokenizer.js';

const cl100k = await loadTokenCounter('cl100k_base');
const o200k = await loadTokenCounter('o200k_base');
/** One token per word, mark or whitespace run, and no additive separator: exercises the re-count path. */
const words: TokenCounter = { name: 'words', count: (t) => t.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]|\s+/gu)?.length ?? 0 };

const settings = (maxTokens: number, overlapTokens = 0): ChunkingSettings => ({ maxTokens, overlapTokens, tokenizer: 'cl100k_base' });
const h = (level: number, text: string, page?: number): Block => ({ kind: 'heading', level, text, page });
const p = (text: string, page?: number): Block => ({ kind: 'paragraph', text, page });
const table = (text: string): Block => ({ kind: 'table', text });
/** `n` distinct sentences of ~12 cl100k tokens each. */
const sentences = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => `Sentence ${from + i} says the policy covers case ${(from + i) % 7} well.`).join(' ');

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

/** Invariants every chunking must hold, whatever the input. */
function assertWellFormed(chunks: ChunkDraft[], counter: TokenCounter, max: number): void {
  for (const c of chunks) {
    assert.ok(c.text.trim().length > 0, 'empty chunk');
    assert.equal(c.tokenCount, counter.count(c.text), `tokenCount is not exact for ${JSON.stringify(c.text)}`);
    assert.ok(c.tokenCount <= max, `${c.tokenCount} > ${max}: ${JSON.stringify(c.text)}`);
  }
}

describe('chunkBlocks: structure', () => {
  it('keeps a heading path by levels and starts each filled section with its heading', () => {
    const blocks = [
      h(1, 'Handbook'), p(sentences(3, 0)),
      h(2, 'Travel'), p(sentences(3, 10)),
      h(3, 'Flights'), p(sentences(3, 20)),
      h(2, 'Expenses'), p(sentences(3, 30)), // an h2 after an h3 pops both
    ];
    const chunks = chunkBlocks(blocks, settings(64), cl100k);
    assertWellFormed(chunks, cl100k, 64);
    assert.deepEqual(chunks.map((c) => c.location.headings), [
      ['Handbook'], ['Handbook', 'Travel'], ['Handbook', 'Travel', 'Flights'], ['Handbook', 'Expenses'],
    ]);
    assert.deepEqual(chunks.map((c) => c.text.split(' \n\n')[0]), ['Handbook', 'Travel', 'Flights', 'Expenses']);
  });

  it('does not repeat the heading text when a section continues, but keeps its path', () => {
    const chunks = chunkBlocks([h(1, 'Scope'), p(sentences(12))], settings(64, 0), cl100k);
    assert.ok(chunks.length >= 3);
    assert.ok(chunks[0]!.text.startsWith('Scope \n\nSentence 0'));
    for (const c of chunks.slice(1)) {
      assert.ok(!c.text.includes('Scope'), c.text);
      assert.deepEqual(c.location.headings, ['Scope']);
    }
  });

  it('lets small sections share a chunk, labelled with the first section in it', () => {
    const blocks = [h(1, 'Guide'), h(2, 'Install'), p('Run the installer.'), h(2, 'Upgrade'), p('Run it again.'), h(3, 'Notes'), p('Keep backups.')];
    const chunks = chunkBlocks(blocks, settings(512, 64), cl100k);
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0]!.location.headings, ['Guide', 'Install']);
    assert.equal(chunks[0]!.text, 'Guide \n\nInstall \n\nRun the installer. \n\nUpgrade \n\nRun it again. \n\nNotes \n\nKeep backups.');
  });

  it('moves a heading to the next chunk rather than leaving it at the end of one', () => {
    // A subsection never forces a break, so its heading lands after the parent's text; its paragraph does not fit.
    const blocks = [h(1, 'Parent'), p(sentences(3)), h(2, 'Child'), p(sentences(3, 50))];
    const chunks = chunkBlocks(blocks, settings(64), cl100k);
    assert.equal(chunks.length, 2);
    assert.ok(!chunks[0]!.text.includes('Child'));
    assert.ok(chunks[1]!.text.startsWith('Child \n\n'));
    assert.deepEqual(chunks[1]!.location.headings, ['Parent', 'Child']);
  });

  it('spans pages and labels sheets', () => {
    const blocks: Block[] = [p('First page.', 1), p('Still first.', 1), p('Second page.', 2), p('Third page.', 3)];
    const [one] = chunkBlocks(blocks, settings(512), cl100k);
    assert.deepEqual(one!.location, { pageStart: 1, pageEnd: 3 });
    const split = chunkBlocks([p(sentences(4), 4), p(sentences(4, 9), 5), p(sentences(4, 19), 7)], settings(64), cl100k);
    assert.deepEqual(split.map((c) => [c.location.pageStart, c.location.pageEnd]), [[4, 4], [5, 5], [7, 7]]);
    const sheets = chunkBlocks([{ kind: 'table', text: '| a |\n| 1 |', sheet: 'Q1' }, { kind: 'table', text: '| a |\n| 2 |', sheet: 'Q2' }], settings(512), cl100k);
    assert.deepEqual(sheets.map((c) => c.location.sheet), ['Q1', 'Q2'], 'a new sheet starts a new chunk');
  });

  it('never emits empty chunks', () => {
    assert.deepEqual(chunkBlocks([], settings(64), cl100k), []);
    assert.deepEqual(chunkBlocks([p('  '), h(1, ''), p('\n')], settings(64), cl100k), []);
  });
});

describe('chunkBlocks: tables', () => {
  const rows = (n: number): string[] => Array.from({ length: n }, (_, i) => `| ${i} | item ${i} | ${(i * 0.37).toFixed(2)} |`);

  it('keeps a table that fits whole, alone when it does not fit beside the text', () => {
    const t = ['| id | name | score |', ...rows(3)].join('\n'); // 46 tokens
    const chunks = chunkBlocks([p(sentences(4)), table(t), p(sentences(4, 20))], settings(64, 16), cl100k);
    assertWellFormed(chunks, cl100k, 64);
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1]!.text, t);
    assert.deepEqual(chunks.map((c) => c.location.table ?? false), [false, true, false]);
    assert.ok(chunks[2]!.text.startsWith('Sentence 20'), 'no overlap across a table');
  });

  it('puts a small table beside the text around it', () => {
    const t = '| a | b |\n| 1 | 2 |';
    const [one, ...rest] = chunkBlocks([p('Totals:'), table(t), p('As shown.')], settings(512), cl100k);
    assert.equal(rest.length, 0);
    assert.equal(one!.text, `Totals: \n\n${t} \n\nAs shown.`);
    assert.equal(one!.location.table, true);
  });

  it('splits a large table by rows, repeating the header in every part', () => {
    const header = '| id | name | score |\n|---|---|---|';
    const body = rows(40);
    const chunks = chunkBlocks([table([header, ...body].join('\n'))], settings(64), cl100k);
    assertWellFormed(chunks, cl100k, 64);
    assert.ok(chunks.length >= 4);
    const seen: string[] = [];
    for (const c of chunks) {
      assert.ok(c.text.startsWith(`${header}\n`), c.text);
      assert.equal(c.location.table, true);
      seen.push(...c.text.split('\n').slice(2));
    }
    assert.deepEqual(seen, body, 'every row once, in order');
  });
});

describe('chunkBlocks: long text', () => {
  it('splits a long paragraph at sentences and opens each chunk with the previous one’s last sentences', () => {
    const overlap = 16;
    const chunks = chunkBlocks([p(sentences(30))], settings(64, overlap), cl100k);
    assertWellFormed(chunks, cl100k, 64);
    assert.ok(chunks.length > 5);
    for (let k = 1; k < chunks.length; k++) {
      const prev = chunks[k - 1]!.text;
      const cur = chunks[k]!.text;
      assert.match(prev, /\.$/, 'chunks end at a sentence end');
      // The longest prefix of this chunk that ends the previous one is the overlap.
      let shared = '';
      for (let n = Math.min(prev.length, cur.length); n > 0; n--) {
        if (prev.endsWith(cur.slice(0, n))) {
          shared = cur.slice(0, n);
          break;
        }
      }
      assert.match(shared, /^Sentence \d+ .*\.$/, `chunk ${k} should open with whole sentences from chunk ${k - 1}`);
      assert.ok(cl100k.count(shared) <= overlap, `overlap of ${cl100k.count(shared)} tokens`);
      assert.ok(prev.endsWith(` ${shared}`), 'overlap starts at a sentence start');
    }
  });

  it('starts a new section without overlap', () => {
    const chunks = chunkBlocks([h(1, 'A'), p(sentences(5)), h(1, 'B'), p(sentences(5, 40))], settings(64, 16), cl100k);
    const b = chunks.find((c) => c.text.startsWith('B \n\n'));
    assert.ok(b, 'section B opens a chunk');
    assert.ok(!/Sentence [0-4] /.test(b.text), b.text);
  });

  it('splits a CJK paragraph at 。！？ without inserting spaces', () => {
    const cjk = Array.from({ length: 24 }, (_, i) => `第${i}条规定适用于所有员工${i % 3 === 0 ? '！' : i % 3 === 1 ? '。' : '？'}`).join('');
    const chunks = chunkBlocks([p(cjk)], settings(40, 12), o200k); // ~9 tokens a sentence
    assertWellFormed(chunks, o200k, 40);
    assert.ok(chunks.length > 3);
    for (const c of chunks) {
      assert.match(c.text, /^第\d+条.*[。！？]$/u, c.text);
      assert.ok(!c.text.includes(' '));
      assert.ok(cjk.includes(c.text), 'each chunk is a contiguous run of the paragraph');
    }
    assert.ok(chunks[1]!.text.startsWith(chunks[0]!.text.slice(chunks[0]!.text.lastIndexOf('第'))), 'overlap of the last sentence');
  });

  it('gives back units when the exact count of a chunk exceeds the estimate, even at the end', () => {
    // `words` counts the spaces between sentences, which the packing estimate leaves out: 4 + 4 + 4 + 4 fits
    // the estimate of 16, the exact count is 19.
    const text = 'A b. C d. E f. G h.';
    const chunks = chunkBlocks([p(text)], settings(16), words);
    assertWellFormed(chunks, words, 16);
    assert.deepEqual(chunks.map((c) => c.text), ['A b. C d. E f.', 'G h.']);
  });

  it('cuts a sentence longer than maxTokens at token boundaries', () => {
    const long = Array.from({ length: 300 }, (_, i) => `term${i % 13}`).join(' ');
    const chunks = chunkBlocks([p(long)], settings(32, 8), cl100k);
    assertWellFormed(chunks, cl100k, 32);
    assert.ok(chunks.length >= 10);
    for (const c of chunks) for (const w of c.text.split(' ')) assert.match(w, /^term\d+$/, 'cuts fall between words');
  });
});

describe('chunkBlocks: invariants on generated documents', () => {
  const VOCAB = ['data', 'policy', 'e.g.', 'Fig.', '3.5', 'naïve', 'über', '数据治理', '😀', 'x'.repeat(120), '—', '(see', 'below)', 'The', 'It'];
  function randomDoc(next: () => number, withTables: boolean): Block[] {
    const pick = <T,>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const sentence = (): string => {
      const n = 1 + Math.floor(next() ** 3 * 120);
      const w = Array.from({ length: n }, () => pick(VOCAB)).join(' ');
      return `${w[0]!.toUpperCase()}${w.slice(1)}${pick(['.', '!', '?', '。', ''])}`;
    };
    const blocks: Block[] = [];
    const count = 1 + Math.floor(next() * 25);
    for (let b = 0; b < count; b++) {
      const page = 1 + Math.floor(b / 4);
      const r = next();
      if (r < 0.2) blocks.push({ kind: 'heading', level: 1 + Math.floor(next() * 4), text: sentence().slice(0, 60), page });
      else if (r < 0.3 && withTables) {
        const cols = 1 + Math.floor(next() * 5);
        const rowsN = 1 + Math.floor(next() * 30);
        const row = (): string => `| ${Array.from({ length: cols }, () => pick(VOCAB)).join(' | ')} |`;
        blocks.push({ kind: 'table', text: Array.from({ length: rowsN }, row).join('\n'), page });
      } else if (r < 0.4) blocks.push({ kind: 'list', text: Array.from({ length: 1 + Math.floor(next() * 8) }, () => `- ${sentence()}`).join('\n'), page });
      else if (r < 0.45) blocks.push({ kind: 'code', text: Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => `${'  '.repeat(i % 3)}let v${i} = f(${i});`).join('\n'), page });
      else blocks.push({ kind: 'paragraph', text: Array.from({ length: 1 + Math.floor(next() * 12) }, sentence).join(' '), page });
    }
    return blocks;
  }
  const squash = (s: string): string => s.replace(/\s+/g, '');

  for (const [counter, seed] of [[cl100k, 1], [o200k, 2], [words, 3]] as const) {
    it(`${counter.name}: exact counts, never over maxTokens, deterministic, nothing lost`, () => {
      const next = rng(seed);
      for (let doc = 0; doc < 36; doc++) {
        const max = [16, 24, 40, 64, 128, 512][doc % 6]!;
        const overlap = Math.floor(next() * (max / 2));
        const blocks = randomDoc(next, true);
        const chunks = chunkBlocks(blocks, settings(max, overlap), counter);
        assertWellFormed(chunks, counter, max);
        assert.deepEqual(chunkBlocks(blocks, settings(max, overlap), counter), chunks, 'deterministic');
        // Overlap and repeated table headers only add text: the document must survive as a subsequence…
        const all = squash(chunks.map((c) => c.text).join(''));
        const lastLine = squash(chunks.at(-1)?.text.split('\n').at(-1) ?? '');
        assert.ok(lastLine && squash(blocks.map((b) => b.text).join('')).endsWith(lastLine), `doc ${doc} lost its end`); // …and end as it does
        let at = 0;
        for (const ch of squash(blocks.map((b) => b.text).join(''))) {
          at = all.indexOf(ch, at) + 1;
          assert.ok(at > 0, `lost text in doc ${doc}`);
        }
      }
    });
  }

  for (const [counter, seed] of [[cl100k, 4], [o200k, 5], [words, 6]] as const) {
    it(`${counter.name}: without overlap or tables, chunks are exactly the document, in order`, () => {
      const next = rng(seed);
      for (let doc = 0; doc < 30; doc++) {
        const blocks = randomDoc(next, false);
        const chunks = chunkBlocks(blocks, settings([16, 40, 128][doc % 3]!, 0), counter);
        assert.equal(squash(chunks.map((c) => c.text).join('')), squash(blocks.map((b) => b.text).join('')), `doc ${doc}`);
      }
    });
  }
});

describe('chunkBlocks: settings', () => {
  const expectKey = (s: ChunkingSettings, key: string): void => {
    assert.throws(() => chunkBlocks([p('text')], s, cl100k), (e: unknown) => {
      assert.ok(e instanceof StrataError);
      assert.equal(e.code, 'config');
      assert.equal(e.component, 'chunker');
      assert.equal(e.details.key, `chunking.${key}`);
      assert.ok(e.message.includes(key), e.message);
      return true;
    });
  };
  it('rejects invalid settings, naming the key', () => {
    expectKey(settings(8), 'maxTokens');
    expectKey(settings(100.5), 'maxTokens');
    expectKey(settings(64, 32), 'overlapTokens');
    expectKey(settings(64, -1), 'overlapTokens');
    assert.doesNotThrow(() => chunkBlocks([p('text')], settings(16, 7), cl100k));
  });
});

describe('splitSegments', () => {
  const parts = (t: string, code = false): string[] => splitSegments(t, code).map(([a, b]) => t.slice(a, b));
  it('splits at sentence ends, not at abbreviations or decimals', () => {
    assert.deepEqual(parts('It rose 3.5 points, e.g. in May. Then it fell! Why? «Quoted.» Next'), [
      'It rose 3.5 points, e.g. in May.', 'Then it fell!', 'Why?', '«Quoted.»', 'Next',
    ]);
    assert.deepEqual(parts('第一句。第二句！第三句？ 第四句'), ['第一句。', '第二句！', '第三句？', '第四句']);
    assert.deepEqual(parts('- one\n- two. Three'), ['- one', '- two.', 'Three']);
    assert.deepEqual(parts('a = 1. B = 2\n  c()', true), ['a = 1. B = 2', 'c()']);
  });
});
