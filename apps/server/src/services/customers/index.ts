import type { Store } from '../../db/index.js';
import { get, list } from './read.js';
import type { CustomerDeps } from './rules.js';
import { create, remove, update } from './write.js';

/** The customer operations over a store: reads (read.ts) and writes (write.ts). */
export function customersService(store: Store, settings: { phoneRegion: string }) {
  const deps: CustomerDeps = { store, phoneRegion: settings.phoneRegion };
  return {
    list: (query: Parameters<typeof list>[1]) => list(deps, query),
    get: (id: number) => get(deps, id),
    create: (data: Parameters<typeof create>[1]) => create(deps, data),
    update: (id: number, data: Parameters<typeof update>[2]) => update(deps, id, data),
    remove: (id: number) => remove(deps, id),
  };
}

export type CustomersService = ReturnType<typeof customersService>;
