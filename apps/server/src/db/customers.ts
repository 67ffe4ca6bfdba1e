import { Op, type Transaction, type WhereOptions } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { Customer } from './models/index.js';
import { substringMatch } from './search.js';

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

/** `CUST` and the id, at least 6 digits: unique because the id is, with no max+1 race. */
export const customerCode = (id: number) => `CUST${String(id).padStart(6, '0')}`;

export function customersRepo(sequelize: Sequelize) {
  const searchColumns = ['first_name', 'last_name', 'username', 'email', 'customer_id', 'nic', 'phone_number'];

  function where(filter: CustomerFilter): WhereOptions {
    const and: WhereOptions[] = [];
    if (filter.isActive !== undefined) and.push({ isActive: filter.isActive });
    if (filter.isVerified !== undefined) and.push({ isVerified: filter.isVerified });
    if (filter.searchTerms?.length) and.push(substringMatch(sequelize, searchColumns, filter.searchTerms));
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

    /** A page of customers, newest first, with the total. */
    page(limit: number, offset: number) {
      return Customer.findAndCountAll({
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        limit,
        offset,
      });
    },

    byId(id: number, transaction?: Transaction) {
      return Customer.findByPk(id, { transaction });
    },

    /** The customer, its row locked for the transaction where the database has row locks. */
    lock(id: number, transaction: Transaction) {
      return Customer.findByPk(id, { transaction, lock: sequelize.getDialect() !== 'sqlite' });
    },

    /** The customers, their rows locked for the transaction (in id order, so that two writers cannot deadlock). */
    lockMany(ids: number[], transaction: Transaction) {
      return Customer.findAll({
        where: { id: ids },
        order: [['id', 'ASC']],
        transaction,
        lock: sequelize.getDialect() !== 'sqlite',
      });
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
