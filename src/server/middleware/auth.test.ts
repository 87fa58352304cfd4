import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { makeServer } from '../server.testkit.js';

describe('API key authentication and roles', () => {
  it('refuses missing, malformed, unknown and revoked keys with 401 and the reason', async () => {
    const h = await makeServer();
    const key = await h.key('default', 'reader', 'ana');
    const status = async (headers: Record<string, string>) => {
      const r = await h.call('GET', '/v1/collections', { headers });
      const body = await r.json();
      return [r.status, body.error?.code, body.error?.message];
    };
    assert.deepEqual(await status({}), [401, 'unauthorized', 'missing credential']);
    assert.deepEqual((await status({ authorization: `Basic ${key}` })).slice(0, 2), [401, 'unauthorized']);
    assert.deepEqual(await status({ authorization: `Bearer ${key.slice(0, -1)}x` }), [401, 'unauthorized', 'invalid API key']);
    assert.deepEqual(await status({ authorization: 'Bearer not-a-key' }), [401, 'unauthorized', 'invalid API key']);
    assert.equal((await status({ authorization: `Bearer ${key}` }))[0], 200);

    const [k] = await h.store.listApiKeys();
    await h.store.revokeApiKey(k!.workspaceId, k!.id);
    assert.deepEqual(await status({ authorization: `Bearer ${key}` }), [401, 'unauthorized', 'this API key has been revoked']);
  });

  it('records when a key was last used', async () => {
    const h = await makeServer();
    const key = await h.key('default', 'reader', 'ana');
    assert.equal((await h.store.listApiKeys())[0]!.lastUsedAt, null);
    await h.call('GET', '/v1/me', { key });
    await new Promise((r) => setImmediate(r));
    assert.ok((await h.store.listApiKeys())[0]!.lastUsedAt);
  });

  it('locks out the keys of a user removed from the directory', async () => {
    const h = await makeServer();
    const key = await h.key('default', 'reader', 'ana');
    const ws = (await h.store.getWorkspace('default'))!;
    await h.store.deletePrincipal(ws.id, 'user', 'ana');
    h.deps.callers.invalidate(ws.id);
    const r = await h.call('GET', '/v1/me', { key });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error.message, /not in the workspace directory/);
  });

  it('gives readers search and reads, editors uploads and deletes, admins keys, directory, collections and audit (403 otherwise)', async () => {
    const h = await makeServer();
    const reader = await h.key('default', 'reader', 'ana');
    const editor = await h.key('default', 'editor', 'ed');
    const admin = await h.key('default', 'admin', 'root');
    assert.equal((await h.call('POST', '/v1/collections', { key: admin, body: { name: 'docs' } })).status, 201);
    const upload = { text: 'hello world', filename: 'a.txt' };
    const cases: [string, string, unknown, Record<string, number>][] = [
      ['POST', '/v1/search', { collection: 'docs', query: 'hello' }, { reader: 200, editor: 200, admin: 200 }],
      ['GET', '/v1/collections/docs/documents', undefined, { reader: 200, editor: 200, admin: 200 }],
      ['POST', '/v1/collections/docs/documents', upload, { reader: 403, editor: 201, admin: 200 }],
      ['GET', '/v1/jobs', undefined, { reader: 403, editor: 200, admin: 200 }],
      ['POST', '/v1/collections', { name: 'other' }, { reader: 403, editor: 403, admin: 201 }],
      ['GET', '/v1/keys', undefined, { reader: 403, editor: 403, admin: 200 }],
      ['GET', '/v1/directory', undefined, { reader: 403, editor: 403, admin: 200 }],
      ['GET', '/v1/audit', undefined, { reader: 403, editor: 403, admin: 200 }],
      ['GET', '/v1/feedback', undefined, { reader: 403, editor: 403, admin: 200 }],
    ];
    for (const [method, path, body, want] of cases) {
      for (const [role, key] of [['reader', reader], ['editor', editor], ['admin', admin]] as const) {
        const r = await h.call(method, path, { key, body });
        assert.equal(r.status, want[role], `${role} ${method} ${path}`);
        if (r.status === 403) assert.equal((await r.json()).error.code, 'forbidden');
      }
    }
    // Denials are audited.
    const audit = await h.store.listAudit({ workspaceId: (await h.store.getWorkspace('default'))!.id });
    const denied = audit.filter((e) => e.decision === 'deny');
    assert.ok(denied.some((e) => e.actor === 'user:ana' && e.action === 'access.denied' && e.resources[0] === 'route:GET /v1/keys'));
  });
});

describe('OIDC/JWT bearer tokens (JWKS served from a local HTTP server)', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let signing: CryptoKey;
  let stranger: CryptoKey;
  const issuer = 'https://idp.example.test';
  const audience = 'strata-api';

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signing = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise<void>((r) => jwksServer.close(() => r())));

  const token = (claims: Record<string, unknown>, opts: { key?: CryptoKey; iss?: string; aud?: string; exp?: string | number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject((claims.sub as string) ?? 'ana')
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? signing);

  const harness = () => makeServer({ server: { auth: { oidc: { issuer, audience, jwksUrl } } } });

  it('accepts a valid token: user, role, workspace and groups come from its claims', async () => {
    const h = await harness();
    await h.store.ensureWorkspace('acme');
    const t = await token({ sub: 'ana', strata_role: 'editor', strata_workspace: 'acme', groups: ['finance', 'bad group'] });
    const r = await h.call('GET', '/v1/me', { headers: { authorization: `Bearer ${t}` } });
    assert.equal(r.status, 200);
    const me = await r.json();
    assert.equal(me.subject, 'ana');
    assert.equal(me.role, 'editor');
    assert.equal(me.workspace.name, 'acme');
    assert.deepEqual(me.principals, ['user:ana', 'group:finance', '*']);
    assert.equal(me.credential.kind, 'jwt');
    // Without a workspace claim the server's default workspace; without a role claim the default role.
    const plain = await h.call('GET', '/v1/me', { headers: { authorization: `Bearer ${await token({ sub: 'bo' })}` } });
    const bo = await plain.json();
    assert.deepEqual([bo.workspace.name, bo.role], ['default', 'reader']);
  });

  it('refuses expired tokens, wrong issuers or audiences, unknown signing keys and unknown workspaces with 401', async () => {
    const h = await harness();
    const cases: [string, Promise<string>, RegExp][] = [
      ['expired', token({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
      ['wrong issuer', token({}, { iss: 'https://evil.example.test' }), /"iss" claim/],
      ['wrong audience', token({}, { aud: 'another-api' }), /"aud" claim/],
      ['wrong key', token({}, { key: stranger }), /signature does not verify/],
      ['unknown workspace', token({ strata_workspace: 'nowhere' }), /does not exist/],
      ['bad role', token({ strata_role: 'root' }), /strata_role/],
    ];
    for (const [name, t, re] of cases) {
      const r = await h.call('GET', '/v1/me', { headers: { authorization: `Bearer ${await t}` } });
      const body = await r.json();
      assert.equal(r.status, 401, name);
      assert.match(body.error.message, re, name);
    }
    const garbage = await h.call('GET', '/v1/me', { headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(garbage.status, 401);
  });

  it('answers 503, not 401, when the identity provider cannot be reached', async () => {
    const h = await makeServer({ server: { auth: { oidc: { issuer, audience, jwksUrl: 'http://127.0.0.1:9/jwks.json' } } } });
    const r = await h.call('GET', '/v1/me', { headers: { authorization: `Bearer ${await token({})}` } });
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.code, 'unavailable');
  });
});
