// The `strata` command line. Commands are thin: each lives in ./commands and calls the core.
// Exit codes: 0 success, 2 user error (bad flag, config, missing collection), 1 failure.
import { Command, CommanderError, Option } from 'commander';
import { describeError, exitCodeFor } from '../core/errors.js';
import { registerAsk } from './commands/ask.js';
import { registerAudit } from './commands/audit.js';
import { registerBench } from './commands/bench.js';
import { registerCollections } from './commands/collections.js';
import { registerDocs } from './commands/docs.js';
import { registerEval } from './commands/eval.js';
import { registerIndex } from './commands/index-cmd.js';
import { registerIngest } from './commands/ingest.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { stdio, type Io } from './output.js';

export function buildProgram(io: Io = stdio): Command {
  const program = new Command('strata')
    .description('Strata: index folders of documents and search them with citations')
    .version('0.1.0')
    .addOption(new Option('-c, --config <file>', 'config file (default: ./strata.config.yaml if present)'))
    .addOption(new Option('-d, --data-dir <dir>', 'data directory of the embedded store (overrides dataDir)'))
    .addOption(new Option('-w, --workspace <name>', 'workspace (overrides workspace in config)'))
    .addOption(new Option('--as <user>', 'act as a user of the directory: see only what that user may read (default: the local operator, who reads everything)'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
  registerIngest(program, io);
  registerSearch(program, io);
  registerAsk(program, io);
  registerDocs(program, io);
  registerCollections(program, io);
  registerStatus(program, io);
  registerIndex(program, io);
  registerBench(program, io);
  registerServe(program, io);
  registerAudit(program, io);
  registerEval(program, io);
  return program;
}

export async function run(argv: string[], io: Io = stdio): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; unknown options and missing arguments are user errors
      return err.exitCode === 0 ? 0 : 2;
    }
    io.err.write(`${describeError(err)}\n`);
    if (process.env.STRATA_DEBUG && err instanceof Error) io.err.write(`${err.stack}\n`);
    return exitCodeFor(err);
  }
}

const invokedDirectly = process.argv[1] && /(?:strata(?:\.js)?|main\.[jt]s)$/.test(process.argv[1]);
if (invokedDirectly) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
