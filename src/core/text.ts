// Small text helpers shared by parsers and chunking (no I/O).

/** Collapse runs of whitespace inside a line and trim; keeps paragraph breaks out (callers split first). */
export function normalizeSpace(s: string): string {
  return s.replace(/[\t\f\v \u00a0\u2000-\u200b\u3000]+/g, ' ').replace(/ *\n */g, '\n').trim();
}

/** Render rows as a pipe table (markdown-like), which keeps cells readable to both BM25 and models. */
export function rowsToTable(rows: string[][]): string {
  return rows
    .filter((r) => r.some((c) => c.trim() !== ''))
    .map((r) => `| ${r.map((c) => normalizeSpace(String(c)).replace(/\n/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`)
    .join('\n');
}
