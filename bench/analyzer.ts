// Measures the indexing analysis (chunk text → encoded term frequencies) on BEIR SciFact: the old path,
// encodeTermFreqs(analyzer.terms(text)), against the one ingestion uses, indexTextWith (Analyzer.termFreqs).
// Usage: npx tsx bench/analyzer.ts [corpus.jsonl] [runs] [analyzer]   — prints JSON. A measurement, not a test.
// Each pass runs in a fresh process (empty memo, cold JIT), as in one ingestion run; old and new alternate,
// since the machine may be shared.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getAnalyzer } from '../src/search/analyzers.js';
import { encodeTermFreqs } from '../src/search/bm25.js';
import { indexTextWith } from '../src/search/service.js';

type Path = 'old' | 'new';
interface Pass {
  coldMs: number;
  /** CPU time of the process (all threads: JIT and GC helpers too) during the cold pass; steadier than wall time on a shared machine. */
  coldCpuMs: number;
  gcMs: number;
  warmMedianMs: number;
  outputSha256: string;
}

const round = (x: number, d = 1): number => Number(x.toFixed(d));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

if (process.argv[2] === '--child') {
  const [, , , path, file, analyzerName] = process.argv as [string, string, string, Path, string, string];
  // What ingestion indexes for a one-chunk abstract: the title as context, then the text.
  const texts = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const d = JSON.parse(line) as { title?: string; text?: string };
      return d.title ? `${d.title}\n${d.text ?? ''}` : (d.text ?? '');
    });
  const analyzer = getAnalyzer(analyzerName);
  const index: (text: string) => { terms: string; termCount: number } =
    path === 'new'
      ? indexTextWith(analyzerName)
      : (text) => {
          const terms = analyzer.terms(text);
          return { terms: encodeTermFreqs(terms), termCount: terms.length };
        };
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const out: { terms: string; termCount: number }[] = new Array(texts.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i++) out[i] = index(texts[i]!);
  const coldMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 0)); // let the observer deliver this pass's GC entries
  gc.disconnect();
  const warm: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const t = performance.now();
    for (const text of texts) index(text);
    warm.push(performance.now() - t);
  }
  const sha = createHash('sha256');
  for (const o of out) sha.update(`${o.termCount}\t${o.terms}\n`);
  const pass: Pass = { coldMs: round(coldMs), coldCpuMs: round((cpu.user + cpu.system) / 1000), gcMs: round(gcMs), warmMedianMs: round(median(warm)), outputSha256: sha.digest('hex') };
  console.log(JSON.stringify(pass));
} else {
  const file = process.argv[2] ?? '/work/shared/datasets/scifact/corpus.jsonl';
  const runs = Number(process.argv[3] ?? 5);
  const analyzerName = process.argv[4] ?? 'english';
  const self = fileURLToPath(import.meta.url);
  const passes: Record<Path, Pass[]> = { old: [], new: [] };
  const load = [loadavg()[0]!];
  for (let r = 0; r < runs; r++) {
    for (const path of (r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) as Path[]) {
      const child = spawnSync(process.execPath, [...process.execArgv, self, '--child', path, file, analyzerName], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`bench child (${path}) failed: ${child.stderr}`);
      passes[path].push(JSON.parse(child.stdout) as Pass);
    }
  }
  load.push(loadavg()[0]!);
  const summary = (ps: Pass[]) => ({
    coldMs: ps.map((p) => p.coldMs),
    coldMedianMs: median(ps.map((p) => p.coldMs)),
    coldCpuMs: ps.map((p) => p.coldCpuMs),
    coldCpuMedianMs: median(ps.map((p) => p.coldCpuMs)),
    gcMedianMs: median(ps.map((p) => p.gcMs)),
    warmMedianMs: median(ps.map((p) => p.warmMedianMs)),
  });
  const shas = new Set([...passes.old, ...passes.new].map((p) => p.outputSha256));
  console.log(
    JSON.stringify(
      {
        corpus: file,
        analyzer: analyzerName,
        runs,
        loadavg1m: { before: round(load[0]!, 2), after: round(load[1]!, 2) },
        old: summary(passes.old),
        new: summary(passes.new),
        coldSpeedup: round(median(passes.old.map((p) => p.coldMs)) / median(passes.new.map((p) => p.coldMs)), 2),
        coldCpuSpeedup: round(median(passes.old.map((p) => p.coldCpuMs)) / median(passes.new.map((p) => p.coldCpuMs)), 2),
        identicalOutput: shas.size === 1,
      },
      null,
      2,
    ),
  );
}
