// `strata index build|status|cancel`, `strata search --mode …` and `strata status` end to end, with an
// OpenAI-compatible embedding server on localhost (hash vectors: offline, fast, deterministic).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startReplayServer, type ReplayServer } from '../../models/replay.testkit.js';
import { hashVector } from '../../search/vector-fakes.testkit.js';
import { cli } from '../cli.testkit.js';

const TOPICS = [
  'Travel policy: employees book flights through the portal; economy class for trips under six hours.',
  'Security: laptops must use disk encryption; report lost devices within one hour.',
  'Payroll: salaries are paid on the last working day of the month.',
  'Holidays: every employee has twenty-five days of paid leave a year.',
  'Expenses: keep receipts for every meal and taxi claimed on a business trip.',
  'Onboarding: new hires get a laptop, a badge and a mentor in their first week.',
];

describe('strata index and semantic search (CLI)', () => {
  const data = mkdtempSync(join(tmpdir(), 'strata-index-data-'));
  const docs = mkdtempSync(join(tmpdir(), 'strata-index-docs-'));
  const configFile = join(mkdtempSync(join(tmpdir(), 'strata-index-cfg-')), 'strata.config.yaml');
  let server: ReplayServer;
  /** The 48-dimension model answers 503 from this request number on (an outage, or a process killed mid-build). */
  let outageFrom = Infinity;
  /** The 64-dimension model answers its first request, then never again (the build is killed while waiting). */
  let hangBig = false;
  let bigCalls = 0;
  const g = () => ['--data-dir', data, '--config', configFile];

  before(async () => {
    server = await startReplayServer((req, n) => {
      const body = req.body as { model: string; input: string[] };
      if (n >= outageFrom && body.model === 'hash-48') return { status: 503, json: { error: { message: 'overloaded' } } };
      if (body.model === 'hash-64' && hangBig && ++bigCalls > 1) return { hang: true };
      const [kind, dims] = body.model.split('-');
      // "liar" models answer with 7 dimensions whatever was configured.
      const size = kind === 'liar' ? 7 : Number(dims);
      const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: [...hashVector(t, size)] }));
      return { json: { object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } } };
    });
    const entry = (model: string, dims: number) =>
      `{ provider: openai-compatible, baseUrl: "${server.url}/v1", model: ${model}, dimensions: ${dims}, maxRetries: 0, timeoutMs: 5000 }`;
    writeFileSync(configFile, `embedders:\n  hash: ${entry('hash-32', 32)}\n  wide: ${entry('hash-48', 48)}\n  liar: ${entry('liar-16', 16)}\n  big: ${entry('hash-64', 64)}\n`);
    TOPICS.forEach((t, i) => writeFileSync(join(docs, `doc${i}.md`), `# Doc ${i}\n\n${t}`));
    const ing = await cli(...g(), 'ingest', docs, '--collection', 'kb');
    assert.equal(ing.code, 0, ing.stderr);
  });
  after(() => server.close());

  const status = async () => JSON.parse((await cli(...g(), 'index', 'status', 'kb', '--json')).stdout)[0].versions as { id: number; state: string; embeddedChunks: number; totalChunks: number; embedderId: string }[];
  const search = async (...args: string[]) => {
    const r = await cli(...g(), 'search', ...args, '--collection', 'kb', '--json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout).hits as { sourceId: string; score: number }[]).map((h) => ({ ...h, sourceId: basename(h.sourceId) }));
  };

  it('vector modes need an index; building one makes vector, hybrid, MMR and fusion options work', async () => {
    const none = await cli(...g(), 'search', 'laptop', '--collection', 'kb', '--mode', 'vector');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /has no vector index yet/);
    assert.match(none.stderr, /strata index build kb --embedder/);

    const b = await cli(...g(), 'index', 'build', 'kb', '--embedder', 'hash', '--batch-size', '2');
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /v\d+ active hash = openai-compatible:hash-32@32: 6\/6 chunks \(100%\)/);

    const exact = TOPICS[2]!;
    assert.equal((await search(exact, '--mode', 'vector'))[0]!.sourceId, 'doc2.md');
    assert.equal((await search('laptop encryption', '--mode', 'hybrid'))[0]!.sourceId, 'doc1.md');
    assert.equal((await search('laptop encryption', '--mode', 'hybrid', '--fusion', 'weighted', '--vector-weight', '0.2'))[0]!.sourceId, 'doc1.md');
    assert.equal((await search('laptop', '--mode', 'hybrid', '--mmr', '0.5', '-n', '3')).length, 3);
    const wrong = await cli(...g(), 'search', 'laptop', '--collection', 'kb', '--mode', 'vector', '--embedder', 'wide');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /did not build this collection's index/);
    assert.equal((await cli(...g(), 'search', 'x', '--collection', 'kb', '--mode', 'fuzzy')).code, 2);
    assert.equal((await cli(...g(), 'search', 'x', '--collection', 'kb', '--mmr', '2')).code, 2);
  });

  it('a later ingest embeds its new chunks for the active version', async () => {
    writeFileSync(join(docs, 'doc6.md'), '# Doc 6\n\nParking: the garage opens at seven and closes at ten.');
    const ing = await cli(...g(), 'ingest', docs, '--collection', 'kb');
    assert.equal(ing.code, 0, ing.stderr);
    assert.match(ing.stdout, /1 new chunks embedded for index version \d+/);
    const [v] = await status();
    assert.deepEqual([v!.state, v!.embeddedChunks, v!.totalChunks], ['active', 7, 7]);
    assert.equal((await search('garage opens at seven', '--mode', 'vector'))[0]!.sourceId, 'doc6.md');
  });

  it('a rebuild killed mid-way leaves the old version serving and resumes; status shows progress', async () => {
    const before = (await status())[0]!;
    outageFrom = server.requests.length + 2; // the first batch of the new build succeeds, then the provider is gone
    const killed = await cli(...g(), 'index', 'build', 'kb', '--embedder', 'wide', '--batch-size', '2');
    assert.equal(killed.code, 1);
    assert.match(killed.stderr, /503|overloaded|unavailable/i);
    const [building, active] = await status();
    assert.deepEqual([building!.state, building!.embeddedChunks, building!.totalChunks], ['building', 2, 7]);
    assert.deepEqual([active!.id, active!.state], [before.id, 'active']);
    const st = await cli(...g(), 'status', '--collection', 'kb');
    assert.match(st.stdout, /index v\d+ building wide = openai-compatible:hash-48@48: 2\/7 chunks \(28%\)/);
    assert.match(st.stdout, /index v\d+ active hash = /);
    assert.equal((await search(TOPICS[3]!, '--mode', 'vector'))[0]!.sourceId, 'doc3.md', 'queries keep the old version');

    outageFrom = Infinity;
    const sent = server.requests.length;
    const resumed = await cli(...g(), 'index', 'build', 'kb');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /active wide = openai-compatible:hash-48@48: 7\/7/);
    const texts = server.requests.slice(sent).flatMap((r) => (r.body as { input: string[] }).input);
    assert.equal(texts.length, 5, 'only the 5 chunks not embedded before the kill were sent');
    const versions = await status();
    assert.deepEqual(versions.slice(0, 2).map((v) => v.state), ['active', 'retired']);
    assert.equal((await search(TOPICS[3]!, '--mode', 'vector'))[0]!.sourceId, 'doc3.md');
  });

  it('a provider returning the wrong dimensions fails the new version; the active one is untouched', async () => {
    const [active] = await status();
    const bad = await cli(...g(), 'index', 'build', 'kb', '--embedder', 'liar');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /7-dimensional vector/);
    const [failed, still] = await status();
    assert.equal(failed!.state, 'failed');
    assert.deepEqual([still!.id, still!.state, still!.embeddedChunks], [active!.id, 'active', 7]);
    const table = await cli(...g(), 'index', 'status');
    assert.match(table.stdout, /failed/);
    assert.equal((await search(TOPICS[0]!, '--mode', 'hybrid'))[0]!.sourceId, 'doc0.md');
    assert.match((await cli(...g(), 'index', 'cancel', 'kb')).stdout, /no build in progress/);
  });

  it('kill -9 in the middle of a build: the active version keeps serving and the build resumes', async () => {
    const active = (await status()).find((v) => v.state === 'active');
    hangBig = true;
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...g(), 'index', 'build', 'kb', '--embedder', 'big', '--batch-size', '2'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let building: Awaited<ReturnType<typeof status>>[number] | undefined;
    for (let i = 0; i < 400 && !(building && building.embeddedChunks >= 2); i++) {
      await new Promise((r) => setTimeout(r, 50));
      building = (await status()).find((v) => v.state === 'building');
    }
    assert.equal(building?.embeddedChunks, 2, 'the first batch was committed before the kill');
    child.kill('SIGKILL');
    await exited;
    const after = await status();
    assert.equal(after.find((v) => v.state === 'active')!.id, active!.id);
    assert.equal((await search(TOPICS[4]!, '--mode', 'vector'))[0]!.sourceId, 'doc4.md', 'the old version serves');

    hangBig = false;
    const sent = server.requests.length;
    const resumed = await cli(...g(), 'index', 'build', 'kb');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`v${building!.id} active big = openai-compatible:hash-64@64: 7/7`));
    const texts = server.requests.slice(sent).flatMap((r) => (r.body as { model: string; input: string[] }).input);
    assert.equal(texts.length, 5, 'the 2 chunks written before the kill were not embedded again');
    assert.equal((await search(TOPICS[4]!, '--mode', 'vector'))[0]!.sourceId, 'doc4.md');
    // The ANN snapshot of the active version is kept for the next process; retired versions' snapshots are gone.
    assert.deepEqual(readdirSync(join(data, 'vectors')), [`${building!.id}.ann`]);
  });
});
