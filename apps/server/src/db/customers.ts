import { Op, type Transaction, type WhereOptions } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { CountersRepo } from './counters.js';
import { Customer } from './models/index.js';
import { asBoolean, asDate, asNumber, fitsId, limitSql, type Reader, type Row } from './reads.js';
import { customerSearch } from './search.js';

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
}

// The hot reads (customer contacts, customers with contacts) as SQL through the reader (reads.ts).
const SELECT_CUSTOMERS = `SELECT id, customer_id, username, email, first_name, last_name, nic, phone_number, address,
  is_verified, is_active, created_at, updated_at FROM customers`;

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
  };
}

/** `CUST` and the id, at least 6 digits: unique because the id is, with no max+1 race. */
export const customerCode = (id: number) => `CUST${String(id).padStart(6, '0')}`;

export function customersRepo(sequelize: Sequelize, read: Reader, counters: CountersRepo) {
  const rowLocks = sequelize.getDialect() !== 'sqlite';
  const idColumn = `${sequelize.getQueryInterface().quoteIdentifier('Customer')}.id`;

  function where(filter: CustomerFilter): WhereOptions {
    const and: WhereOptions[] = [];
    if (filter.isActive !== undefined) and.push({ isActive: filter.isActive });
    if (filter.isVerified !== undefined) and.push({ isVerified: filter.isVerified });
    if (filter.searchTerms?.length) and.push(customerSearch(sequelize, idColumn, filter.searchTerms));
    return { [Op.and]: and };
  }

  return {
    list(filter: CustomerFilter, order: { by: string; desc: boolean }, limit: number, offset: number) {
      const dir = order.desc ? 'DESC' : 'ASC';
      const by =
        { created_at: 'createdAt', id: 'id', username: 'username', customer_id: 'customerId' }[order.by] ?? 'createdAt';
      return Customer.findAndCountAll({
        where: where(filter),
        order:
          by === 'id'
            ? [['id', dir]]
            : [
                [by, dir],
                ['id', dir],
              ],
        limit,
        offset,
      });
    },

    /** A page of customers, newest first, with the total (from the counters: no count over the table). */
    async page(limit: number, offset: number) {
      const [count, rows] = await Promise.all([
        counters.customerCount(),
        read.select(
          `${SELECT_CUSTOMERS} JOIN (SELECT id AS page_id FROM customers ORDER BY created_at DESC, id DESC
           ${limitSql(limit)} OFFSET ?) page ON page.page_id = customers.id ORDER BY created_at DESC, id DESC`,
          [offset],
        ),
      ]);
      return { count, rows: rows.map(customerRecord) };
    },

    async byId(id: number): Promise<CustomerRecord | undefined> {
      if (!fitsId(id)) return undefined;
      const [row] = await read.select(`${SELECT_CUSTOMERS} WHERE id = ?`, [id]);
      return row && customerRecord(row);
    },

    /** The customer, its row locked for the transaction where the database has row locks. */
    lock(id: number, transaction: Transaction) {
      return Customer.findByPk(id, { transaction, lock: rowLocks });
    },

    /** Customers other than `exceptId` holding this username, e-mail or NIC. */
    clashes(values: { username?: string; email?: string; nic?: string }, transaction: Transaction, exceptId?: number) {
      const or = Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ({ [k]: v }));
      if (or.length === 0) return Promise.resolve([]);
      return Customer.findAll({
        attributes: ['id', 'username', 'email', 'nic'],
        where: { [Op.or]: or, ...(exceptId !== undefined ? { id: { [Op.ne]: exceptId } } : {}) },
        transaction,
      });
    },

    /** Inserts, then sets the customer code from the new id, in the caller's transaction. */
    async insert(values: CustomerValues, transaction: Transaction) {
      const customer = await Customer.create({ ...values, customerId: null }, { transaction });
      await customer.update({ customerId: customerCode(customer.id) }, { transaction, silent: true });
      return customer;
    },

    async update(customer: Customer, values: Partial<CustomerValues>, transaction: Transaction) {
      await customer.update(values, { transaction });
      return customer;
    },

    /** Deletes the customer; its contacts go with it (ON DELETE CASCADE). */
    async remove(id: number, transaction: Transaction) {
      return (await Customer.destroy({ where: { id }, transaction })) > 0;
    },
  };
}

export type CustomersRepo = ReturnType<typeof customersRepo>;
