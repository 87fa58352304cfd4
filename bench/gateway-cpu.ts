// CPU cost of one gateway request, without a load generator: POST /v1/chat/completions through the app's fetch,
// one at a time, the upstream (answering at once, OpenAI's format) in a child process, so this process's CPU
// time is the gateway's own (plus building each Web Request, the same for every version). For comparing code
// versions on a host whose speed under load varies: run them interleaved.
//
//   npx tsx bench/gateway-cpu.ts [--requests 3000]
//
// Prints one JSON object: wall and CPU µs per request for three rounds after a warm-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/core/config.js';
import { createApp } from '../src/server/app.js';
import { generateApiKey } from '../src/server/auth/api-keys.js';
import { createSearcher } from '../src/search/service.js';
import { openStore } from '../src/store/open.js';

const args = process.argv.slice(2);
const n = Number(args.includes('--requests') ? args[args.indexOf('--requests') + 1] : 3000);

const UPSTREAM = `const { createServer } = require('node:http');
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'bench-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 24, completion_tokens: 8, total_tokens: 32 } });
const s = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }); });
s.keepAliveTimeout = 60000; s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`;

const upstream = spawn(process.execPath, ['-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => upstream.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
const dir = mkdtempSync(join(tmpdir(), 'strata-gw-cpu-'));
const config = validateConfig(
  {
    dataDir: dir,
    server: { rateLimit: { perSecond: 1e6, burst: 1e6 } },
    providers: { up: { kind: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-bench-upstream', maxRetries: 0, timeoutMs: 10_000 } },
    models: { 'bench-model': { provider: 'up', contextWindow: 128_000, pricing: { input: 0.15, output: 0.6 }, clearedFor: ['public', 'internal'] } },
    gateway: { aliases: { bench: { targets: [{ model: 'bench-model' }], retries: 0 } }, budgets: { default: { usdPerDay: 1000 } } },
  },
  'bench/gateway-cpu.ts',
);
const store = await openStore(config);
try {
  const ws = await store.ensureWorkspace(config.workspace);
  await store.upsertPrincipal({ workspaceId: ws.id, kind: 'user', id: 'bench', groups: [] });
  const key = generateApiKey();
  await store.createApiKey({ workspaceId: ws.id, name: 'bench', role: 'reader', subject: 'bench', prefix: key.prefix, hash: key.hash });
  const { app, deps } = createApp({ config, store, searcher: createSearcher(store, config.search.bm25) });
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'What is the capital of France?' }], temperature: 0.7 });
  const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };
  const one = async () => {
    const res = await app.fetch(new Request('http://bench/v1/chat/completions', { method: 'POST', headers, body }));
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  };
  for (let i = 0; i < 1500; i++) await one();
  const rounds: { wall_us: number; cpu_us: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await one();
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ wall_us: Math.round(((performance.now() - t0) * 1000) / n), cpu_us: Math.round((cpu.user + cpu.system) / n) });
  }
  await deps.gateway.flush();
  console.log(JSON.stringify({ benchmark: 'gateway-cpu-per-request', node: process.version, requests_per_round: n, rounds }, null, 2));
} finally {
  upstream.kill();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
