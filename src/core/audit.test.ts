// The bytes an entry's hash covers must never change: entries written years ago are verified with today's code.
// nextEntryWithJson assembles the hashed text by hand for speed; these tests hold it to hashEntry's generic
// canonical JSON on random entries, and pin one hash written by the format's first version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_GENESIS, canonicalJson, hashEntry, nextEntry, nextEntryWithJson, type AuditInput } from './audit.js';
import { seededDraws } from './random.js';

describe('audit entries', () => {
  it('hash the same bytes as the generic canonical JSON, for any details and resources', () => {
    const { int, pick, next } = seededDraws(20261129);
    const texts = ['a', 'é', '"quoted"', 'line\nbreak', '\u2028', '😀', 'x'.repeat(300), '10', '2', '__proto__x', 'b'];
    const value = (depth: number): unknown => {
      switch (int(depth > 2 ? 4 : 7)) {
        case 0: return pick(texts);
        case 1: return int(2000) - 1000;
        case 2: return next();
        case 3: return pick([true, false, null]);
        case 4: return Array.from({ length: int(4) }, () => value(depth + 1));
        case 5: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(texts), value(depth + 1)]));
        default: return undefined;
      }
    };
    let head = AUDIT_GENESIS;
    for (let n = 0; n < 500; n++) {
      const input: AuditInput = {
        workspaceId: `ws_${int(3)}`,
        actor: pick(['user:ana', 'key:k1', 'system']),
        action: pick(['search.query', 'document.delete', 'policy.set']),
        resources: Array.from({ length: int(12) }, () => `document:${pick(texts)}${int(100)}`),
        decision: pick(['allow', 'deny', 'error'] as const),
        traceId: `req_${n}`,
        details: Object.fromEntries(Array.from({ length: int(6) }, () => [pick(texts), value(0)])),
        ...(int(2) === 0 ? { at: new Date(1_700_000_000_000 + n).toISOString() } : {}),
      };
      const { entry, detailsJson, resourcesJson } = nextEntryWithJson(head, input, '2026-11-29T00:00:00.000Z');
      assert.equal(entry.hash, hashEntry(head.hash, entry), `entry ${n}`);
      assert.equal(detailsJson, canonicalJson(entry.details));
      assert.equal(resourcesJson, canonicalJson(entry.resources));
      assert.deepEqual(JSON.parse(detailsJson), entry.details);
      head = entry;
    }
  });

  it('keep the format of the first version (a fixed entry hashes to the same value as when it was written)', () => {
    const entry = nextEntry(
      AUDIT_GENESIS,
      { workspaceId: 'ws_1', actor: 'user:alice', action: 'search.query', resources: ['document:a', 'document:b'], decision: 'allow', traceId: 't-1', details: { query: 'q', z: 1, a: [2, { y: null, b: 'é' }] } },
      '2026-11-28T00:00:00.000Z',
    );
    assert.equal(entry.hash, PINNED);
  });
});

// Computed with the generic hashEntry before nextEntryWithJson existed.
const PINNED = '093bb05d58c48290b3861af7a1b18191ed2c1e038c95a1fc62ed033885369b64';
