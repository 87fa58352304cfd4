// Structure-aware chunking: packs a document's blocks into chunks of at most `maxTokens` tokens, keeping
// headings with their sections, tables whole (or split by rows under a repeated header) and sentences intact.
import { StrataError } from '../core/errors.js';
import type { ChunkingSettings, ChunkLocation } from '../core/types.js';
import type { Block } from './parsers/types.js';
import { countWithin, splitByTokens, tailByTokens, type TokenCounter } from './tokenizer.js';

/** A chunk before it has ids; its ordinal is its index in the returned array. */
export interface ChunkDraft {
  text: string;
  /** Exact token count of `text` with the counter the chunker was given. */
  tokenCount: number;
  location: ChunkLocation;
}

// A new section closes the current chunk only once it holds this share of maxTokens: a near-empty chunk is
// a poor retrieval unit (too little to embed or rank), so tiny sections are merged forward instead.
const MIN_FILL = 0.25;
/** Block separator when the counter promises no additive one; chunks are then re-counted exactly. */
const PLAIN_SEPARATOR = { text: '\n\n', tokens: 1 };

/** What gets packed: a whole block, or one piece (sentence, line, row group) of a block too big for a chunk. */
interface Unit {
  text: string; // trimmed, non-empty
  tokens: number; // exact count of `text`
  kind: 'heading' | 'text' | 'table';
  /** Whitespace before this piece when it follows the previous piece of its block; undefined between blocks. */
  glue?: string | undefined;
  headings: string[];
  section: number;
  /** A heading at or above the current level: it may close the current chunk. */
  opensSection?: boolean;
  code?: boolean;
  page?: number | undefined;
  sheet?: string | undefined;
  table?: number; // table id: parts of one table never share a chunk
  overlap?: boolean; // copied from the end of the previous chunk
}

type Piece = { text: string; tokens: number; glue?: string | undefined };

function invalid(key: string, value: unknown, rule: string): StrataError {
  return new StrataError('chunker', 'config', `chunking.${key} must be ${rule} (got ${JSON.stringify(value)})`, {
    details: { key: `chunking.${key}`, value },
    hint: `Fix chunking.${key} in the configuration or in the collection's settings.`,
  });
}

export function validateChunking(s: ChunkingSettings): void {
  if (!Number.isInteger(s.maxTokens) || s.maxTokens < 16) throw invalid('maxTokens', s.maxTokens, 'an integer ≥ 16');
  if (!Number.isInteger(s.overlapTokens) || s.overlapTokens < 0 || s.overlapTokens >= s.maxTokens / 2) {
    throw invalid('overlapTokens', s.overlapTokens, `an integer ≥ 0 and below half of maxTokens (${s.maxTokens / 2})`);
  }
}

// A sentence ends at . ! ? … (plus closing quotes or brackets) before whitespace and a capital or an uncased
// letter — so "e.g. the" and "Fig. 3" stay whole — or at CJK 。！？, which need no space. Line breaks
// always end a segment: list items and table-like lines are units of meaning too.
const SENTENCE_END = /[.!?…]+["'”’»)\]]*(?=\s+["'“‘«([]?[\p{Lu}\p{Lt}\p{Lo}])|[。！？｡]+[」』）】"”’]*|\n/gu;
const LINE_END = /\n/g;
const isBlank = (c: string | undefined): boolean => c !== undefined && c.trim() === '';

/** Trimmed [start, end) ranges of the sentences of `text` (lines, for code). */
export function splitSegments(text: string, code = false): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const push = (a: number, b: number): void => {
    while (a < b && isBlank(text[a])) a++;
    while (b > a && isBlank(text[b - 1])) b--;
    if (a < b) out.push([a, b]);
  };
  let start = 0;
  for (const m of text.matchAll(code ? LINE_END : SENTENCE_END)) {
    const end = m[0] === '\n' ? m.index : m.index + m[0].length;
    push(start, end);
    start = end;
  }
  push(start, text.length);
  return out;
}

/** A block as one piece when it fits, else its sentences (lines for code), cutting longer ones by tokens. */
function measure(text: string, max: number, counter: TokenCounter, code: boolean): Piece[] {
  const whole = countWithin(counter, text, max);
  if (whole !== false) return [{ text, tokens: whole }];
  const out: Piece[] = [];
  let prevEnd = 0;
  for (const [a, b] of splitSegments(text, code)) {
    const seg = text.slice(a, b);
    const glue = out.length === 0 ? undefined : text.slice(prevEnd, a);
    prevEnd = b;
    const n = countWithin(counter, seg, max);
    if (n !== false) out.push({ text: seg, tokens: n, glue });
    else splitByTokens(counter, seg, max).forEach((p, i) => out.push({ ...p, glue: i === 0 ? glue : p.glue }));
  }
  return out;
}

// A markdown delimiter row (|---|:--:|) belongs to the header.
const DELIMITER_ROW = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/;

/** A table whole when it fits, else groups of rows, each under a copy of the header row. */
function tableParts(text: string, max: number, counter: TokenCounter): Piece[] {
  const whole = countWithin(counter, text, max);
  if (whole !== false) return [{ text, tokens: whole }];
  const rows = text.split('\n').map((r) => r.trim()).filter(Boolean);
  let headerRows = rows.length > 2 && DELIMITER_ROW.test(rows[1]!) ? 2 : 1;
  let header: string | undefined = rows.slice(0, headerRows).join('\n');
  const headerTokens = countWithin(counter, header, Math.floor(max / 2));
  // A header too big to repeat would crowd out the rows; such a table is split without it.
  if (headerTokens === false) [header, headerRows] = [undefined, 0];
  const base = headerTokens === false ? 0 : headerTokens + 1; // + the newline
  const items: Piece[] = [];
  for (const row of rows.slice(headerRows)) {
    const n = countWithin(counter, row, max - base);
    if (n !== false) items.push({ text: row, tokens: n });
    else items.push(...splitByTokens(counter, row, max - base));
  }
  const render = (i: number, j: number): string =>
    (header === undefined ? [] : [header]).concat(items.slice(i, j).map((r) => r.text)).join('\n');
  const parts: Piece[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i + 1;
    let estimate = base + items[i]!.tokens;
    while (j < items.length && estimate + 1 + items[j]!.tokens <= max) estimate += 1 + items[j++]!.tokens;
    // The estimate assumes a token per newline; the exact count decides, giving rows back if needed.
    let part = render(i, j);
    let n = countWithin(counter, part, max);
    while (n === false && j > i + 1) n = countWithin(counter, (part = render(i, --j)), max);
    // (a single row that only overflows together with the header goes without it)
    parts.push(n === false ? items[i]! : { text: part, tokens: n });
    i = j;
  }
  return parts;
}

/** Blocks → units, tracking the heading path (outermost first) and section numbers. */
function toUnits(blocks: Block[], max: number, counter: TokenCounter): Unit[] {
  const units: Unit[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let headings: string[] = [];
  let section = 0;
  let tables = 0;
  for (const block of blocks) {
    const text = block.text.trim();
    if (!text) continue;
    const where = { page: block.page, sheet: block.sheet, headings };
    if (block.kind === 'heading') {
      const level = Math.min(6, Math.max(1, Math.trunc(block.level ?? 1)));
      const top = path.at(-1);
      while (path.length > 0 && path[path.length - 1]!.level >= level) path.pop();
      path.push({ level, text });
      headings = path.map((h) => h.text);
      section++;
      const opensSection = !top || level <= top.level;
      measure(text, max, counter, false).forEach((p, i) =>
        units.push({ ...p, ...where, headings, kind: 'heading', section, opensSection: opensSection && i === 0 }),
      );
    } else if (block.kind === 'table') {
      const table = tables++;
      for (const p of tableParts(text, max, counter)) units.push({ ...p, ...where, glue: undefined, kind: 'table', section, table });
    } else {
      const code = block.kind === 'code';
      for (const p of measure(text, max, counter, code)) units.push({ ...p, ...where, kind: 'text', section, code });
    }
  }
  return units;
}

function locate(units: Unit[]): ChunkLocation {
  const loc: ChunkLocation = {};
  // Small sections may share a chunk; it is labelled with the section it starts in. That is where a
  // citation should jump to, and the later sections' headings are in the text for search to see.
  const first = units.find((u) => u.kind !== 'heading') ?? units[units.length - 1]!;
  if (first.headings.length > 0) loc.headings = [...first.headings];
  for (const u of units) {
    if (u.page !== undefined) {
      loc.pageStart = Math.min(loc.pageStart ?? u.page, u.page);
      loc.pageEnd = Math.max(loc.pageEnd ?? u.page, u.page);
    }
    if (loc.sheet === undefined && u.sheet !== undefined) loc.sheet = u.sheet;
    if (u.kind === 'table') loc.table = true;
  }
  return loc;
}

/**
 * Packs a document's blocks greedily into chunks of at most `maxTokens` tokens (exact counts):
 * - A heading opens a section; its text starts the section's first chunk, and `location.headings` is the
 *   heading path (outermost first). A heading at or above the current level closes the chunk once it is
 *   25% full; smaller sections share a chunk, which is labelled with the first section in it.
 * - Blocks that fit are never split. A longer block is split at sentences (lines for code), and a longer
 *   sentence at token boundaries. A table that fits stays whole (in a chunk of its own when it does not fit
 *   beside the current one); a larger one is split by rows, each part under a copy of the header row.
 * - When a section's text continues in a new chunk, that chunk opens with up to `overlapTokens` tokens of
 *   whole sentences from the end of the previous one; never across a table, section or sheet.
 */
export function chunkBlocks(blocks: Block[], settings: ChunkingSettings, counter: TokenCounter): ChunkDraft[] {
  validateChunking(settings);
  const { maxTokens: max, overlapTokens } = settings;
  const sep = counter.separator ?? PLAIN_SEPARATOR;
  const units = toUnits(blocks, max, counter);
  const drafts: ChunkDraft[] = [];
  const pending: Unit[] = []; // a stack of units to place before units[i]
  let i = 0;
  let cur: Unit[] = [];
  let tokens = 0; // estimate for cur; exact while every join is the additive separator

  // Inline whitespace mostly merges into the next token; a line break usually is one.
  const glueTokens = (u: Unit): number => (u.glue === undefined ? sep.tokens : u.glue.includes('\n') ? 1 : 0);
  const estimate = (us: Unit[]): number => us.reduce((n, u, k) => n + u.tokens + (k > 0 ? glueTokens(u) : 0), 0);
  const render = (us: Unit[]): string => us.reduce((s, u, k) => (k > 0 ? s + (u.glue ?? sep.text) + u.text : u.text), '');
  const exact = (us: Unit[]): boolean =>
    us.every((u, k) => k === 0 || (u.glue === undefined && counter.separator !== undefined));

  const breaksBefore = (u: Unit): boolean =>
    (u.opensSection === true && tokens >= max * MIN_FILL) ||
    (u.table !== undefined && cur.some((c) => c.table === u.table)) ||
    (u.sheet !== undefined && cur.some((c) => c.sheet !== undefined && c.sheet !== u.sheet));

  /** Whole sentences (else a token-cut tail) from the end of `prev`, to open the chunk that goes on with `next`. */
  const overlapFor = (prev: Unit[], next: Unit): Unit[] => {
    const last = prev[prev.length - 1]!;
    if (next.kind !== 'text' || last.kind !== 'text' || next.section !== last.section || next.sheet !== last.sheet) return [];
    // Units are never split to make room: when the next paragraph leaves less room, the overlap shrinks.
    const budget = Math.min(overlapTokens, max - next.tokens - glueTokens(next));
    const out: Unit[] = [];
    let used = 0;
    for (let k = prev.length - 1; k >= 0 && budget > 0; k--) {
      const u = prev[k]!;
      if (u.kind !== 'text' || u.section !== next.section) break;
      const join = out.length > 0 ? glueTokens(out[0]!) : 0;
      if (used + join + u.tokens <= budget) {
        out.unshift({ ...u, overlap: true });
        used += join + u.tokens;
        continue;
      }
      const tail =
        sentenceTail(u, budget - used - join) ??
        (out.length === 0 && budget === overlapTokens ? tailByTokens(counter, u.text, budget) : undefined);
      if (tail) out.unshift({ ...u, text: tail.text, tokens: tail.tokens, overlap: true });
      break;
    }
    return out;
  };

  const sentenceTail = (u: Unit, left: number): Piece | undefined => {
    if (left <= 0) return undefined;
    const segs = splitSegments(u.text, u.code);
    let best: Piece | undefined;
    for (let k = segs.length - 1; k >= 1; k--) {
      const text = u.text.slice(segs[k]![0]);
      const n = countWithin(counter, text, left);
      if (n === false) break;
      best = { text, tokens: n };
    }
    return best;
  };

  const emit = (): void => {
    // Trailing headings go with the section they open, when they fit beside its first unit.
    let k = cur.length;
    while (k > 0 && cur[k - 1]!.kind === 'heading') k--;
    const next = pending.at(-1);
    if (next && k > 0 && k < cur.length && estimate([...cur.slice(k), next]) <= max) {
      for (let m = cur.length - 1; m >= k; m--) pending.push(cur[m]!);
      cur = cur.slice(0, k);
    }
    if (cur.every((u) => u.overlap)) {
      [cur, tokens] = [[], 0]; // never a chunk of repeated text only
      return;
    }
    let text = render(cur);
    let n = exact(cur) ? estimate(cur) : counter.count(text);
    // Only non-additive joins can overflow: drop the overlap first, then give units back.
    while (n > max && cur.length > 1) {
      if (cur[0]!.overlap) cur = cur.filter((u) => !u.overlap);
      else pending.push(cur.pop()!);
      text = render(cur);
      n = counter.count(text);
    }
    drafts.push({ text, tokenCount: n, location: locate(cur) });
    const after = pending.at(-1) ?? units[i];
    cur = after && overlapTokens > 0 ? overlapFor(cur, after) : [];
    tokens = estimate(cur);
  };

  for (;;) {
    const u = pending.pop() ?? units[i++];
    if (!u) {
      if (cur.every((c) => c.overlap)) break;
      emit(); // may give units back to `pending`, so the loop goes on
      continue;
    }
    if (cur.length > 0 && breaksBefore(u)) {
      pending.push(u);
      emit();
      continue;
    }
    const need = cur.length === 0 ? u.tokens : tokens + glueTokens(u) + u.tokens;
    if (need <= max) {
      cur.push(u);
      tokens = need;
    } else if (cur.every((c) => c.overlap)) {
      [cur, tokens] = [[u], u.tokens]; // overlap is best effort
    } else {
      pending.push(u);
      emit();
    }
  }
  return drafts;
}
