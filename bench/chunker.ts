// Measures chunking speed on BEIR SciFact abstracts (title as a heading, abstract as a paragraph).
// Usage: npx tsx bench/chunker.ts [corpus.jsonl] [docs]   — prints JSON. A measurement, not a test.
import { readFileSync } from 'node:fs';
import { chunkBlocks } from '../src/ingest/chunker.js';
import type { Block } from '../src/ingest/parsers/types.js';
import { loadTokenCounter } from '../src/ingest/tokenizer.js';

const file = process.argv[2] ?? '/work/shared/datasets/scifact/corpus.jsonl';
const limit = Number(process.argv[3] ?? 2000);
const docs: Block[][] = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, limit)
  .map((line) => {
    const d = JSON.parse(line) as { title?: string; text?: string };
    const blocks: Block[] = [];
    if (d.title) blocks.push({ kind: 'heading', level: 1, text: d.title });
    if (d.text) blocks.push({ kind: 'paragraph', text: d.text });
    return blocks;
  });

const settings = { maxTokens: 512, overlapTokens: 64, tokenizer: 'cl100k_base' as const };
const counter = await loadTokenCounter(settings.tokenizer);
const round = (x: number, d = 4): number => Number(x.toFixed(d));

// Repeated passes; the median pass is reported (the first one also warms the JIT and BPE merge cache).
const passes: number[] = [];
const baseline: number[] = [];
let chunks = 0;
let tokens = 0;
for (let pass = 0; pass < 9; pass++) {
  let t = performance.now();
  chunks = 0;
  tokens = 0;
  for (const blocks of docs) {
    for (const c of chunkBlocks(blocks, settings, counter)) {
      chunks++;
      tokens += c.tokenCount;
    }
  }
  passes.push(performance.now() - t);
  // Floor: one exact count of every block, which any token-bounded chunker has to pay.
  t = performance.now();
  for (const blocks of docs) for (const b of blocks) counter.count(b.text);
  baseline.push(performance.now() - t);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const overMax = docs.filter((blocks) => blocks.reduce((n, b) => n + counter.count(b.text), 0) > settings.maxTokens).length;
console.log(
  JSON.stringify(
    {
      corpus: file,
      docs: docs.length,
      docsOverMaxTokens: overMax,
      settings,
      chunks,
      chunksPerDoc: round(chunks / docs.length, 3),
      avgTokensPerChunk: round(tokens / chunks, 1),
      msPerDoc: { median: round(median(passes) / docs.length), best: round(Math.min(...passes) / docs.length) },
      countOnlyMsPerDoc: { median: round(median(baseline) / docs.length), best: round(Math.min(...baseline) / docs.length) },
      passes: passes.length,
    },
    null,
    2,
  ),
);
