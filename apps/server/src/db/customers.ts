import { Op, type WhereOptions } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { Dialect } from './connection.js';
import type { CountersRepo } from './counters.js';
import { Customer } from './models/index.js';
import {
  asBoolean,
  asDate,
  asNumber,
  fitsId,
  limitSql,
  offsetParams,
  offsetSql,
  type Reader,
  type Row,
} from './reads.js';
import { customerSearch } from './search.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

export interface CustomerFilter {
  isActive?: boolean;
  isVerified?: boolean;
  searchTerms?: string[];
}

export interface CustomerValues {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  nic: string;
  phoneNumber: string | null;
  address: string | null;
  isVerified: boolean;
  isActive: boolean;
}

/** A customer as the reads return it. */
export interface CustomerRecord extends CustomerValues {
  id: number;
  customerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

// The hot reads (customer contacts, customers with contacts) as SQL through the reader (reads.ts).
const SELECT_CUSTOMERS = `SELECT id, customer_id, username, email, first_name, last_name, nic, phone_number, address,
  is_verified, is_active, created_at, updated_at, version FROM customers`;

function customerRecord(r: Row): CustomerRecord {
  return {
    id: asNumber(r.id),
    customerId: (r.customer_id as string | null) ?? null,
    username: r.username as string,
    email: r.email as string,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    nic: r.nic as string,
    phoneNumber: (r.phone_number as string | null) ?? null,
    address: (r.address as string | null) ?? null,
    isVerified: asBoolean(r.is_verified),
    isActive: asBoolean(r.is_active),
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
    version: asNumber(r.version),
  };
}

/** `CUST` and the id, at least 6 digits: unique because the id is, with no max+1 race. */
export const customerCode = (id: number) => `CUST${String(id).padStart(6, '0')}`;

/** A customer model instance as the record the services see. */
const recordOf = (c: Customer): CustomerRecord => ({
  id: c.id,
  customerId: c.customerId,
  username: c.username,
  email: c.email,
  firstName: c.firstName,
  lastName: c.lastName,
  nic: c.nic,
  phoneNumber: c.phoneNumber,
  address: c.address,
  isVerified: Boolean(c.isVerified),
  isActive: Boolean(c.isActive),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  version: c.version,
});

/** Where a keyset page starts: after the row with this sort value and id, reading in the order's direction or back. */
export interface Keyset {
  after?: { value: string | number; id: number };
  backward: boolean;
}

/** The list's orderings, as the model's attributes. */
const ORDER_ATTRIBUTES: Record<string, string> = {
  created_at: 'createdAt',
  id: 'id',
  username: 'username',
  customer_id: 'customerId',
};

/** The rows past (value, id) when reading by `by` in this direction. */
function keysetWhere(by: string, desc: boolean, after: { value: string | number; id: number }): WhereOptions {
  const past = desc ? Op.lt : Op.gt;
  if (by === 'id') return { id: { [past]: after.id } };
  const value = by === 'createdAt' ? new Date(after.value) : after.value;
  return { [Op.or]: [{ [by]: { [past]: value } }, { [by]: value, id: { [past]: after.id } }] };
}

async function listCustomers(
  filter: WhereOptions,
  order: { by: string; desc: boolean },
  { limit, offset }: { limit: number; offset: number },
  keyset?: Keyset,
) {
  const by = ORDER_ATTRIBUTES[order.by] ?? 'createdAt';
  const desc = order.desc !== (keyset?.backward ?? false);
  const dir = desc ? 'DESC' : 'ASC';
  const after = keyset?.after && keysetWhere(by, desc, keyset.after);
  const [count, rows] = await Promise.all([
    Customer.count({ where: filter }),
    Customer.findAll({
      where: after ? { [Op.and]: [filter, after] } : filter,
      order:
        by === 'id'
          ? [['id', dir]]
          : [
              [by, dir],
              ['id', dir],
            ],
      limit,
      offset,
    }),
  ]);
  const records = rows.map(recordOf);
  return { count, rows: keyset?.backward ? records.reverse() : records };
}

/** What the customer-row locks of contact writes need: a reader, and the dialect (SQLite has no row locks). */
type LockDb = { read: Reader; dialect: Dialect };
const placeholders = (items: unknown[]) => items.map(() => '?').join(', ');
/** Ids as a statement may bind them: distinct integers, and only those an INTEGER column can hold. */
const boundIds = (ids: number[]) => [...new Set(ids.map(Math.trunc))].filter(fitsId);

/** How a contact write holds its customers: alone, or beside other writes that only add contacts (`shared`). */
export type CustomerLock = 'exclusive' | 'shared';

const LOCK_SQL: Record<Dialect, Record<CustomerLock, string>> = {
  sqlite: { exclusive: '', shared: '' },
  postgres: { exclusive: ' FOR UPDATE', shared: ' FOR SHARE' },
  mariadb: { exclusive: ' FOR UPDATE', shared: ' LOCK IN SHARE MODE' },
};

/**
 * The customers a contact write names, their rows locked for the unit of work where the database has row locks (in
 * id order, so that two writers cannot deadlock): the columns the checks and the answers need. A shared lock still
 * keeps the customer from changing (a deactivation waits for it) but lets other creates of its contacts run beside:
 * their clashes then meet in the unique indexes (services/contacts/group.ts runs each such create again alone).
 */
export async function lockForContactWrites(
  { read, dialect }: LockDb,
  ids: number[],
  uow: UnitOfWork,
  lock: CustomerLock = 'exclusive',
) {
  const known = boundIds(ids);
  if (known.length === 0) return [];
  const rows = await read.selectIn(
    uow,
    `SELECT id, is_active, first_name, last_name, username, customer_id AS customer_code FROM customers
     WHERE id IN (${placeholders(known)}) ORDER BY id${LOCK_SQL[dialect][lock]}`,
    known,
  );
  return rows.map((r) => ({
    id: asNumber(r.id),
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    username: r.username as string,
    customerId: (r.customer_code as string | null) ?? null,
    isActive: asBoolean(r.is_active),
  }));
}

/** Locks these customers' rows (only the lock: a contact write of theirs is about to read its contact). */
export async function lockCustomerRows({ read }: LockDb, ids: number[], uow: UnitOfWork): Promise<void> {
  for (const id of boundIds(ids)) await read.selectIn(uow, 'SELECT id FROM customers WHERE id = ? FOR UPDATE', [id]);
}

async function updateCustomer(
  sequelize: Sequelize,
  customer: CustomerRecord,
  values: Partial<CustomerValues>,
  uow: UnitOfWork,
): Promise<CustomerRecord> {
  const changed = Object.fromEntries(
    Object.entries(values).filter(([k, v]) => v !== customer[k as keyof CustomerValues]),
  ) as Partial<CustomerValues>;
  if (Object.keys(changed).length === 0) return customer;
  const updatedAt = new Date();
  const transaction = asTransaction(uow);
  // `silent`: the stored updated_at is exactly the one answered, not Sequelize's own a moment later.
  await Customer.update(
    { ...changed, updatedAt, version: sequelize.literal('version + 1') },
    { where: { id: customer.id }, transaction, silent: true },
  );
  // Its contacts show its name and username: their representations, and so their versions, change with them.
  if (changed.firstName !== undefined || changed.lastName !== undefined || changed.username !== undefined) {
    await sequelize.query('UPDATE contacts SET version = version + 1 WHERE customer_id = ?', {
      replacements: [customer.id],
      transaction,
    });
  }
  return { ...customer, ...changed, updatedAt, version: customer.version + 1 };
}

/**
 * The customers with any of these ids, codes or usernames: one statement, through Sequelize rather than the prepared
 * reads (its texts vary with the lists' lengths).
 */
async function byReferences(refs: { ids: number[]; codes: string[]; usernames: string[] }) {
  const ids = refs.ids.filter(fitsId);
  const or = [
    ...(ids.length ? [{ id: ids }] : []),
    ...(refs.codes.length ? [{ customerId: refs.codes }] : []),
    ...(refs.usernames.length ? [{ username: refs.usernames }] : []),
  ];
  if (or.length === 0) return [];
  const rows = (await Customer.findAll({
    attributes: ['id', 'customerId', 'username', 'isActive'],
    where: { [Op.or]: or },
    raw: true,
  })) as unknown as Pick<CustomerRecord, 'id' | 'customerId' | 'username' | 'isActive'>[];
  return rows.map((r) => ({ ...r, id: asNumber(r.id), isActive: asBoolean(r.isActive) }));
}

/** The customers table: the list through the model (its search: search.ts), the hot reads as SQL, the writes. */
export function customersRepo(sequelize: Sequelize, read: Reader, counters: CountersRepo) {
  const rowLocks = sequelize.getDialect() !== 'sqlite';
  const idColumn = `${sequelize.getQueryInterface().quoteIdentifier('Customer')}.id`;
  const where = (filter: CustomerFilter): WhereOptions => ({
    [Op.and]: [
      ...(filter.isActive !== undefined ? [{ isActive: filter.isActive }] : []),
      ...(filter.isVerified !== undefined ? [{ isVerified: filter.isVerified }] : []),
      ...(filter.searchTerms?.length ? [customerSearch(sequelize, idColumn, filter.searchTerms)] : []),
    ],
  });

  return {
    /**
     * A page and the total. With `keyset`, the rows past (value, id) in the reading direction (backwards: read in the
     * reverse order, answered in the list's); the total is still of the whole filter.
     */
    list: (
      filter: CustomerFilter,
      order: { by: string; desc: boolean },
      limit: number,
      offset: number,
      keyset?: Keyset,
    ) => listCustomers(where(filter), order, { limit, offset }, keyset),

    /** A page of customers, newest first, with the total (from the counters: no count over the table). */
    async page(limit: number, offset: number) {
      const [count, rows] = await Promise.all([
        counters.customerCount(),
        read.select(
          `${SELECT_CUSTOMERS} JOIN (SELECT id AS page_id FROM customers ORDER BY created_at DESC, id DESC
           ${limitSql(limit)}${offsetSql(offset)}) page ON page.page_id = customers.id ORDER BY created_at DESC, id DESC`,
          offsetParams(offset),
        ),
      ]);
      return { count, rows: rows.map(customerRecord) };
    },

    async byId(id: number): Promise<CustomerRecord | undefined> {
      if (!fitsId(id)) return undefined;
      const [row] = await read.select(`${SELECT_CUSTOMERS} WHERE id = ?`, [id]);
      return row && customerRecord(row);
    },

    byReferences,

    /** The customer, its row locked for the unit of work where the database has row locks. */
    async lock(id: number, uow: UnitOfWork): Promise<CustomerRecord | undefined> {
      const c = await Customer.findByPk(id, { transaction: asTransaction(uow), lock: rowLocks });
      return c ? recordOf(c) : undefined;
    },

    /** Customers other than `exceptId` holding this username, e-mail or NIC. */
    clashes(values: { username?: string; email?: string; nic?: string }, uow: UnitOfWork, exceptId?: number) {
      const or = Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ({ [k]: v }));
      if (or.length === 0) return Promise.resolve([]);
      return Customer.findAll({
        attributes: ['id', 'username', 'email', 'nic'],
        where: { [Op.or]: or, ...(exceptId !== undefined ? { id: { [Op.ne]: exceptId } } : {}) },
        transaction: asTransaction(uow),
        raw: true,
      }) as unknown as Promise<Pick<CustomerRecord, 'id' | 'username' | 'email' | 'nic'>[]>;
    },

    /** Inserts, then sets the customer code from the new id, in the caller's unit of work. */
    async insert(values: CustomerValues, uow: UnitOfWork): Promise<CustomerRecord> {
      const transaction = asTransaction(uow);
      const customer = await Customer.create({ ...values, customerId: null }, { transaction });
      await customer.update({ customerId: customerCode(customer.id) }, { transaction, silent: true });
      return recordOf(customer);
    },

    /** Writes the values; `updated_at` and the version move only with a change. Answers the customer as it now is. */
    update: (customer: CustomerRecord, values: Partial<CustomerValues>, uow: UnitOfWork) =>
      updateCustomer(sequelize, customer, values, uow),

    /** Deletes the customer; its contacts go with it (ON DELETE CASCADE). */
    async remove(id: number, uow: UnitOfWork) {
      return (await Customer.destroy({ where: { id }, transaction: asTransaction(uow) })) > 0;
    },
  };
}

export type CustomersRepo = ReturnType<typeof customersRepo>;
