// Worker thread body for ChunkPool: chunks documents with the same code as the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkingSettings } from '../core/types.js';
import { chunkBlocks } from './chunker.js';
import type { Block } from './parsers/types.js';
import { loadTokenCounter } from './tokenizer.js';

const settings = workerData.settings as ChunkingSettings;
const counter = await loadTokenCounter(settings.tokenizer);

parentPort!.on('message', (msg: { id: number; docs: Block[][] }) => {
  try {
    parentPort!.postMessage({ id: msg.id, drafts: msg.docs.map((blocks) => chunkBlocks(blocks, settings, counter)) });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
