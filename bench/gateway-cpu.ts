// CPU cost of one gateway request, without a load generator: POST /v1/chat/completions over loopback to the
// server as `strata serve` runs it (`listen`: the OpenAI endpoints on node:http, in front of the Hono app), one at a
// time. The upstream (answering at once, OpenAI's format) and the client each run in a child process, so this
// process's CPU time is the server's own, socket reads and writes included. For comparing code versions on a host
// whose speed under load varies: run them interleaved.
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
import { listen } from '../src/server/node.js';
import { createSearcher } from '../src/search/service.js';
import { openStore } from '../src/store/open.js';

const args = process.argv.slice(2);
const n = Number(args.includes('--requests') ? args[args.indexOf('--requests') + 1] : 3000);

const UPSTREAM = `const { createServer } = require('node:http');
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'bench-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 24, completion_tokens: 8, total_tokens: 32 } });
const s = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }); });
s.keepAliveTimeout = 60000; s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`;

const CLIENT = `const http = require('node:http'); const [url, key] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'What is the capital of France?' }], temperature: 0.7 });
const headers = { authorization: 'Bearer ' + key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
const one = () => new Promise((resolve, reject) => { const r = http.request(url, { method: 'POST', agent, headers }, (res) => { let t = ''; res.on('data', (d) => (t += d));
  res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + res.statusCode + ': ' + t)))); }); r.on('error', reject); r.end(body); });
let pending = ''; process.stdin.on('data', async (d) => { pending += d; const lines = pending.split('\\n'); pending = lines.pop();
  for (const l of lines) { try { for (let i = 0; i < Number(l); i++) await one(); process.stdout.write('done\\n'); } catch (e) { process.stdout.write(String(e.message).replace(/\\n/g, ' ') + '\\n'); } } });`;

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
  const served = createApp({ config, store, searcher: createSearcher(store, config.search.bm25) });
  const server = await listen(served, { host: '127.0.0.1', port: 0 });
  // The client sends `count` requests one after another on one keep-alive connection and prints `done`.
  const client = spawn(process.execPath, ['-e', CLIENT, `${server.url}/v1/chat/completions`, key.key], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  client.stdout.on('data', (d: Buffer) => {
    buffered += String(d);
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const send = (count: number) =>
    new Promise<void>((resolve, reject) => {
      waiting.push((line) => (line === 'done' ? resolve() : reject(new Error(line))));
      client.stdin.write(`${count}\n`);
    });
  await send(1500);
  const rounds: { wall_us: number; cpu_us: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await send(n);
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ wall_us: Math.round(((performance.now() - t0) * 1000) / n), cpu_us: Math.round((cpu.user + cpu.system) / n) });
  }
  client.kill();
  await server.close();
  await served.deps.gateway.flush();
  console.log(JSON.stringify({ benchmark: 'gateway-cpu-per-request', node: process.version, requests_per_round: n, rounds }, null, 2));
} finally {
  upstream.kill();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
