// The ANN engine's public surface: an index of labelled vectors (exact below a size threshold, HNSW above),
// its snapshots, and catch-up with the store. Imports only core; src/search wires it to the store.
export type { AnnHit, AnnIndex, AnnIndexOptions, AnnSearchOptions, AnnStats } from './ann.js';
export { createAnnIndex, loadAnnIndex } from './ann.js';
export type { AnnSource, OpenedAnnIndex, SyncOptions, SyncResult } from './sync.js';
export { annSnapshotPath, openAnnIndex, removeAnnSnapshot, syncAnnIndex } from './sync.js';
