// Excel (.xlsx): every non-empty worksheet becomes a heading and pipe tables of at most ROWS_PER_TABLE rows,
// each repeating the sheet's header row so a chunk holding any part of a table still says what its columns are.
import type { Cell, Workbook } from 'exceljs';
import { parseError } from '../../core/errors.js';
import { rowsToTable } from '../../core/text.js';
import { errorText, openPackage, readCoreProperties } from './ooxml.js';
import { fileTitle } from './text.js';
import type { Block, Parser } from './types.js';

const NAME = 'xlsx';
/** Rows per table block, header row included. */
export const ROWS_PER_TABLE = 50;
/** Output cap for the whole workbook; the pipeline's file-size limit is the real memory guard. */
export const MAX_ROWS = 200_000;

export default function xlsxParser(options: { maxRows?: number } = {}): Parser {
  const maxRows = options.maxRows ?? MAX_ROWS;
  return {
    name: NAME,
    extensions: ['.xlsx', '.xlsm'],
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    async parse(bytes, ctx) {
      // Validate first: exceljs's own errors on encrypted or non-zip input say nothing a user can act on.
      const { zip } = await openPackage(NAME, 'xlsx', bytes);
      const core = await readCoreProperties(NAME, zip);
      const { default: ExcelJS } = await import('exceljs');
      const workbook: Workbook = new ExcelJS.Workbook();
      try {
        // exceljs types its own `Buffer` interface; a Node Buffer is what it reads at runtime.
        await workbook.xlsx.load(bytes as unknown as Parameters<Workbook['xlsx']['load']>[0]);
      } catch (cause) {
        throw parseError(NAME, 'unreadable', `could not read the workbook (${errorText(cause)}); re-save it in Excel and retry`, cause);
      }

      const blocks: Block[] = [];
      const warnings: string[] = [];
      const sheets = workbook.worksheets;
      let budget = maxRows;
      for (const [i, sheet] of sheets.entries()) {
        const page = i + 1;
        const { rows, truncated } = sheetRows(sheet, budget);
        budget -= rows.length;
        if (rows.length > 0) {
          blocks.push({ kind: 'heading', level: 2, text: sheet.name, page, sheet: sheet.name });
          const [header, ...data] = rows as [string[], ...string[][]];
          const perTable = ROWS_PER_TABLE - 1;
          for (let start = 0; start === 0 || start < data.length; start += perTable) {
            const text = rowsToTable([header, ...data.slice(start, start + perTable)]);
            blocks.push({ kind: 'table', text, page, sheet: sheet.name });
          }
        }
        if (truncated) {
          warnings.push(
            `stopped after ${maxRows.toLocaleString('en-US')} rows (in sheet "${sheet.name}"); ` +
              'later rows and sheets are not indexed. Split the workbook to index all of it.',
          );
          break;
        }
      }
      if (blocks.length === 0) {
        throw parseError(NAME, 'empty', 'no text content: every worksheet is empty');
      }

      const title = core.title ?? (workbook.title || undefined) ?? fileTitle(ctx.path);
      const author = core.author ?? (workbook.creator || undefined);
      return {
        documents: [
          {
            metadata: {
              ...core,
              title,
              ...(author ? { author } : {}),
              sheets: sheets.map((s) => s.name),
            },
            blocks,
          },
        ],
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}

type Worksheet = Workbook['worksheets'][number];

/**
 * Non-empty rows of a sheet as text, trimmed to the columns that hold anything. At most `limit` rows;
 * `truncated` says a row with values was left out.
 */
function sheetRows(sheet: Worksheet, limit: number): { rows: string[][]; truncated: boolean } {
  const rows: Map<number, string>[] = [];
  let truncated = false;
  let minCol = Infinity;
  let maxCol = 0;
  sheet.eachRow({ includeEmpty: false }, (row) => {
    // eachRow cannot be stopped early; skipping the remaining rows is cheap.
    if (truncated) return;
    const cells = new Map<number, string>();
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      const text = cellText(cell);
      if (text.trim() !== '') cells.set(col, text);
    });
    if (cells.size === 0) return;
    if (rows.length >= limit) {
      truncated = true;
      return;
    }
    rows.push(cells);
    for (const col of cells.keys()) {
      minCol = Math.min(minCol, col);
      maxCol = Math.max(maxCol, col);
    }
  });
  const text = rows.map((cells) => {
    const out: string[] = [];
    for (let c = minCol; c <= maxCol; c++) out.push(cells.get(c) ?? '');
    return out;
  });
  return { rows: text, truncated };
}

/** What the cell shows, roughly: formulas give their cached result, dates ISO, links their text. */
export function cellText(cell: Pick<Cell, 'value' | 'numFmt'>): string {
  return valueText(cell.value, cell.numFmt ?? '');
}

function valueText(value: unknown, numFmt: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return numberText(value, numFmt);
  if (value instanceof Date) return dateText(value);
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) return v.richText.map((r: { text?: unknown }) => String(r.text ?? '')).join('');
  if ('error' in v) return String(v.error);
  if ('formula' in v || 'sharedFormula' in v) return valueText(v.result, numFmt); // no cached result → empty
  if ('hyperlink' in v) return valueText(v.text, numFmt); // the text may itself be rich text
  if ('text' in v) return valueText(v.text, numFmt);
  return '';
}

function numberText(n: number, numFmt: string): string {
  // Excel keeps 15 significant digits; more would print float noise such as 0.30000000000000004.
  const shown = (x: number): string => String(Number(x.toPrecision(15)));
  return /%/.test(numFmt.replace(/"[^"]*"/g, '')) ? `${shown(n * 100)}%` : shown(n);
}

/** Excel dates carry no time zone: exceljs reads them as UTC, so the UTC fields are the wall-clock value. */
function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const time = iso.slice(11, 19);
  // A time-only cell is a fraction of a day counted from Excel's epoch (1899-12-30).
  if (iso.startsWith('1899-12-30') || iso.startsWith('1899-12-31')) return time;
  return time === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)}T${time}`;
}
