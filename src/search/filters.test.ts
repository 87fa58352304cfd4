import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StrataError } from '../core/errors.js';
import { compileFilter, parseFilterArgs, type Filter } from './filters.js';

const docs: Record<string, Record<string, unknown>> = {
  pdf: { mediaType: 'application/pdf', size: 2048, modifiedAt: '2024-03-01T10:00:00Z', author: 'Jane Smith', tags: ['a', 'b'] },
  doc: { mediaType: 'text/plain', size: 500, modifiedAt: '2023-12-31', author: 'Bob', tags: ['c'], owner: { team: 'x' } },
  bare: { mediaType: 'text/plain', size: '1500', author: null },
};
const matching = (f: Filter) => {
  const p = compileFilter(f);
  return Object.keys(docs).filter((k) => p(docs[k]!));
};

test('equality, negation and lists (AND across fields)', () => {
  assert.deepEqual(matching({ mediaType: 'text/plain' }), ['doc', 'bare']);
  assert.deepEqual(matching({ mediaType: { ne: 'text/plain' } }), ['pdf']);
  assert.deepEqual(matching({ mediaType: { in: ['application/pdf', 'text/html'] } }), ['pdf']);
  assert.deepEqual(matching({ mediaType: { nin: ['application/pdf'] } }), ['doc', 'bare']);
  assert.deepEqual(matching({ mediaType: 'text/plain', size: { gt: 1000 } }), ['bare']);
  assert.deepEqual(matching({}), ['pdf', 'doc', 'bare']);
});

test('numbers compare numerically, also when stored as numeric strings', () => {
  assert.deepEqual(matching({ size: { gt: 1000 } }), ['pdf', 'bare']);
  assert.deepEqual(matching({ size: { gte: 500, lt: 2048 } }), ['doc', 'bare']);
  assert.deepEqual(matching({ size: { lte: 500 } }), ['doc']);
  assert.deepEqual(matching({ size: 1500 }), ['bare']);
});

test('ISO dates compare in time order', () => {
  assert.deepEqual(matching({ modifiedAt: { gte: '2024-01-01' } }), ['pdf']);
  assert.deepEqual(matching({ modifiedAt: { lt: '2024-01-01' } }), ['doc']);
  const p = compileFilter({ modifiedAt: { gt: '2024-01-01' } });
  assert.equal(p({ modifiedAt: new Date('2024-06-01T00:00:00Z') }), true);
});

test('arrays match when any element matches; ne/nin mean no element matches', () => {
  assert.deepEqual(matching({ tags: 'b' }), ['pdf']);
  assert.deepEqual(matching({ tags: { in: ['c', 'z'] } }), ['doc']);
  assert.deepEqual(matching({ tags: { ne: 'a' } }), ['doc', 'bare']);
});

test('exists, contains and nested fields', () => {
  assert.deepEqual(matching({ author: { exists: true } }), ['pdf', 'doc']);
  assert.deepEqual(matching({ author: { exists: false } }), ['bare']);
  assert.deepEqual(matching({ modifiedAt: { exists: false } }), ['bare']);
  assert.deepEqual(matching({ author: { contains: 'SMITH' } }), ['pdf']);
  assert.deepEqual(matching({ 'owner.team': 'x' }), ['doc']);
});

test('malformed filters are invalid-input errors naming the field and the operators', () => {
  const bad = (f: unknown, re: RegExp) =>
    assert.throws(
      () => compileFilter(f as Filter),
      (e: unknown) => e instanceof StrataError && e.code === 'invalid-input' && re.test(e.message) && /gte/.test(e.hint ?? ''),
    );
  bad({ size: { greater: 3 } }, /"size".*unknown operator "greater"/);
  bad({ size: { gt: true } }, /"gt" takes a number/);
  bad({ tags: { in: 'a' } }, /"in" takes a list/);
  bad({ tags: ['a'] }, /needs an operator/);
  bad({ size: {} }, /no operator/);
});

test('parseFilterArgs reads the CLI syntax', () => {
  assert.deepEqual(
    parseFilterArgs(['mediaType=application/pdf', 'size>1000', 'size<=5000', 'modifiedAt>=2024-01-01', 'author~smith', 'tags=a,b']),
    {
      mediaType: { eq: 'application/pdf' },
      size: { gt: 1000, lte: 5000 },
      modifiedAt: { gte: '2024-01-01' },
      author: { contains: 'smith' },
      tags: { in: ['a', 'b'] },
    },
  );
  assert.deepEqual(parseFilterArgs(['lang!=en,de', 'draft=false', 'author?', 'reviewer!?', 'title=Smith\\, John']), {
    lang: { nin: ['en', 'de'] },
    draft: { eq: false },
    author: { exists: true },
    reviewer: { exists: false },
    title: { eq: 'Smith, John' },
  });
  // parsed filters run: the CLI's numbers match numeric strings in metadata
  const p = compileFilter(parseFilterArgs(['size>1000', 'mediaType=text/plain']));
  assert.equal(p(docs.bare!), true);
  assert.equal(p(docs.doc!), false);
});

test('bad CLI filters name the argument and show the syntax', () => {
  for (const [arg, re] of [
    ['size', /expected field<operator>value/],
    ['size=>10', /unknown operator "=>"/],
    ['a==b', /unknown operator "=="/],
    ['size<>5', /unknown operator "<>"/],
    ['=x', /expected/],
    ['size>', /value is empty/],
    ['size>1,2', /one value/],
    ['flag>true', /number or a date/],
    ['author?x', /takes no value/],
  ] as const) {
    assert.throws(
      () => parseFilterArgs([arg]),
      (e: unknown) =>
        e instanceof StrataError && e.code === 'invalid-input' && re.test(e.message) && e.message.includes(`"${arg}"`) && /field>=n/.test(e.hint ?? ''),
      arg,
    );
  }
  assert.throws(() => parseFilterArgs(['size>1', 'size>2']), /already has a gt condition/);
});
