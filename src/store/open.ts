// Opens the store the config names. Drivers are listed once here; each is lazy-loaded.
import type { StrataConfig } from '../core/config.js';
import type { Store } from './types.js';

const DRIVERS: Record<StrataConfig['store']['driver'], (config: StrataConfig) => Promise<Store>> = {
  sqlite: async (config) => (await import('./drivers/sqlite.js')).default({ dataDir: config.dataDir }),
};

export function openStore(config: StrataConfig): Promise<Store> {
  return DRIVERS[config.store.driver](config);
}
