import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { isStrataError } from '../../core/errors.js';
import xlsxParser, { cellText } from './xlsx.js';
import type { ParseContext } from './types.js';

const ctx: ParseContext = {
  path: 'finance/expenses-2024.xlsx',
  mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ocr: { enabled: false },
};

/** Expenses: header in row 2, columns B–E, 120 data rows. Then an empty sheet, then Rates with a formula. */
async function workbookBytes(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.title = 'Expense Ledger 2024';
  wb.creator = 'Finance Team';
  const expenses = wb.addWorksheet('Expenses');
  expenses.getRow(2).values = [undefined, 'Date', 'Vendor', 'Amount', 'Approved'];
  for (let i = 1; i <= 120; i++) {
    expenses.getRow(2 + i).values = [undefined, new Date(Date.UTC(2024, 0, i)), `Vendor ${i}`, i * 10, i % 2 === 0];
  }
  wb.addWorksheet('Blank');
  const rates = wb.addWorksheet('Rates');
  rates.addRow(['Currency', 'Rate', 'Doubled']);
  rates.addRow(['EUR', 1.08, { formula: 'B2*2', result: 2.16 }]);
  rates.addRow([]); // an empty row in the middle is skipped
  rates.addRow(['GBP', 1.27, { formula: 'B4*2', result: 2.54 }]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function failureKind(bytes: Buffer): Promise<string> {
  try {
    await xlsxParser().parse(bytes, ctx);
  } catch (err) {
    assert.ok(isStrataError(err), `expected a StrataError, got ${String(err)}`);
    assert.match(err.message, /^\[strata\] \[parser:xlsx\] /);
    return String(err.details.kind);
  }
  assert.fail('parse should have failed');
}

test('each sheet is a heading plus tables of at most 50 rows that all start with the header', async () => {
  const { documents, warnings } = await xlsxParser().parse(await workbookBytes(), ctx);
  assert.equal(warnings, undefined);
  const { blocks, metadata } = documents[0]!;
  assert.deepEqual(metadata.sheets, ['Expenses', 'Blank', 'Rates']);
  assert.equal(metadata.title, 'Expense Ledger 2024');
  assert.equal(metadata.author, 'Finance Team');

  assert.deepEqual(
    blocks.map((b) => [b.kind, b.level, b.page, b.sheet]),
    [
      ['heading', 2, 1, 'Expenses'],
      ['table', undefined, 1, 'Expenses'],
      ['table', undefined, 1, 'Expenses'],
      ['table', undefined, 1, 'Expenses'],
      // "Blank" (sheet 2) has no block; Rates keeps its position as page 3.
      ['heading', 2, 3, 'Rates'],
      ['table', undefined, 3, 'Rates'],
    ],
  );
  assert.equal(blocks[0]!.text, 'Expenses');
  const tables = blocks.filter((b) => b.kind === 'table' && b.sheet === 'Expenses').map((b) => b.text.split('\n'));
  assert.deepEqual(tables.map((t) => t.length), [50, 50, 23]);
  for (const t of tables) assert.equal(t[0], '| Date | Vendor | Amount | Approved |');
  assert.equal(tables[0]![1], '| 2024-01-01 | Vendor 1 | 10 | FALSE |');
  assert.equal(tables[1]![1], '| 2024-02-19 | Vendor 50 | 500 | TRUE |');
  assert.equal(tables[2]![22], '| 2024-04-29 | Vendor 120 | 1200 | TRUE |');
  // Every data row appears exactly once across the tables.
  assert.equal(tables.flatMap((t) => t.slice(1)).length, 120);

  assert.equal(blocks.at(-1)!.text, '| Currency | Rate | Doubled |\n| EUR | 1.08 | 2.16 |\n| GBP | 1.27 | 2.54 |');
});

test('the row cap stops reading with a warning instead of failing', async () => {
  const { documents, warnings } = await xlsxParser({ maxRows: 10 }).parse(await workbookBytes(), ctx);
  assert.equal(warnings?.length, 1);
  assert.match(warnings![0]!, /stopped after 10 rows \(in sheet "Expenses"\)/);
  const { blocks } = documents[0]!;
  assert.deepEqual(blocks.map((b) => b.kind), ['heading', 'table']);
  assert.equal(blocks[1]!.text.split('\n').length, 10);
});

test('cell values read as the user sees them', () => {
  const t = (value: unknown, numFmt = ''): string => cellText({ value, numFmt } as Parameters<typeof cellText>[0]);
  assert.equal(t({ richText: [{ text: 'Net ' }, { text: 'revenue', font: { bold: true } }] }), 'Net revenue');
  assert.equal(t({ text: 'Policy portal', hyperlink: 'https://intranet.example/policy' }), 'Policy portal');
  assert.equal(t({ formula: 'A1/0', result: { error: '#DIV/0!' } }), '#DIV/0!');
  assert.equal(t({ error: '#N/A' }), '#N/A');
  assert.equal(t({ sharedFormula: 'C2', result: new Date(Date.UTC(2024, 2, 5)) }), '2024-03-05');
  assert.equal(t(new Date(Date.UTC(2024, 2, 5, 14, 30))), '2024-03-05T14:30:00');
  assert.equal(t(new Date(Date.UTC(1899, 11, 30, 9, 15))), '09:15:00');
  assert.equal(t(0.1 + 0.2), '0.3');
  assert.equal(t(0.125, '0.0%'), '12.5%');
  assert.equal(t({ formula: 'NOW()' }), '');
});

test('a workbook with only empty sheets is empty', async () => {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('One');
  wb.addWorksheet('Two').getCell('C3').value = '   ';
  assert.equal(await failureKind(Buffer.from(await wb.xlsx.writeBuffer())), 'empty');
});

test('unreadable input fails with a kind, never a raw exception', async () => {
  const good = await workbookBytes();
  assert.equal(await failureKind(Buffer.alloc(0)), 'empty');
  assert.equal(await failureKind(good.subarray(0, good.length >> 1)), 'corrupt');
  assert.equal(await failureKind(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), 'corrupt');
  const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
  assert.equal(await failureKind(cfb), 'encrypted');
  const notXlsx = new JSZip();
  notXlsx.file('word/document.xml', '<w:document/>');
  assert.equal(await failureKind(await notXlsx.generateAsync({ type: 'nodebuffer' })), 'corrupt');
});
