#!/usr/bin/env node
// Entry point of the `strata` command; the compiled CLI lives in dist/ (built by `npm ci` via `prepare`).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('[strata] the CLI is not built yet: run `npm ci` (or `npm run build`) in the Strata folder first');
  process.exit(1);
}
await import(entry.href);
