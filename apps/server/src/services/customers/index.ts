import type { Store } from '../../db/index.js';
import { lookup } from './lookup.js';
import { get, list } from './read.js';
import type { CustomerDeps } from './rules.js';
import { create, remove, update } from './write.js';

/** The customer operations over a store: reads (read.ts) and writes (write.ts). */
export function customersService(store: Store, settings: { phoneRegion: string }) {
  const deps: CustomerDeps = { store, phoneRegion: settings.phoneRegion };
  return {
    list: (query: Parameters<typeof list>[1]) => list(deps, query),
    get: (id: number) => get(deps, id),
    lookup: (references: string[]) => lookup(deps, references),
    create: (data: Parameters<typeof create>[1]) => create(deps, data),
    update: (id: number, data: Parameters<typeof update>[2], ifMatch?: string) => update(deps, id, data, ifMatch),
    remove: (id: number, ifMatch?: string) => remove(deps, id, ifMatch),
  };
}

export type CustomersService = ReturnType<typeof customersService>;
