import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHTML } from 'linkedom';
import { makeServer, type Harness } from './server.testkit.js';

/** Two workspaces with the same collection name and similar documents. */
async function twoTenants() {
  const h = await makeServer();
  const a = await h.key('acme', 'admin', 'alice');
  const b = await h.key('globex', 'admin', 'bob');
  for (const [key, secret] of [[a, 'acme merger plans with initech'], [b, 'globex merger plans with hooli']] as const) {
    assert.equal((await h.call('POST', '/v1/collections', { key, body: { name: 'deals' } })).status, 201);
    assert.equal((await h.call('POST', '/v1/collections/deals/documents', { key, body: { text: secret, filename: 'merger.txt' } })).status, 201);
    await h.call('POST', '/v1/collections', { key, body: { name: key === a ? 'only-acme' : 'only-globex' } });
  }
  return { h, a, b };
}

const json = async (r: Response) => ({ status: r.status, body: await r.json() });

describe('workspace isolation', () => {
  it('a key of workspace A never sees B’s collections, documents, search results, jobs or audit', async () => {
    const { h, a, b } = await twoTenants();
    const cols = (await json(await h.call('GET', '/v1/collections', { key: a }))).body.collections.map((c: { name: string }) => c.name);
    assert.deepEqual(cols, ['deals', 'only-acme']);
    assert.equal((await h.call('GET', '/v1/collections/only-globex', { key: a })).status, 404);
    assert.equal((await h.call('GET', '/v1/collections/only-globex/documents', { key: a })).status, 404);
    assert.equal((await h.call('POST', '/v1/search', { key: a, body: { collection: 'only-globex', query: 'merger' } })).status, 404);

    const hits = (await json(await h.call('POST', '/v1/search', { key: a, body: { collection: 'deals', query: 'merger plans' } }))).body.hits;
    assert.equal(hits.length, 1);
    assert.match(hits[0].snippet.text, /initech/);
    const docsB = (await json(await h.call('GET', '/v1/collections/deals/documents', { key: b }))).body.documents;
    assert.equal(docsB.length, 1);
    // B's document id, asked for through A's collection of the same name, is not found.
    assert.equal((await h.call('GET', `/v1/collections/deals/documents/${docsB[0].id}`, { key: a })).status, 404);
    assert.equal((await h.call('DELETE', `/v1/collections/deals/documents/${docsB[0].id}`, { key: a })).status, 404);

    const auditA = await (await h.call('GET', '/v1/audit', { key: a })).text();
    assert.match(auditA, /alice/);
    assert.doesNotMatch(auditA, /bob|globex|hooli/);
    const keysA = (await json(await h.call('GET', '/v1/keys', { key: a }))).body.keys;
    assert.deepEqual(keysA.map((k: { subject: string }) => k.subject), ['alice']);
    const idB = (await h.store.listApiKeys((await h.store.getWorkspace('globex'))!.id))[0]!.id;
    assert.equal((await h.call('DELETE', `/v1/keys/${idB}`, { key: a })).status, 404);
    assert.equal((await h.call('GET', '/v1/me', { key: b })).status, 200, 'B’s key still works');
  });

  it('a path naming another workspace answers 404; naming its own works like /v1', async () => {
    const { h, a } = await twoTenants();
    assert.equal((await h.call('GET', '/v1/workspaces/globex', { key: a })).status, 404);
    assert.equal((await h.call('GET', '/v1/workspaces/globex/collections', { key: a })).status, 404);
    assert.equal((await h.call('POST', '/v1/workspaces/globex/search', { key: a, body: { collection: 'deals', query: 'merger' } })).status, 404);
    assert.equal((await h.call('GET', '/v1/workspaces/nowhere/collections', { key: a })).status, 404);
    const own = await json(await h.call('GET', '/v1/workspaces/acme/collections', { key: a }));
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.collections.map((c: { name: string }) => c.name), ['deals', 'only-acme']);
    assert.equal((await json(await h.call('GET', '/v1/workspaces/acme', { key: a }))).body.name, 'acme');
    assert.deepEqual((await json(await h.call('GET', '/v1/workspaces', { key: a }))).body.workspaces.map((w: { name: string }) => w.name), ['acme']);
  });
});

describe('validation', () => {
  let h: Harness;
  let key: string;
  const setup = async () => {
    h = await makeServer({ server: { maxQueryChars: 50 } });
    key = await h.key('default', 'admin', 'root');
    await h.call('POST', '/v1/collections', { key, body: { name: 'docs' } });
  };

  it('answers 400 naming the field for wrong types, sizes and counts', async () => {
    await setup();
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/v1/search', { collection: 'docs', query: 'x'.repeat(51) }, /query: .*50/],
      ['POST', '/v1/search', { collection: 'docs', query: 'x', limit: 101 }, /limit: .*100/],
      ['POST', '/v1/search', { collection: 'docs', query: 7 }, /query: /],
      ['POST', '/v1/search', { collection: 'docs', query: 'x', filter: { year: { between: [1, 2] } } }, /filter\.year/],
      ['POST', '/v1/search', { collection: '../etc', query: 'x' }, /collection: /],
      ['POST', '/v1/search', { collection: 'docs', query: 'x', surprise: true }, /surprise/],
      ['POST', '/v1/search', '{not json', /body|JSON/i],
      ['GET', '/v1/collections/docs/documents?limit=1000', undefined, /limit: /],
      ['POST', '/v1/collections', { name: 'x', chunking: { maxTokens: 3 } }, /chunking\.maxTokens/],
      ['POST', '/v1/keys', { name: 'k', role: 'owner', subject: 'root' }, /role: /],
      ['POST', '/v1/collections/docs/documents', { text: 'x', readers: ['group finance'] }, /readers\.0/],
      ['POST', '/v1/feedback', { traceId: 'req_1', rating: 5 }, /rating/],
    ];
    for (const [method, path, body, re] of cases) {
      const r = await h.call(method, path, { key, body });
      const b = await r.json();
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(b)}`);
      assert.equal(b.error.code, 'invalid-input');
      assert.match(b.error.message, re);
    }
  });

  it('refuses bodies over the size limits with 413 and unknown media types with 415', async () => {
    await setup();
    const big = await h.call('POST', '/v1/search', { key, body: { collection: 'docs', query: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal(big.status, 413);
    const xml = await h.call('POST', '/v1/search', { key, body: '<q/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(xml.status, 415);
  });
});

describe('OpenAPI document, reference page, health', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const h = await makeServer();
    const r = await h.call('GET', '/openapi.json');
    assert.equal(r.status, 200);
    const doc = JSON.parse(await r.text());
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/v1/search', '/v1/collections', '/v1/collections/{collection}/documents', '/v1/collections/{collection}/documents/{id}', '/v1/jobs/{jobId}', '/v1/keys', '/v1/audit', '/v1/feedback', '/healthz', '/readyz']) {
      assert.ok(doc.paths[p], `missing ${p}`);
    }
    const search = doc.paths['/v1/search'].post;
    const schema = doc.components.schemas[search.requestBody.content['application/json'].schema.$ref.split('/').pop()];
    assert.equal(schema.properties.limit.maximum, 100);
    assert.deepEqual(schema.required.sort(), ['collection', 'query']);
    assert.equal(search['x-required-role'], 'reader');
    assert.ok(doc.paths['/v1/collections/{collection}/documents'].post.requestBody.content['multipart/form-data']);
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  it('serves a self-contained API reference page under a strict CSP', async () => {
    const h = await makeServer();
    const r = await h.call('GET', '/docs');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    const html = await r.text();
    assert.match(html, /fetch\('\/openapi\.json'\)/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\//, 'nothing loaded from elsewhere');
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-/);

    // Run the page's script on a DOM (linkedom) with the real document: every operation gets a section.
    const spec = await (await h.call('GET', '/openapi.json')).json();
    const { document, window } = parseHTML(html);
    const g = globalThis as Record<string, unknown>;
    const saved = { document: g.document, Node: g.Node, fetch: g.fetch };
    Object.assign(g, { document, Node: window.Node, fetch: async () => ({ json: async () => spec }) });
    try {
      new Function(/<script>([\s\S]*)<\/script>/.exec(html)![1]!)();
      await new Promise((done) => setTimeout(done, 20));
      const operations = Object.values(spec.paths as Record<string, object>).reduce((n, p) => n + Object.keys(p).length, 0);
      assert.equal(document.querySelectorAll('section').length, operations);
      assert.match(document.getElementById('post-v1-search')?.textContent ?? '', /role: reader.*maximum: 100/s);
    } finally {
      Object.assign(g, saved);
    }
  });

  it('reports liveness always and readiness only while the store answers', async () => {
    const h = await makeServer();
    assert.equal((await h.call('GET', '/healthz')).status, 200);
    assert.equal((await h.call('GET', '/readyz')).status, 200);
    await h.store.close();
    const r = await h.call('GET', '/readyz');
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.code, 'unavailable');
    assert.equal((await h.call('GET', '/healthz')).status, 200);
  });
});
