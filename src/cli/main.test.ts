import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { cli } from './cli.testkit.js';

describe('strata CLI', () => {
  const data = mkdtempSync(join(tmpdir(), 'strata-cli-data-'));
  const docs = mkdtempSync(join(tmpdir(), 'strata-cli-docs-'));
  writeFileSync(join(docs, 'travel.md'), '---\nauthor: Ana\n---\n# Travel policy\n\nEmployees book flights through the portal. Economy class for trips under six hours.');
  writeFileSync(join(docs, 'security.md'), '# Security\n\nLaptops must use disk encryption. Report lost devices within one hour.');
  writeFileSync(join(docs, 'broken.pdf'), 'not really a pdf');
  const d = ['--data-dir', data];

  it('ingests, searches, lists, shows and deletes, with --json on every read', async () => {
    const ing = await cli(...d, 'ingest', docs, '--collection', 'handbook', '--json');
    assert.equal(ing.code, 0, ing.stderr);
    const report = JSON.parse(ing.stdout);
    assert.equal(report.files.indexed, 2);
    assert.equal(report.files.failed, 1);

    const s = await cli(...d, 'search', 'flights', 'economy', '--collection', 'handbook', '--json');
    assert.equal(s.code, 0, s.stderr);
    const res = JSON.parse(s.stdout);
    assert.equal(res.hits[0].title, 'Travel policy');
    const { text, highlights } = res.hits[0].snippet;
    assert.deepEqual(highlights.map(([a, b]: [number, number]) => text.slice(a, b).toLowerCase()), ['flights', 'economy']);

    const filtered = await cli(...d, 'search', 'policy', '--collection', 'handbook', '--filter', 'author=Ana', '--json');
    assert.deepEqual(JSON.parse(filtered.stdout).hits.map((h: { title: string }) => h.title), ['Travel policy']);

    const faceted = await cli(...d, 'search', 'policy', '--collection', 'handbook', '--facet', 'author', '--total');
    assert.match(faceted.stdout, /1 matching document\nauthor: /);
    assert.match(faceted.stdout, /Ana \(1\)/);

    const human = await cli(...d, 'search', 'encryption', '--collection', 'handbook');
    assert.match(human.stdout, /1\. Security/);
    assert.match(human.stdout, /«encryption»/);

    const list = JSON.parse((await cli(...d, 'docs', 'list', '--collection', 'handbook', '--json')).stdout);
    assert.equal(list.total, 2);
    const id = list.documents[0].id;
    const show = JSON.parse((await cli(...d, 'docs', 'show', id, '--collection', 'handbook', '--json')).stdout);
    assert.ok(show.chunks.length >= 1);

    const status = JSON.parse((await cli(...d, 'status', '--json')).stdout);
    const broken = status[0].files.find((f: { path: string }) => f.path.endsWith('broken.pdf'));
    assert.equal(broken.status, 'failed');
    assert.match(broken.reason, /pdf/i);

    const cols = JSON.parse((await cli(...d, 'collections', '--json')).stdout);
    assert.deepEqual(cols.map((c: { name: string; documentCount: number }) => [c.name, c.documentCount]), [['handbook', 2]]);

    assert.equal((await cli(...d, 'docs', 'delete', id, '--collection', 'handbook')).code, 0);
    assert.equal(JSON.parse((await cli(...d, 'docs', 'list', '--collection', 'handbook', '--json')).stdout).total, 1);
  });

  it('exits 2 for user errors and says what to do', async () => {
    const missing = await cli(...d, 'search', 'x', '--collection', 'nope');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /collection "nope" does not exist/);
    assert.equal((await cli(...d, 'search', 'x')).code, 2, 'missing required option');
    assert.equal((await cli(...d, 'frobnicate')).code, 2, 'unknown command');
    assert.equal((await cli(...d, 'search', 'x', '--collection', 'handbook', '--limit', 'many')).code, 2);
    const badFilter = await cli(...d, 'search', 'x', '--collection', 'handbook', '--filter', 'nonsense');
    assert.equal(badFilter.code, 2);
    const badDir = await cli(...d, 'ingest', '/does/not/exist', '--collection', 'handbook');
    assert.equal(badDir.code, 2);
    assert.match(badDir.stderr, /folder not found/);
    const cfgDir = mkdtempSync(join(tmpdir(), 'strata-cli-cfg-'));
    writeFileSync(join(cfgDir, 'bad.yaml'), 'chunking: { maxTokens: -1 }\n');
    const badCfg = await cli('--config', join(cfgDir, 'bad.yaml'), 'collections');
    assert.equal(badCfg.code, 2);
    assert.match(badCfg.stderr, /chunking\.maxTokens/);
  });

  it('--as <user> sees only what that user may read, in search, docs and counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cli-acl-'));
    const folder = join(dir, 'docs');
    mkdirSync(folder);
    writeFileSync(join(folder, 'public.md'), '# Holidays\n\nThe office closes for the winter holidays.');
    writeFileSync(join(folder, 'payroll.md'), '# Payroll\n\nSalaries are paid before the winter holidays.');
    writeFileSync(join(folder, 'payroll.md.strata.json'), JSON.stringify({ readers: ['group:finance'] }));
    const config = join(dir, 'strata.config.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\ndirectory:\n  users:\n    alice: { groups: [payroll-team] }\n    bob: { groups: [staff] }\n  groups:\n    payroll-team: { groups: [finance] }\n    finance: { groups: [staff] }\n    staff: {}\n`);
    const c = ['--config', config];
    assert.equal((await cli(...c, 'ingest', folder, '--collection', 'hr')).code, 0);
    const titles = async (...who: string[]) =>
      JSON.parse((await cli(...c, ...who, 'search', 'winter', 'holidays', '--collection', 'hr', '--json')).stdout).hits.map((h: { title: string }) => h.title).sort();

    assert.deepEqual(await titles(), ['Holidays', 'Payroll'], 'the local operator reads everything');
    assert.deepEqual(await titles('--as', 'alice'), ['Holidays', 'Payroll'], 'finance through a nested group');
    assert.deepEqual(await titles('--as', 'bob'), ['Holidays']);

    const list = JSON.parse((await cli(...c, '--as', 'bob', 'docs', 'list', '--collection', 'hr', '--json')).stdout);
    assert.equal(list.total, 1);
    assert.deepEqual(list.documents.map((d: { metadata: { title: string } }) => d.metadata.title), ['Holidays']);
    const all = JSON.parse((await cli(...c, 'docs', 'list', '--collection', 'hr', '--json')).stdout);
    const payroll = all.documents.find((d: { metadata: { title: string } }) => d.metadata.title === 'Payroll').id;
    const hidden = await cli(...c, '--as', 'bob', 'docs', 'show', payroll, '--collection', 'hr');
    assert.equal(hidden.code, 2);
    assert.match(hidden.stderr, /document ".*" not found/, 'reported like a missing document');
    assert.equal((await cli(...c, '--as', 'alice', 'docs', 'show', payroll, '--collection', 'hr')).code, 0);
    const cols = JSON.parse((await cli(...c, '--as', 'bob', 'collections', '--json')).stdout);
    assert.deepEqual(cols.map((x: { documentCount: number }) => x.documentCount), [1]);

    const unknown = await cli(...c, '--as', 'mallory', 'search', 'x', '--collection', 'hr');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /user "mallory" is not in the directory/);
  });

  it('exits 1 when the store cannot be opened, as a real process', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'strata-cli-f-')), 'file');
    writeFileSync(file, 'x');
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', main, '--data-dir', file, 'collections'], { encoding: 'utf8' });
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /cannot open the store/);
    assert.doesNotMatch(res.stderr, /at .*\.ts:\d+/, 'no stack trace for users');
  });
});
