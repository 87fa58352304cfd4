import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canRead, operatorCaller, principalsKey, resolvePrincipals, validateAccessPolicy, type Directory } from './access.js';

const dir: Directory = {
  users: { alice: { groups: ['finance'] }, bob: { groups: ['loop-a', 'deleted'] }, carol: { groups: [] } },
  groups: { finance: { groups: ['staff'] }, staff: {}, 'loop-a': { groups: ['loop-b'] }, 'loop-b': { groups: ['loop-a'] } },
};

describe('access rules', () => {
  it('a missing policy means the whole workspace; an empty one means nobody', () => {
    const p = new Set(['user:alice', '*']);
    assert.equal(canRead(null, p), true);
    assert.equal(canRead({ readers: [] }, p), false);
    assert.equal(canRead({ readers: ['*'] }, p), true);
    assert.equal(canRead({ readers: ['user:bob', 'group:finance'] }, p), false);
    assert.equal(canRead({ readers: ['user:bob', 'user:alice'] }, p), true);
  });

  it('resolves groups transitively, survives cycles and grants only defined groups', () => {
    assert.deepEqual(resolvePrincipals('alice', dir), ['user:alice', 'group:finance', 'group:staff', '*']);
    assert.deepEqual(resolvePrincipals('bob', dir), ['user:bob', 'group:loop-a', 'group:loop-b', '*']);
    assert.deepEqual(resolvePrincipals('carol', dir), ['user:carol', '*']);
    assert.deepEqual(resolvePrincipals('toString', dir), ['user:toString', '*'], 'no prototype lookups');
  });

  it('roles grant nothing: only the operator flag bypasses policies', () => {
    const op = operatorCaller('ws1', 'cli');
    assert.equal(op.bypassAcl, true);
    assert.equal(canRead({ readers: ['user:alice'] }, new Set(op.principals)), false, 'canRead itself knows no bypass');
  });

  it('keys principal sets by content, not order', () => {
    assert.equal(principalsKey(['*', 'user:a', 'group:b', '*']), principalsKey(['group:b', 'user:a', '*']));
    assert.notEqual(principalsKey(['user:a']), principalsKey(['user:a', 'group:b']));
  });

  it('rejects malformed policies with the bad entries named', () => {
    validateAccessPolicy(null, 't');
    validateAccessPolicy({ readers: ['*', 'user:a.b@x.org', 'group:fin-ops'] }, 't');
    assert.throws(() => validateAccessPolicy({ readers: ['finance'] }, 't'), /"finance"/);
    assert.throws(() => validateAccessPolicy({ readers: ['group:a b'] }, 't'), /invalid readers/);
    assert.throws(() => validateAccessPolicy({} as never, 't'), /readers/);
  });
});
