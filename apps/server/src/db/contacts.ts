import { Op, type Transaction, type WhereOptions } from 'sequelize';
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

  return {
    async list(filter: ContactFilter, order: { by: ContactOrder; desc: boolean }, limit: number, offset: number) {
      const dir = order.desc ? 'DESC' : 'ASC';
      const orderBy: [string, string][] =
        order.by === 'id'
          ? [['id', dir]]
          : [
              [order.by, dir],
              ['id', dir],
            ];
      const { count, rows } = await Contact.findAndCountAll({
        where: where(filter),
        include: [withCustomer],
        order: orderBy,
        limit,
        offset,
      });
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
