// Measures exact token counting on a cold, single pass over the SciFact abstracts: gpt-tokenizer's own
// countTokens against Strata's counter (src/ingest/tokenizer.ts). Every pass runs in a fresh child process,
// so neither side profits from a warm merge cache or JIT; the variants alternate to spread machine noise.
// Usage: npx tsx bench/tokenizer.ts [corpus.jsonl] [runs]   — prints JSON. A measurement, not a test.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadTokenCounter, type EncodingName } from '../src/ingest/tokenizer.js';

type Variant = 'library' | 'strata';
interface Pass {
  ms: number;
  /** CPU time of the process during the pass (user + system): less sensitive to a busy machine than `ms`. */
  cpu_ms: number;
  load_ms: number;
  tokens: number;
}

const round = (x: number, d = 1): number => Number(x.toFixed(d));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/** One cold pass in this (fresh) process: load the encoding, then count every abstract once. */
async function pass(variant: Variant, encoding: EncodingName, file: string): Promise<Pass> {
  const abstracts = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { text?: string }).text ?? '');
  let t = performance.now();
  let count: (text: string) => number;
  if (variant === 'strata') {
    const counter = await loadTokenCounter(encoding);
    count = (text) => counter.count(text);
  } else {
    const enc = (await import(`gpt-tokenizer/encoding/${encoding}`)) as {
      default: { countTokens(text: string, opts: { disallowedSpecial: Set<string> }): number };
    };
    const plain = { disallowedSpecial: new Set<string>() };
    count = (text) => enc.default.countTokens(text, plain);
  }
  const loadMs = performance.now() - t;
  t = performance.now();
  const cpu = process.cpuUsage();
  let tokens = 0;
  for (const text of abstracts) tokens += count(text);
  const { user, system } = process.cpuUsage(cpu);
  return { ms: round(performance.now() - t), cpu_ms: round((user + system) / 1000), load_ms: round(loadMs), tokens };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--child') {
  const [variant, encoding, file] = args as [Variant, EncodingName, string];
  console.log(JSON.stringify(await pass(variant, encoding, file)));
} else {
  const file = mode ?? '/work/shared/datasets/scifact/corpus.jsonl';
  const runs = Number(args[0] ?? 5);
  const self = fileURLToPath(import.meta.url);
  const child = (variant: Variant, encoding: EncodingName): Pass =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, self, '--child', variant, encoding, file], { encoding: 'utf8' }),
    ) as Pass;
  const loadBefore = loadavg().map((x) => round(x, 2));
  const results: Record<string, unknown> = {};
  for (const encoding of ['cl100k_base', 'o200k_base'] as const) {
    const passes: Record<Variant, Pass[]> = { library: [], strata: [] };
    for (let r = 0; r < runs; r++) for (const v of ['library', 'strata'] as const) passes[v].push(child(v, encoding));
    const tokens = new Set([...passes.library, ...passes.strata].map((p) => p.tokens));
    if (tokens.size !== 1) throw new Error(`token totals differ for ${encoding}: ${[...tokens].join(', ')}`);
    const med = (v: Variant, key: 'ms' | 'cpu_ms'): number => median(passes[v].map((p) => p[key]));
    results[encoding] = {
      tokens: [...tokens][0],
      library_countTokens_ms: med('library', 'ms'),
      strata_count_ms: med('strata', 'ms'),
      speedup: round(med('library', 'ms') / med('strata', 'ms'), 2),
      library_cpu_ms: med('library', 'cpu_ms'),
      strata_cpu_ms: med('strata', 'cpu_ms'),
      library_runs_ms: passes.library.map((p) => p.ms),
      strata_runs_ms: passes.strata.map((p) => p.ms),
      load_ms: { library: median(passes.library.map((p) => p.load_ms)), strata: median(passes.strata.map((p) => p.load_ms)) },
    };
  }
  const abstracts = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  console.log(
    JSON.stringify(
      { corpus: file, abstracts, runs, cold: 'one pass per fresh process, medians of runs', loadavg: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) }, ...results },
      null,
      2,
    ),
  );
}
