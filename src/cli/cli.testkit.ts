// Runs the CLI in-process with captured output, for tests.
import { PassThrough } from 'node:stream';
import { run } from './main.js';

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await run(argv, { out, err });
  return { code, stdout, stderr };
}
