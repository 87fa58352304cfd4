// The parser conformance suite: every parser in PARSERS is held to the contract in types.ts, with its
// known-good sample from samples.testkit.ts and damaged copies of it. A new parser is covered as soon as it
// is registered, and fails here until it has a sample.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { StrataError, type ParseFailureKind } from '../../core/errors.js';
import { PARSERS } from './index.js';
import { SAMPLES, SAMPLE_WORD, type ParserSample } from './samples.testkit.js';
import type { Block, ParseContext, ParseResult, Parser } from './types.js';
import { seededRandom } from '../../core/random.js';

// Records rather than arrays, so adding a block kind or failure kind without updating the suite fails tsc.
const BLOCK_KINDS: Record<Block['kind'], true> = { heading: true, paragraph: true, table: true, list: true, code: true };
const FAILURE_KINDS: Record<ParseFailureKind, true> = {
  corrupt: true,
  encrypted: true,
  empty: true,
  unsupported: true,
  'too-large': true,
  encoding: true,
  'no-text': true,
  unreadable: true,
};
/** Generous: the slowest sample parses in well under a second. A parse that never settles fails the test. */
const PARSE_TIMEOUT_MS = 5_000;

/** mulberry32: a small seeded generator, so the "random" bytes are the same on every run. */
const seeded = seededRandom;
const randomBytes = (length: number, seed: number): Buffer => {
  const next = seeded(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
};

/** Ways a file arrives broken: not this format at all, cut off by a failed download, damaged in place. */
function damagedCopies(valid: Buffer): Array<[label: string, bytes: Buffer]> {
  const overwritten = Buffer.from(valid);
  const at = Math.max(0, (overwritten.length >> 1) - 32);
  randomBytes(64, 0xbad).copy(overwritten, at);
  return [
    ['2 KB of random bytes', randomBytes(2048, 0x5eed)],
    ['the sample truncated to half', Buffer.from(valid.subarray(0, valid.length >> 1))],
    ['the sample with 64 bytes overwritten in the middle', overwritten],
  ];
}

function assertParseError(parser: Parser, err: unknown): asserts err is StrataError {
  if (!(err instanceof StrataError)) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    assert.fail(`${parser.name}: expected a parse error, got a raw exception: ${detail}`);
  }
  assert.equal(err.code, 'parse', err.message);
  assert.equal(err.component, `parser:${parser.name}`, err.message);
  assert.ok(String(err.details.kind) in FAILURE_KINDS, `unknown failure kind ${String(err.details.kind)}: ${err.message}`);
  // A message says what went wrong, not just who failed.
  const said = err.message.slice(`[strata] [parser:${parser.name}] `.length);
  assert.ok(said.trim().length >= 10, `message says nothing: ${err.message}`);
}

/** The contract every successful parse meets, whatever the input. */
function assertWellFormed(result: ParseResult): void {
  assert.ok(result.documents.length >= 1, 'a successful parse returns at least one document');
  const ids = result.documents.flatMap((d) => (d.recordId === undefined ? [] : [d.recordId]));
  assert.equal(new Set(ids).size, ids.length, `record ids repeat: ${ids.join(', ')}`);
  for (const [i, doc] of result.documents.entries()) {
    const where = `document ${i}${doc.recordId === undefined ? '' : ` (${doc.recordId})`}`;
    assert.ok(doc.blocks.length >= 1, `${where} has no blocks`);
    // Optional: the pipeline names an untitled document (a JSONL record without one) after its file.
    const { title } = doc.metadata;
    assert.ok(title === undefined || typeof title === 'string', `${where}: title ${JSON.stringify(title)} is not a string`);
    if (doc.recordId !== undefined) assert.ok(doc.recordId.trim() !== '', `${where} has a blank record id`);
    for (const [j, block] of doc.blocks.entries()) {
      const b = `${where}, block ${j} (${JSON.stringify(block).slice(0, 80)})`;
      assert.ok(block.kind in BLOCK_KINDS, `${b}: unknown kind`);
      assert.ok(/\S/.test(block.text), `${b}: blank text`);
      if (block.page !== undefined) assert.ok(Number.isInteger(block.page) && block.page >= 1, `${b}: page must be an integer ≥ 1`);
      if (block.level !== undefined) {
        assert.equal(block.kind, 'heading', `${b}: only headings have a level`);
        assert.ok(Number.isInteger(block.level) && block.level >= 1 && block.level <= 6, `${b}: level must be 1–6`);
      }
    }
  }
  for (const w of result.warnings ?? []) assert.ok(typeof w === 'string' && /\S/.test(w), 'warnings are non-blank strings');
}

/**
 * `parser.parse`, failing with an assertion if it has not settled after PARSE_TIMEOUT_MS, so a hung parser
 * fails its own test and the suite goes on. (A synchronous endless loop cannot be caught in-process.)
 */
async function parse(parser: Parser, bytes: Buffer, ctx: ParseContext): Promise<ParseResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    const message = `${parser.name}: parse did not settle within ${PARSE_TIMEOUT_MS} ms`;
    timer = setTimeout(() => reject(new assert.AssertionError({ message })), PARSE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([parser.parse(bytes, ctx), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a parse came to, in a form two runs can be compared by: the result, or the error's kind and message. */
async function outcome(parser: Parser, bytes: Buffer, ctx: ParseContext): Promise<ParseResult | { failed: string; message: string }> {
  try {
    return await parse(parser, bytes, ctx);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assertParseError(parser, err);
    return { failed: String(err.details.kind), message: err.message };
  }
}

const allText = (result: ParseResult): string => result.documents.flatMap((d) => d.blocks.map((b) => b.text)).join('\n');

describe('parser registry', () => {
  it('no extension is claimed by two parsers', () => {
    const owner = new Map<string, string>();
    for (const p of PARSERS) {
      for (const ext of p.extensions) {
        assert.equal(owner.get(ext), undefined, `${ext} is claimed by ${owner.get(ext)} and ${p.name}`);
        owner.set(ext, p.name);
      }
    }
  });

  it('parser names are unique, and every sample belongs to a registered parser', () => {
    const names = PARSERS.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, `duplicate parser names: ${names.join(', ')}`);
    assert.deepEqual(Object.keys(SAMPLES).filter((n) => !names.includes(n)), [], 'samples for parsers that no longer exist');
  });
});

for (const parser of PARSERS) {
  describe(`parser conformance: ${parser.name || '(unnamed)'}`, () => {
    it('declares a name, lower-case extensions starting with a dot, and a media type', () => {
      assert.match(parser.name, /^[a-z0-9][a-z0-9-]*$/);
      assert.ok(parser.extensions.length >= 1, 'claims no extension');
      for (const ext of parser.extensions) assert.match(ext, /^\.[a-z0-9]+$/, `extension ${JSON.stringify(ext)}`);
      assert.equal(new Set(parser.extensions).size, parser.extensions.length, 'an extension is listed twice');
      assert.match(parser.mediaType, /^[a-z]+\/[a-z0-9][\w.+-]*$/, `media type ${JSON.stringify(parser.mediaType)}`);
    });

    const build = SAMPLES[parser.name];
    it('has a sample file in samples.testkit.ts', () => {
      assert.ok(build, `add a builder for "${parser.name}" to SAMPLES in src/ingest/parsers/samples.testkit.ts`);
    });
    if (!build) return;

    let sample: ParserSample;
    let ctx: ParseContext;
    // OCR off: the PDF parser's own tests cover it, and this suite has to stay fast.
    before(async () => {
      sample = await build();
      ctx = { path: sample.path, mediaType: parser.mediaType, ocr: { enabled: false } };
    });
    const everyInput = (): Array<[label: string, bytes: Buffer]> => [['the sample', sample.bytes], ...damagedCopies(sample.bytes)];

    it('parses its sample into titled documents holding the sample text and structure', async () => {
      assert.ok(parser.extensions.some((ext) => sample.path.endsWith(ext)), `sample ${sample.path} has none of ${parser.extensions.join(', ')}`);
      const result = await parse(parser, sample.bytes, ctx);
      assertWellFormed(result);
      assert.equal(result.documents[0]?.metadata.title, sample.title);
      for (const doc of result.documents) assert.ok(/\S/.test(doc.metadata.title ?? ''), `untitled document ${doc.recordId ?? ''}`);
      assert.ok(allText(result).includes(SAMPLE_WORD), `"${SAMPLE_WORD}" is missing from the blocks:\n${allText(result)}`);
      const kinds = new Set(result.documents.flatMap((d) => d.blocks.map((b) => b.kind)));
      if (sample.has.headings) assert.ok(kinds.has('heading'), `no heading block; kinds: ${[...kinds].join(', ')}`);
      if (sample.has.tables) assert.ok(kinds.has('table'), `no table block; kinds: ${[...kinds].join(', ')}`);
    });

    it('rejects zero bytes as an empty file', async () => {
      const result = await outcome(parser, Buffer.alloc(0), ctx);
      assert.ok(!('documents' in result), 'parsed an empty file');
      assert.equal(result.failed, 'empty', result.message);
      assert.match(result.message, /empty|0 bytes/i);
    });

    it('parses damaged input leniently or rejects it with a parse error, never anything else', async () => {
      for (const [label, bytes] of damagedCopies(sample.bytes)) {
        try {
          const result = await outcome(parser, bytes, ctx);
          if ('documents' in result) assertWellFormed(result);
        } catch (e) {
          throw new Error(`${label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
    });

    it('gives the same result for the same bytes', async () => {
      for (const [label, bytes] of everyInput()) {
        const first = await outcome(parser, Buffer.from(bytes), ctx);
        const second = await outcome(parser, Buffer.from(bytes), ctx);
        assert.deepEqual(second, first, `${label}: two parses differ`);
      }
    });

    it('does not modify the bytes it is given', async () => {
      for (const [label, bytes] of everyInput()) {
        const before = Buffer.from(bytes);
        await outcome(parser, bytes, ctx);
        assert.ok(bytes.equals(before), `${label}: the input buffer was changed (or detached)`);
      }
    });
  });
}
