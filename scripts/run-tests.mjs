#!/usr/bin/env node
// Runs every `*.test.ts` beside the code with Node's own test runner (TypeScript through tsx).
// Node 20's `--test` takes no globs, so the files are listed here. Extra args are passed through
// (e.g. `npm test -- src/store` to run one folder).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
const walk = (p) => {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) if (name !== 'node_modules') walk(join(p, name));
  } else if (p.endsWith('.test.ts')) files.push(p);
};
for (const r of roots.length ? roots : ['src', 'bench']) walk(r);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...flags, ...files],
  { stdio: 'inherit', env: { ...process.env, STRATA_TEST: '1' } },
);
process.exit(res.status ?? 1);
