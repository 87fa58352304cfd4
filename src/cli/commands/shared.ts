// Flag parsing helpers shared by commands.
import { InvalidArgumentError, type Command } from 'commander';
import { openContext, type CliContext, type GlobalFlags } from '../context.js';

export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Opens the context from the command's global flags, runs `fn`, and always closes the store. */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(cmd.optsWithGlobals() as GlobalFlags);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
