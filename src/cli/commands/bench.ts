// `strata bench beir <dir>`: retrieval quality and speed on a BEIR dataset, printed as one JSON object.
import type { Command } from 'commander';
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
    .option('--json', 'print one JSON object')
    .action(async (dir: string, flags, cmd: Command) => {
      const { config } = loadConfig({ file: cmd.optsWithGlobals().config });
      const bar = await progressBar(io, 'bench');
      const result = await runBeir({ dir, config, split: flags.split, onProgress: (_p, d, t) => bar.update(d, t) }).finally(() => bar.stop());
      if (flags.json) return printJson(io, result);
      printTable(io, ['METRIC', 'VALUE'], Object.entries(result).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [k, v as string]));
    });
}
