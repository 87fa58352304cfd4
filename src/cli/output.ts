// Output helpers: JSON for scripts, aligned tables for people, progress bars only on a TTY.
import type { Writable } from 'node:stream';

export interface Io {
  out: Writable & { isTTY?: boolean };
  err: Writable & { isTTY?: boolean };
}

export const stdio: Io = { out: process.stdout, err: process.stderr };

export function printJson(io: Io, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table; long cells are cut so rows stay on one line. */
export function printTable(io: Io, headers: string[], rows: (string | number | null | undefined)[][], maxCell = 60): void {
  const cells = rows.map((r) => r.map((c) => cut(c === null || c === undefined ? '' : String(c), maxCell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  io.out.write(`${line(headers)}\n`);
  for (const r of cells) io.out.write(`${line(r)}\n`);
}

const cut = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (logs and pipes stay clean). */
export async function progressBar(io: Io, title: string): Promise<Progress> {
  if (!io.err.isTTY) return { update() {}, stop() {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {value}/{total} {label}`,
      stream: io.err as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label = '') {
      if (!started) {
        bar.start(total, 0, { label: '' });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { label: cut(label, 40) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Replaces snippet highlight offsets with terminal bold (TTY) or «…» markers. */
export function renderSnippet(snippet: { text: string; highlights: [number, number][] }, tty: boolean): string {
  const [open, close] = tty ? ['\u001b[1m', '\u001b[22m'] : ['«', '»'];
  let out = '';
  let at = 0;
  for (const [s, e] of snippet.highlights) {
    out += snippet.text.slice(at, s) + open + snippet.text.slice(s, e) + close;
    at = e;
  }
  return out + snippet.text.slice(at);
}
