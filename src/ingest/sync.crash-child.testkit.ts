// Child process for the kill -9 test: syncs a folder into a store, printing "started" first.
import { makeHarness } from './sync.testkit.js';

const [dataDir, root] = process.argv.slice(2);
const h = await makeHarness({ ingest: { batchSize: 8 } }, dataDir!);
process.stdout.write('started\n');
await h.sync(root!);
await h.store.close();
process.stdout.write('done\n');
