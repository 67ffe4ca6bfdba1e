import { literal, Op, type Transaction, type WhereOptions } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { Contact, Customer } from './models/index.js';
import { substringMatch } from './search.js';

/** The customer columns every contact answer shows. */
const customerColumns = ['id', 'firstName', 'lastName', 'username', 'customerId'];
const withCustomer = { model: Customer, as: 'customer', attributes: customerColumns, required: true };

export interface ContactFilter {
  customerId?: number;
  isActive?: boolean;
  isPrimary?: boolean;
  /** Case-insensitive substrings; a row matches if any term is found in any searched column. */
  searchTerms?: string[];
}

export type ContactOrder = 'created_at' | 'email' | 'id';

export interface ContactValues {
  email: string;
  waNumber: string;
  tpNumber: string;
  isPrimary: boolean;
  isActive: boolean;
}

export function contactsRepo(sequelize: Sequelize) {
  const searchColumns = [
    'Contact.email',
    'Contact.wa_number',
    'Contact.tp_number',
    'customer.first_name',
    'customer.last_name',
    'customer.username',
    'customer.customer_id',
  ].map((c) => c.replace(/(\w+)\.(\w+)/, (_, t, col) => `${sequelize.getQueryInterface().quoteIdentifier(t)}.${col}`));

  function where(filter: ContactFilter): WhereOptions {
    const and: WhereOptions[] = [];
    if (filter.customerId !== undefined) and.push({ customerId: filter.customerId });
    if (filter.isActive !== undefined) and.push({ isActive: filter.isActive });
    if (filter.isPrimary !== undefined) and.push({ isPrimary: filter.isPrimary });
    if (filter.searchTerms?.length) and.push(substringMatch(sequelize, searchColumns, filter.searchTerms));
    return { [Op.and]: and };
  }

  /** The same filter on the contacts table alone, by column name (for SQL built outside a model query). */
  function columnWhere(filter: ContactFilter): WhereOptions {
    return {
      ...(filter.customerId !== undefined ? { customer_id: filter.customerId } : {}),
      ...(filter.isActive !== undefined ? { is_active: filter.isActive } : {}),
      ...(filter.isPrimary !== undefined ? { is_primary: filter.isPrimary } : {}),
    };
  }

  return {
    /**
     * A page and the total. Without a search, every filter is on the contacts table, and every contact has its
     * customer (a foreign key): the total is counted on the contacts table alone, from an index, and the page's
     * ids are read from the order's index before the join, so that a deep page skips index entries rather than
     * joined rows. A search reads the customer's columns, so it counts and pages over the join.
     */
    async list(filter: ContactFilter, order: { by: ContactOrder; desc: boolean }, limit: number, offset: number) {
      const dir = order.desc ? 'DESC' : 'ASC';
      const orderBy: [string, string][] =
        order.by === 'id'
          ? [['id', dir]]
          : [
              [order.by, dir],
              ['id', dir],
            ];
      if (filter.searchTerms?.length) {
        const { count, rows } = await Contact.findAndCountAll({
          where: where(filter),
          include: [withCustomer],
          order: orderBy,
          limit,
          offset,
        });
        return { count, rows };
      }
      const column = { created_at: 'created_at', email: 'email', id: 'id' }[order.by];
      const pageIds = (
        sequelize.getQueryInterface() as unknown as {
          queryGenerator: { selectQuery(table: string, options: object): string };
        }
      ).queryGenerator
        .selectQuery('contacts', {
          attributes: ['id'],
          where: columnWhere(filter),
          order:
            column === 'id'
              ? [['id', dir]]
              : [
                  [column, dir],
                  ['id', dir],
                ],
          limit,
          offset,
        })
        .replace(/;\s*$/, '');
      const [count, rows] = await Promise.all([
        Contact.count({ where: where(filter) }),
        Contact.findAll({
          // The extra derived table: MariaDB takes no LIMIT in an IN subquery.
          where: { id: { [Op.in]: literal(`(SELECT id FROM (${pageIds}) AS page)`) } },
          include: [withCustomer],
          order: orderBy,
        }),
      ]);
      return { count, rows };
    },

    byId(id: number, transaction?: Transaction) {
      return Contact.findByPk(id, { include: [withCustomer], transaction });
    },

    ofCustomer(customerId: number) {
      return Contact.findAll({
        where: { customerId },
        include: [withCustomer],
        order: [
          ['isPrimary', 'DESC'],
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
      });
    },

    ofCustomers(customerIds: number[]) {
      if (customerIds.length === 0) return Promise.resolve([]);
      return Contact.findAll({
        where: { customerId: customerIds },
        include: [withCustomer],
        order: [
          ['isPrimary', 'DESC'],
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
      });
    },

    /** Contacts of these customers holding any of these e-mails or numbers, in the same column. */
    clashes(
      customerIds: number[],
      values: { emails: string[]; waNumbers: string[]; tpNumbers: string[] },
      transaction: Transaction,
      exceptId?: number,
    ) {
      return Contact.findAll({
        attributes: ['id', 'customerId', 'email', 'waNumber', 'tpNumber'],
        where: {
          customerId: customerIds,
          ...(exceptId !== undefined ? { id: { [Op.ne]: exceptId } } : {}),
          [Op.or]: [{ email: values.emails }, { waNumber: values.waNumbers }, { tpNumber: values.tpNumbers }],
        },
        transaction,
      });
    },

    /**
     * The contact, read after its customer's row is locked: every write to a customer's contacts takes that
     * lock first, so checks and the one-primary demotion cannot interleave. SQLite needs no row lock: its
     * write transactions already run one at a time.
     */
    async lockForWrite(id: number, transaction: Transaction) {
      const contact = await Contact.findByPk(id, { include: [withCustomer], transaction });
      if (!contact || sequelize.getDialect() === 'sqlite') return contact;
      await Customer.findByPk(contact.customerId, { attributes: ['id'], transaction, lock: true });
      return Contact.findByPk(id, { include: [withCustomer], transaction });
    },

    /** Clears the primary flag of every contact of these customers (but `exceptId`). */
    async demotePrimaries(customerIds: number[], transaction: Transaction, exceptId?: number) {
      await Contact.update(
        { isPrimary: false },
        {
          where: {
            customerId: customerIds,
            isPrimary: true,
            ...(exceptId !== undefined ? { id: { [Op.ne]: exceptId } } : {}),
          },
          transaction,
        },
      );
    },

    insert(customerId: number, values: ContactValues, transaction: Transaction) {
      return Contact.create({ customerId, ...values }, { transaction });
    },

    /** One multi-row insert; returns the rows with their ids. */
    async insertMany(rows: (ContactValues & { customerId: number })[], transaction: Transaction) {
      return Contact.bulkCreate(rows as unknown as Record<string, unknown>[], { transaction, returning: true });
    },

    async update(contact: Contact, values: Partial<ContactValues>, transaction: Transaction) {
      await contact.update(values, { transaction });
      return contact;
    },

    async remove(id: number) {
      return (await Contact.destroy({ where: { id } })) > 0;
    },

    /** All six figures in one statement. */
    async stats() {
      const [row] = (await sequelize.query(
        `SELECT
           (SELECT COUNT(*) FROM contacts) AS total,
           (SELECT COUNT(*) FROM contacts WHERE is_active = TRUE) AS active,
           (SELECT COUNT(*) FROM contacts WHERE is_primary = TRUE) AS primaries,
           (SELECT COUNT(DISTINCT customer_id) FROM contacts) AS with_contacts,
           (SELECT COUNT(*) FROM customers) AS customers`,
        { plain: false, raw: true, type: 'SELECT' },
      )) as Record<string, number | string>[];
      const n = (k: string) => Number(row?.[k] ?? 0);
      return {
        total: n('total'),
        active: n('active'),
        primaries: n('primaries'),
        withContacts: n('with_contacts'),
        customers: n('customers'),
      };
    },
  };
}

export type ContactsRepo = ReturnType<typeof contactsRepo>;
