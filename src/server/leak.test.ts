// The leak test through the HTTP API: randomized with a fixed seed, 200 uploaded documents, 20 users in
// overlapping groups, 500 requests across search modes and the document endpoints. Every answer (hits, totals) is checked
// against an independent statement of the read rule, and searches must not be starved by the filter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operatorCaller } from '../core/access.js';
import { makeServer } from './server.testkit.js';
import { seededDraws } from '../core/random.js';

const WORDS = ['budget', 'merger', 'salary', 'roadmap', 'incident', 'patent', 'audit', 'vendor', 'hiring', 'pricing', 'outage', 'lawsuit'];

describe('HTTP leak test', () => {
  it('never returns what a caller may not read, and still finds what it may', { timeout: 120_000 }, async () => {
    const { next: random, pick } = seededDraws(424242);
    const srv = await makeServer({ server: { rateLimit: { perSecond: 100000, burst: 100000 } } });
    const admin = await srv.key('default', 'admin', 'root');
    assert.equal((await srv.call('POST', '/v1/collections', { key: admin, body: { name: 'kb' } })).status, 201);

    const groups = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'];
    const users = Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, groups: groups.filter(() => random() < 0.35) }));
    const keys = new Map<string, string>();
    for (const u of users) keys.set(u.id, await srv.key('default', 'reader', u.id, u.groups));

    // Policies: none (everyone), nobody, everyone (*), or 1–3 random users/groups.
    const readersOf = new Map<string, string[] | null>();
    for (let i = 0; i < 200; i++) {
      const r = random();
      const readers =
        r < 0.15 ? null : r < 0.22 ? [] : r < 0.3 ? ['*'] : Array.from({ length: 1 + Math.floor(random() * 3) }, () => (random() < 0.5 ? `group:${pick(groups)}` : `user:${pick(users).id}`));
      const text = Array.from({ length: 12 }, () => pick(WORDS)).join(' ');
      const res = await srv.call('POST', '/v1/collections/kb/documents', { key: admin, body: { text: `Doc ${i}. ${text}.`, filename: `d${i}.txt`, sourceId: `d${i}`, readers } });
      assert.equal(res.status, 201, await res.text());
      readersOf.set(`d${i}`, readers);
    }
    const mayRead = (user: (typeof users)[number], sourceId: string) => {
      const readers = readersOf.get(sourceId);
      if (readers === null || readers === undefined) return readers === null;
      const held = new Set(['*', `user:${user.id}`, ...user.groups.map((g) => `group:${g}`)]);
      return readers.some((r) => held.has(r));
    };

    const ws = await srv.store.getWorkspace('default');
    const col = (await srv.store.getCollection(ws!.id, 'kb'))!;
    const docIdOf = new Map((await srv.store.listDocuments({ collectionId: col.id, limit: 1000 })).map((d) => [d.sourceId, d.id]));
    let checkedHits = 0;
    for (let q = 0; q < 500; q++) {
      const user = pick(users);
      const key = keys.get(user.id)!;
      const kind = q % 5;
      if (kind < 3) {
        const query = `${pick(WORDS)} ${pick(WORDS)}`;
        const limit = 1 + Math.floor(random() * 10);
        const collapse = kind === 2 ? 'chunk' : 'document';
        const res = await srv.call('POST', '/v1/search', { key, body: { collection: 'kb', query, limit, collapse, snippetChars: q % 2 ? 0 : 120, total: true } });
        assert.equal(res.status, 200);
        const body = (await res.json()) as { hits: { sourceId: string }[]; total: number };
        const hits = body.hits.map((h) => h.sourceId);
        for (const s of hits) assert.ok(mayRead(user, s), `leak: ${user.id} got ${s} for "${query}"`);
        // No starvation: the caller's page equals the operator's ranking restricted to what the caller may read.
        const all = await srv.deps.searcher.search({ collection: col, caller: operatorCaller(ws!.id, 'test'), query, limit: 1000, collapse, snippetChars: 0 });
        const expected = all.hits.map((h) => h.sourceId).filter((s) => mayRead(user, s)).slice(0, limit);
        assert.deepEqual(hits, expected, `starved or reordered for ${user.id}: "${query}"`);
        // Counts leak too if they include what the caller may not read.
        assert.equal(body.total, new Set(all.hits.map((h) => h.sourceId).filter((s) => mayRead(user, s))).size, `total for ${user.id}: "${query}"`);
        checkedHits += hits.length;
      } else if (kind === 3) {
        const sourceId = `d${Math.floor(random() * 200)}`;
        const res = await srv.call('GET', `/v1/collections/kb/documents/${docIdOf.get(sourceId)}`, { key });
        assert.equal(res.status, mayRead(user, sourceId) ? 200 : 404, `fetch of ${sourceId} by ${user.id}`);
      } else {
        const listed: string[] = [];
        let total = -1;
        for (let offset = 0; offset < 200; offset += 100) {
          const res = await srv.call('GET', `/v1/collections/kb/documents?limit=100&offset=${offset}`, { key });
          assert.equal(res.status, 200);
          const body = (await res.json()) as { total: number; documents: { sourceId: string }[] };
          total = body.total;
          listed.push(...body.documents.map((d) => d.sourceId));
        }
        const readable = [...readersOf.keys()].filter((s) => mayRead(user, s));
        assert.equal(total, readable.length, `count for ${user.id}`);
        assert.deepEqual(listed.sort(), readable.sort());
      }
    }
    assert.ok(checkedHits > 500, `the test looked at real results (${checkedHits} hits)`);
  });
});
