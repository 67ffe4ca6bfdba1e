import type { ContactExportQuery } from '@ccm/contract';
import type { Store } from '../../db/index.js';
import { bulkCreate } from './bulk.js';
import { exportPages } from './export.js';
import { createGroups, type GroupCounts } from './group.js';
import { customersWithContacts, get, list, ofCustomer, stats } from './read.js';
import type { ContactDeps } from './rules.js';
import { create, remove, setPrimary, toggleStatus, update } from './write.js';

type Rest<F> = F extends (deps: ContactDeps, ...args: infer A) => infer R ? (...args: A) => R : never;
const bind = <F extends (deps: ContactDeps, ...args: never[]) => unknown>(deps: ContactDeps, f: F): Rest<F> =>
  ((...args: never[]) => f(deps, ...args)) as Rest<F>;

/** The contact operations over a store: reads (read.ts), writes (write.ts), bulk create (bulk.ts). */
export function contactsService(store: Store, settings: { phoneRegion: string; exportPageSize?: number }) {
  const deps: ContactDeps = { store, phoneRegion: settings.phoneRegion };
  // Concurrent creates commit together (docs/databases.md, "Group commit"). Not with read replicas: a write's answer
  // carries its commit's position, known only to a transaction of its own call (services/consistency.ts).
  const groups = store.replicas.configured ? undefined : createGroups(deps);
  return {
    list: bind(deps, list),
    get: bind(deps, get),
    stats: bind(deps, stats),
    exportPages: (query: ContactExportQuery) => exportPages(deps, query, settings.exportPageSize),
    ofCustomer: bind(deps, ofCustomer),
    customersWithContacts: bind(deps, customersWithContacts),
    create: (data: Parameters<typeof create>[1]) => create(deps, data, groups?.create),
    /** Creates committed together so far (group.ts); none where each create commits alone. */
    createGroups: (): GroupCounts => ({ ...(groups?.counts ?? { groups: 0, creates: 0 }) }),
    update: bind(deps, update),
    remove: bind(deps, remove),
    setPrimary: bind(deps, setPrimary),
    toggleStatus: bind(deps, toggleStatus),
    bulkCreate: bind(deps, bulkCreate),
  };
}

export type ContactsService = ReturnType<typeof contactsService>;
