import type { Sequelize } from 'sequelize';
import type { Dialect } from '../connection.js';
import type { CountersRepo } from '../counters.js';
import { type CustomerLock, lockForContactWrites } from '../customers.js';
import type { Reader } from '../reads.js';
import type { UnitOfWork } from '../transaction.js';
import { list, slice } from './list.js';
import { byId, clashes, lockForWrite, ofCustomer, ofCustomerIn, ofCustomers } from './queries.js';
import type { ContactRecord, ContactsDb, ContactValues, Keyset } from './records.js';
import { demotePrimaries, insertRows, remove, update } from './writes.js';

export type {
  ContactCustomer,
  ContactFilter,
  ContactOrder,
  ContactRecord,
  ContactRow,
  ContactValues,
  Keyset,
} from './records.js';

/** The contacts table: every statement on it, the hot reads (list.ts, queries.ts) and the writes (writes.ts). */
export function contactsRepo(sequelize: Sequelize, read: Reader, counters: CountersRepo) {
  const dialect = sequelize.getDialect() as Dialect;
  const db: ContactsDb = { sequelize, read, dialect, rowLocks: dialect !== 'sqlite' };
  return {
    list: (...args: Parameters<typeof list> extends [ContactsDb, CountersRepo, ...infer A] ? A : never) =>
      list(db, counters, ...args),
    slice: (...args: Parameters<typeof slice> extends [ContactsDb, ...infer A] ? A : never) => slice(db, ...args),
    byId: (id: number) => byId(db, id),
    ofCustomer: (customerId: number) => ofCustomer(db, customerId),
    ofCustomers: (customerIds: number[]) => ofCustomers(db, customerIds),
    ofCustomerIn: (customerId: number, uow: UnitOfWork) => ofCustomerIn(db, customerId, uow),
    /** The customers a contact write names, locked (customers.ts): what its checks and answers need. */
    lockCustomers: (ids: number[], uow: UnitOfWork, lock?: CustomerLock) => lockForContactWrites(db, ids, uow, lock),
    clashes: (...args: Parameters<typeof clashes> extends [ContactsDb, ...infer A] ? A : never) => clashes(db, ...args),
    lockForWrite: (id: number, uow: UnitOfWork) => lockForWrite(db, id, uow),
    demotePrimaries: (customerIds: number[], uow: UnitOfWork, exceptId?: number) =>
      demotePrimaries(db, customerIds, uow, exceptId),
    /** One multi-row insert (per 1,000 rows); returns the rows with their ids, in the order given. */
    insertMany: (rows: (ContactValues & { customerId: number })[], uow: UnitOfWork) => insertRows(db, rows, uow),
    update: (contact: ContactRecord, values: Partial<ContactValues>, uow: UnitOfWork) =>
      update(db, contact, values, uow),
    remove: (id: number, uow: UnitOfWork) => remove(id, uow),
  };
}

export type ContactsRepo = ReturnType<typeof contactsRepo>;
export type { Keyset as ContactKeyset };
