// Delimited text (.csv, .tsv): one document of table blocks, each repeating the header row so every chunk
// of a long table still says what its columns mean.
import { StrataError, parseError } from '../../core/errors.js';
import { rowsToTable } from '../../core/text.js';
import { assertHasText, decodeText } from './decode.js';
import { fileTitle } from './text.js';
import type { Block, Parser } from './types.js';

/** Data rows per table block; small enough that a block fits a chunk, large enough to keep rows together. */
export const ROWS_PER_BLOCK = 50;
const CANDIDATES = [',', ';', '\t'] as const;
const SAMPLE_RECORDS = 20;

/**
 * Walk the text honouring quotes, calling `onRecordEnd` with each record's delimiter counts.
 * Returns the line where an unclosed quote opened, if any. Shared by sniffing and error reporting.
 */
function scan(text: string, maxRecords: number, onRecordEnd?: (counts: Map<string, number>) => void): number | undefined {
  let inQuotes = false;
  let quoteLine = 0;
  let line = 1;
  let records = 0;
  let counts = new Map<string, number>();
  for (let i = 0; i < text.length && records < maxRecords; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (c === '"' && inQuotes) {
      if (text[i + 1] === '"') i++;
      else inQuotes = false;
    } else if (c === '"' && (i === 0 || '\n,;\t'.includes(text[i - 1] ?? ''))) {
      // Only a quote at the start of a field opens one; elsewhere (`5" screen`) it is a literal.
      inQuotes = true;
      quoteLine = line;
    } else if (!inQuotes && c === '\n') {
      onRecordEnd?.(counts);
      counts = new Map();
      records++;
    } else if (!inQuotes && c !== undefined && (CANDIDATES as readonly string[]).includes(c)) {
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  if (!inQuotes && counts.size) onRecordEnd?.(counts);
  return inQuotes ? quoteLine : undefined;
}

/** The delimiter that splits the first records most consistently into more than one column. */
export function sniffDelimiter(text: string): string {
  const perRecord: Map<string, number>[] = [];
  scan(text, SAMPLE_RECORDS, (c) => perRecord.push(c));
  let best: { delimiter: string; consistent: number; columns: number } = { delimiter: ',', consistent: 0, columns: 0 };
  for (const d of CANDIDATES) {
    const first = perRecord[0]?.get(d) ?? 0;
    if (first === 0) continue;
    const consistent = perRecord.filter((r) => (r.get(d) ?? 0) === first).length;
    if (consistent > best.consistent || (consistent === best.consistent && first > best.columns)) {
      best = { delimiter: d, consistent, columns: first };
    }
  }
  return best.delimiter;
}

export default function csvParser(): Parser {
  return {
    name: 'csv',
    extensions: ['.csv', '.tsv'],
    mediaType: 'text/csv',
    async parse(bytes, ctx) {
      const { text, warning } = decodeText(bytes, 'csv');
      assertHasText(text, 'csv');
      const tsv = ctx.path.toLowerCase().endsWith('.tsv') || ctx.mediaType === 'text/tab-separated-values';
      const delimiter = tsv ? '\t' : sniffDelimiter(text);
      const { parse } = await import('csv-parse/sync').catch((cause: unknown) => {
        throw new StrataError('parser:csv', 'unavailable', 'the csv-parse package could not be loaded', {
          cause,
          hint: 'Reinstall Strata\'s dependencies (npm install).',
        });
      });
      let rows: string[][];
      try {
        rows = parse(text, {
          delimiter,
          bom: true,
          relax_column_count: true,
          // A stray quote inside an unquoted field (`5" screen`) is kept literally, as Excel does.
          relax_quotes: true,
          skip_empty_lines: true,
          skip_records_with_empty_values: true,
        }) as string[][];
      } catch (err) {
        const e = err as { code?: string; lines?: number; message?: string };
        const opened = e.code === 'CSV_QUOTE_NOT_CLOSED' ? scan(text, Infinity) : undefined;
        const where = opened ?? e.lines;
        const reason =
          opened !== undefined
            ? `a quoted field opened on line ${opened} is never closed`
            : `${e.message ?? String(err)}`;
        throw parseError(
          'csv',
          'corrupt',
          `malformed CSV${where ? ` at line ${where}` : ''}: ${reason}; fix the quoting or re-export the file`,
          err,
        );
      }
      const [header, ...data] = rows;
      if (!header) throw parseError('csv', 'empty', 'no text content: the file has no rows');
      const blocks: Block[] = [];
      for (let i = 0; i < Math.max(data.length, 1); i += ROWS_PER_BLOCK) {
        const text = rowsToTable([header, ...data.slice(i, i + ROWS_PER_BLOCK)]);
        if (text) blocks.push({ kind: 'table', text });
      }
      if (!blocks.length) throw parseError('csv', 'empty', 'no text content: every cell is empty');
      return {
        documents: [
          {
            metadata: { title: fileTitle(ctx.path), rowCount: data.length, columns: header.map((c) => c.trim()) },
            blocks,
          },
        ],
        ...(warning ? { warnings: [warning] } : {}),
      };
    },
  };
}
