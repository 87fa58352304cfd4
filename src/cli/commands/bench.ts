// `strata bench beir <dir> [--mode lexical|vector|hybrid] [--embedder name]`: retrieval quality and speed on a
// BEIR dataset, printed as one JSON object.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { runBeir } from '../../eval/beir.js';
import { printJson, printTable, progressBar, type Io } from '../output.js';

export function registerBench(program: Command, io: Io): void {
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('beir')
    .description('ingest a BEIR corpus into a fresh temporary store and score every test query')
    .argument('<dir>', 'BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)')
    .option('--split <name>', 'qrels split', 'test')
    .option('--mode <mode>', 'lexical, vector or hybrid', 'lexical')
    .option('--embedder <name>', 'embedder for vector and hybrid modes (default: static, the offline word vectors)')
    .option('--fusion <method>', 'hybrid fusion: rrf or weighted')
    .option('--vector-weight <w>', 'weighted fusion: share of the vector ranking, 0–1', weight)
    .option('--json', 'print one JSON object')
    .action(async (dir: string, flags, cmd: Command) => {
      const { config } = loadConfig({ file: cmd.optsWithGlobals().config });
      const bar = await progressBar(io, 'bench');
      if (!['lexical', 'vector', 'hybrid'].includes(flags.mode)) throw new InvalidArgumentError('--mode must be lexical, vector or hybrid');
      if (flags.fusion !== undefined && !['rrf', 'weighted'].includes(flags.fusion)) throw new InvalidArgumentError('--fusion must be rrf or weighted');
      const fusion = { ...(flags.fusion ? { method: flags.fusion } : {}), ...(flags.vectorWeight !== undefined ? { vectorWeight: flags.vectorWeight } : {}) };
      const result = await runBeir({ dir, config, split: flags.split, mode: flags.mode, embedder: flags.embedder, fusion, onProgress: (_p, d, t) => bar.update(d, t) }).finally(() => bar.stop());
      if (flags.json) return printJson(io, result);
      printTable(io, ['METRIC', 'VALUE'], Object.entries(result).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [k, v as string]));
    });
}

function weight(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('--vector-weight must be a number from 0 to 1');
  return n;
}
