// `strata ask`: ingest a folder, ask as the operator and as a user, read the answer, its sources and --json.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../cli.testkit.js';

describe('strata ask', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-ask-'));
  const folder = join(dir, 'docs');
  const config = join(dir, 'strata.config.yaml');

  it('prints a cited extractive answer with numbered sources; --as and --json; unknown model and collection', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeFileSync(join(folder, 'leave.md'), '# Leave\n\n## Vacation\n\nEmployees get 25 vacation days per year. Unused days expire in March.');
    writeFileSync(join(folder, 'payroll.md'), '# Payroll\n\nSenior employees negotiate extra vacation days with payroll.');
    writeFileSync(join(folder, 'payroll.md.strata.json'), JSON.stringify({ readers: ['group:finance'] }));
    writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\ndirectory:\n  users:\n    bob: { groups: [] }\n  groups:\n    finance: {}\n`);
    const c = ['--config', config];
    assert.equal((await cli(...c, 'ingest', folder, '--collection', 'hr')).code, 0);

    const out = await cli(...c, 'ask', 'How many vacation days do employees get?', '--collection', 'hr');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Employees get 25 vacation days per year\. \[\d\]/);
    assert.match(out.stdout, /Sources:\n {2}\[\d\] Leave · leave\.md · Leave › Vacation\n {6}“Employees get 25 vacation days per year\.”/);
    assert.match(out.stdout, /extractive \(no model\)/);

    const json = JSON.parse((await cli(...c, '--as', 'bob', 'ask', 'vacation days for senior employees', '--collection', 'hr', '--json')).stdout);
    assert.equal(json.mode, 'extractive');
    assert.ok(json.retrieval.hits.every((h: { sourceId: string }) => h.sourceId !== 'payroll.md'), 'bob may not read payroll.md');
    assert.ok(json.citations.every((h: { sourceId: string }) => h.sourceId !== 'payroll.md'));

    const nothing = await cli(...c, 'ask', 'Who won the football world cup?', '--collection', 'hr');
    assert.equal(nothing.code, 0);
    assert.match(nothing.stdout, /^I could not find this in the documents you can access\./);

    const badModel = await cli(...c, 'ask', 'vacation days', '--collection', 'hr', '--model', 'nope');
    assert.equal(badModel.code, 2);
    assert.match(badModel.stderr, /nope/);
    assert.equal((await cli(...c, 'ask', 'vacation', '--collection', 'missing')).code, 2);
  });
});
