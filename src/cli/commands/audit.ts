// `strata audit verify|export`: check the workspace's hash-chained audit log, or write it out as JSON Lines.
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { auditEntries, exportAudit, verifyAuditChain } from '../../audit/verify.js';
import { StrataError } from '../../core/errors.js';
import { printJson, type Io } from '../output.js';
import { withContext } from './shared.js';

export function registerAudit(program: Command, io: Io): void {
  const audit = program.command('audit').description('verify and export the tamper-evident audit log of the workspace');

  audit
    .command('verify')
    .description('check that no audit entry was edited, deleted, inserted or reordered (exit 1 if one was)')
    .option('--json', 'print JSON')
    .action(async (flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const workspace = ctx.workspace.name;
        const result = await verifyAuditChain(auditEntries(ctx.store, ctx.workspace.id));
        if (flags.json) printJson(io, { workspace, ...result });
        if (!result.ok) {
          // Exit 1, not 2: the user's request was fine; the data is not. The JSON above stays on stdout for scripts.
          throw new StrataError('audit', 'integrity', `the audit log of workspace "${workspace}" is broken at entry ${result.firstBadSeq} (${result.problem}): ${result.message}`, {
            details: { workspace, firstBadSeq: result.firstBadSeq, problem: result.problem },
            hint: 'keep a copy of the log as it is now for the investigation: `strata audit export --out <file>`',
          });
        }
        if (flags.json) return;
        io.out.write(`audit log of workspace "${workspace}" is intact: ${entries(result.count)}, last hash ${result.lastHash}\n`);
        if (result.count > 0) {
          io.out.write(`  hint: a hash chain cannot show entries cut off its end; record elsewhere that entry ${result.count} has this hash, and compare later\n`);
        }
      });
    });

  audit
    .command('export')
    .description('write the audit log as JSON Lines, one entry per line, oldest first')
    .option('--out <file>', 'write to this file (replaced if it exists) instead of stdout')
    .action(async (flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        if (!flags.out) {
          await exportAudit(ctx.store, ctx.workspace.id, (line) => writeLine(io.out, line));
          return;
        }
        const fd = openForWriting(flags.out);
        let count: number;
        try {
          count = await exportAudit(ctx.store, ctx.workspace.id, (line) => {
            writeSync(fd, `${line}\n`);
          });
        } finally {
          closeSync(fd);
        }
        io.out.write(`exported ${entries(count)} of workspace "${ctx.workspace.name}" to ${flags.out}\n`);
      });
    });
}

const entries = (n: number) => (n === 1 ? '1 audit entry' : `${n} audit entries`);

/** Writes a line and waits when the stream's buffer is full, so a large export does not pile up in memory. */
async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

function openForWriting(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (cause) {
    throw new StrataError('cli', 'invalid-input', `cannot write the audit export to ${file}: ${(cause as Error).message}`, {
      cause,
      hint: 'pass --out a path in an existing folder you can write to',
    });
  }
}
