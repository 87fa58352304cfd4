// Filesystem connector: walks a folder and yields every file (or the reason it cannot be read),
// with the access policy from an optional sidecar `<file>.strata.json`. It never reads file contents
// beyond sidecars; the sync pipeline decides what to parse.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { validateAccessPolicy } from '../../core/access.js';
import { StrataError } from '../../core/errors.js';
import { CLASSIFICATIONS, type AccessPolicy, type Classification } from '../../core/types.js';

export const SIDECAR_SUFFIX = '.strata.json';

export interface FileEntry {
  /** Absolute path, usable with fs calls. */
  absPath: string;
  /** Path relative to the walked root, with `/` separators (shown to users). */
  relPath: string;
  size: number;
  modifiedAt: string;
}

export interface FileProblem {
  absPath: string;
  relPath: string;
  /** Why the file cannot be ingested, for its per-file status. */
  reason: string;
}

export type WalkItem = { kind: 'file'; file: FileEntry } | { kind: 'problem'; problem: FileProblem };

export interface WalkOptions {
  exclude: string[];
  followSymlinks: boolean;
}

/** Sidecar contents: who may read the file, its classification and extra metadata. */
export interface Sidecar {
  accessPolicy?: AccessPolicy;
  classification?: Classification;
  metadata?: Record<string, unknown>;
}

const CLASSIFICATION_SET: ReadonlySet<string> = new Set(CLASSIFICATIONS);

export async function* walkFolder(root: string, options: WalkOptions): AsyncGenerator<WalkItem> {
  let rootStat: Stats;
  try {
    rootStat = await stat(root);
  } catch (cause) {
    throw new StrataError('connector:filesystem', 'invalid-input', `folder not found: ${root}`, {
      cause,
      hint: 'check the path; it must be an existing folder',
    });
  }
  if (!rootStat.isDirectory()) {
    throw new StrataError('connector:filesystem', 'invalid-input', `not a folder: ${root}`, {
      hint: 'pass the folder that contains the files to ingest',
    });
  }
  const excluded = options.exclude.map(globToRegExp);
  const isExcluded = (rel: string) => excluded.some((re) => re.test(rel) || re.test(`${rel}/`));
  // Real paths of the directories on the current descent path: a symlink back into one of them is a loop.
  const ancestors = new Set<string>();

  async function* visit(dir: string): AsyncGenerator<WalkItem> {
    const real = await realpath(dir);
    ancestors.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      yield problem(dir, `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      ancestors.delete(real);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = toRel(abs);
      if (isExcluded(rel)) continue;
      if (entry.name.includes('\uFFFD')) {
        yield problem(abs, 'the file name is not valid UTF-8; rename the file');
        continue;
      }
      let st: Stats;
      if (entry.isSymbolicLink()) {
        if (!options.followSymlinks) continue;
        try {
          st = await stat(abs);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          yield problem(abs, code === 'ELOOP' ? 'symlink loop: the link resolves to itself' : `broken symlink (${code ?? 'unreadable'})`);
          continue;
        }
        if (st.isDirectory()) {
          const target = await realpath(abs).catch(() => null);
          if (target === null || ancestors.has(target)) {
            yield problem(abs, `symlink loop: the link points back to ${target ?? 'an unreadable folder'}; it was not followed`);
            continue;
          }
        }
      } else if (entry.isDirectory() || entry.isFile()) {
        try {
          st = await stat(abs);
        } catch (e) {
          yield problem(abs, `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          continue;
        }
      } else {
        continue; // sockets, FIFOs and devices are not documents
      }
      if (st.isDirectory()) {
        yield* visit(abs);
      } else if (st.isFile() && !entry.name.endsWith(SIDECAR_SUFFIX)) {
        yield { kind: 'file', file: { absPath: abs, relPath: rel, size: st.size, modifiedAt: st.mtime.toISOString() } };
      }
    }
    ancestors.delete(real);
  }

  const toRel = (abs: string) => relative(root, abs).split(sep).join(posix.sep);
  const problem = (abs: string, reason: string): WalkItem => ({ kind: 'problem', problem: { absPath: abs, relPath: toRel(abs), reason } });
  yield* visit(root);
}

/** The raw text of `<file>.strata.json`, or null when the file has no sidecar. */
export async function readSidecarText(absPath: string): Promise<string | null> {
  try {
    return await readFile(`${absPath}${SIDECAR_SUFFIX}`, 'utf8');
  } catch {
    return null;
  }
}

/** Parses a sidecar. A malformed sidecar is an error for that file, never silently ignored. */
export function parseSidecar(text: string): Sidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`sidecar ${SIDECAR_SUFFIX} is not valid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`sidecar ${SIDECAR_SUFFIX} must be a JSON object`);
  const o = raw as Record<string, unknown>;
  const out: Sidecar = {};
  if (o.readers !== undefined) {
    if (!Array.isArray(o.readers) || !o.readers.every((r) => typeof r === 'string' && r.length > 0)) {
      throw new Error(`sidecar ${SIDECAR_SUFFIX}: "readers" must be a list of principals such as "user:ana" or "group:finance"`);
    }
    out.accessPolicy = { readers: o.readers as string[] };
    try {
      validateAccessPolicy(out.accessPolicy, 'connector:filesystem');
    } catch (e) {
      // a reader without its "user:"/"group:" prefix would silently lock everyone out
      throw new Error(`sidecar ${SIDECAR_SUFFIX}: ${(e as Error).message.replace(/^\[strata\] \[[^\]]+\] /, '')}`);
    }
  }
  if (o.classification !== undefined) {
    if (typeof o.classification !== 'string' || !CLASSIFICATION_SET.has(o.classification)) {
      throw new Error(`sidecar ${SIDECAR_SUFFIX}: "classification" must be one of ${CLASSIFICATIONS.join(', ')}`);
    }
    out.classification = o.classification as Classification;
  }
  if (o.metadata !== undefined) {
    if (!o.metadata || typeof o.metadata !== 'object' || Array.isArray(o.metadata)) {
      throw new Error(`sidecar ${SIDECAR_SUFFIX}: "metadata" must be an object`);
    }
    out.metadata = o.metadata as Record<string, unknown>;
  }
  return out;
}

/** `**` matches any number of path segments, `*` anything but `/`, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
