// `strata serve --workers 2` for real: a supervisor process forks two server processes sharing one port.
// What a user relies on: one admin key printed once, every worker sees the same store (a key revoked through
// one worker is refused by all within READ_REUSE_MS), one ingest job per collection across workers, a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { READ_REUSE_MS } from '../../store/drivers/sqlite-stamps.js';

const MAIN = new URL('../main.ts', import.meta.url).pathname;

describe('strata serve --workers 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-serve-'));
  let child: ChildProcess;
  let url = '';
  let admin = '';
  let stdout = '';
  let stderr = '';

  before(async () => {
    const source = join(dir, 'source');
    writeFileSync(join(dir, 'strata.config.yaml'), `dataDir: ${join(dir, 'data')}\nserver:\n  sourceRoots: [${dir}]\n  rateLimit: { perSecond: 100000, burst: 100000 }\n`);
    await import('node:fs').then((fs) => fs.mkdirSync(source));
    for (let i = 0; i < 40; i++) writeFileSync(join(source, `n${i}.txt`), `Note ${i} about turbines and gearbox number ${i}.`);
    child = spawn(process.execPath, [...process.execArgv, MAIN, '--config', join(dir, 'strata.config.yaml'), 'serve', '--port', '0', '--workers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 60 s; stderr:\n${stderr}`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/\S+) with 2 worker processes[\s\S]*?\n\s+(strata_\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          [, url, admin] = m as unknown as [string, string, string];
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`serve exited early (${code}); stderr:\n${stderr}`)));
    });
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, key: string, init: RequestInit = {}) =>
    // A new connection per request, so the port's connections spread over both workers.
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' } });

  it('prints the admin key once and serves from both workers on one port', async () => {
    assert.equal(stdout.match(/strata_/g)?.length, 2, 'the key appears in the text and in the curl example, printed by the supervisor only');
    const res = await Promise.all(Array.from({ length: 12 }, () => call('/v1/collections', admin)));
    assert.deepEqual(new Set(res.map((r) => r.status)), new Set([200]));
  });

  it('runs one ingest job per collection across workers, and searches see its documents', async () => {
    assert.equal((await call('/v1/collections', admin, { method: 'POST', body: JSON.stringify({ name: 'notes' }) })).status, 201);
    const src = await call('/v1/collections/notes/sources', admin, { method: 'POST', body: JSON.stringify({ path: join(dir, 'source') }) });
    assert.equal(src.status, 201, await src.clone().text());
    const { id } = (await src.json()) as { id: string };
    const starts = await Promise.all(Array.from({ length: 6 }, () => call(`/v1/collections/notes/sources/${id}/sync`, admin, { method: 'POST' })));
    const statuses = starts.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 202).length, 1, `exactly one sync starts: ${statuses.join(',')}`);
    assert.ok(statuses.every((s) => s === 202 || s === 409), statuses.join(','));
    let hits = 0;
    for (let i = 0; i < 100 && hits === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await call('/v1/search', admin, { method: 'POST', body: JSON.stringify({ collection: 'notes', query: 'gearbox' }) });
      hits = ((await r.json()) as { hits: unknown[] }).hits.length;
    }
    assert.ok(hits > 0, 'documents synced through one worker are found through the others');
  });

  it('a key revoked through one worker is refused by every worker within READ_REUSE_MS', async () => {
    const made = await call('/v1/keys', admin, { method: 'POST', body: JSON.stringify({ name: 'tmp', role: 'reader', subject: 'admin' }) });
    assert.equal(made.status, 201);
    const k = (await made.json()) as { id: string; key: string };
    const before = await Promise.all(Array.from({ length: 8 }, () => call('/v1/collections', k.key)));
    assert.deepEqual(new Set(before.map((r) => r.status)), new Set([200]));
    assert.equal((await call(`/v1/keys/${k.id}`, admin, { method: "DELETE" })).status, 200);
    // Another worker may still use the change stamps it read within the last READ_REUSE_MS.
    await new Promise((r) => setTimeout(r, READ_REUSE_MS + 1));
    const afterRevoke = await Promise.all(Array.from({ length: 8 }, () => call('/v1/collections', k.key)));
    assert.deepEqual(new Set(afterRevoke.map((r) => r.status)), new Set([401]));
  });

  it('stops every worker on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await assert.rejects(fetch(`${url}/healthz`), 'nobody listens any more');
  });
});
