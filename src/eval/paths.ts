// Where evaluation data lives: `eval.dir` of the config, relative to the data directory (default <dataDir>/eval).
import { resolve } from 'node:path';
import type { StrataConfig } from '../core/config.js';

export const evalDirOf = (config: StrataConfig): string => resolve(config.dataDir, config.eval.dir);
