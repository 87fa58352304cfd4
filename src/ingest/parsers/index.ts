// The parser registry: one declarative list; lookup by extension is derived from it.
import type { Parser } from './types.js';
import csv from './csv.js';
import docx from './docx.js';
import eml from './eml.js';
import html from './html.js';
import json from './json.js';
import jsonl from './jsonl.js';
import markdown from './markdown.js';
import pdf from './pdf.js';
import pptx from './pptx.js';
import text from './text.js';
import xlsx from './xlsx.js';

export const PARSERS: readonly Parser[] = [text(), markdown(), html(), pdf(), docx(), pptx(), xlsx(), csv(), json(), jsonl(), eml()];

const byExtension = new Map<string, Parser>(PARSERS.flatMap((p) => p.extensions.map((ext) => [ext, p] as const)));

export function parserFor(extension: string): Parser | undefined {
  return byExtension.get(extension.toLowerCase());
}

export const SUPPORTED_EXTENSIONS = [...byExtension.keys()].sort();
