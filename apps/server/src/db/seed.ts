import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { ContactValues } from './contacts/index.js';
import type { CustomerValues } from './customers.js';
import { asTransaction, inTransaction } from './transaction.js';

/** Rows as the seed writes them: ids given, so that codes and contacts can refer to them. */
export type SeedCustomer = CustomerValues & { id: number; customerId: string; createdAt: Date };
export type SeedContact = ContactValues & { id: number; customerId: number; createdAt: Date };

/** Rows per INSERT statement: well within every dialect's statement and parameter limits. */
const ROWS_PER_STATEMENT = 500;

const CUSTOMER_COLUMNS = [
  'id',
  'customer_id',
  'username',
  'email',
  'first_name',
  'last_name',
  'nic',
  'phone_number',
  'address',
  'is_verified',
  'is_active',
  'created_at',
  'updated_at',
];
const CONTACT_COLUMNS = [
  'id',
  'customer_id',
  'email',
  'wa_number',
  'tp_number',
  'is_primary',
  'is_active',
  'created_at',
  'updated_at',
];

/** Literal SQL values as Sequelize itself writes them on this dialect. */
function literals(sequelize: Sequelize) {
  const dialect = sequelize.getDialect();
  // A timestamp as Sequelize writes it ('2024-03-04 05:06:07.089 +00:00', without the offset on MariaDB),
  // formatted here because Sequelize's formatting costs more than the insert.
  const suffix = dialect === 'mariadb' || dialect === 'mysql' ? '' : ' +00:00';
  const stamp = (d: Date) => `'${d.toISOString().replace('T', ' ').replace('Z', suffix)}'`;
  const sample = new Date(Date.UTC(2024, 2, 4, 5, 6, 7, 89));
  if (stamp(sample) !== sequelize.escape(sample)) {
    throw new Error(`seed: timestamp format ${stamp(sample)} differs from Sequelize's ${sequelize.escape(sample)}`);
  }
  return {
    text: (v: string | null) => (v === null ? 'NULL' : sequelize.escape(v)),
    bool: (v: boolean) => (v ? 'TRUE' : 'FALSE'),
    stamp,
  };
}

const table = (sequelize: Sequelize, name: string) => sequelize.getQueryInterface().quoteIdentifier(name);

async function insertRows(sequelize: Sequelize, name: string, columns: string[], values: string[], t: Transaction) {
  const head = `INSERT INTO ${table(sequelize, name)} (${columns.join(', ')}) VALUES `;
  for (let i = 0; i < values.length; i += ROWS_PER_STATEMENT) {
    const sql = head + values.slice(i, i + ROWS_PER_STATEMENT).join(',\n');
    await sequelize.query(sql, { transaction: t, type: QueryTypes.INSERT });
  }
}

async function count(sequelize: Sequelize, name: string) {
  const row = (await sequelize.query(`SELECT COUNT(*) AS n FROM ${table(sequelize, name)}`, {
    type: QueryTypes.SELECT,
    plain: true,
  })) as { n: number | string } | null;
  return Number(row?.n ?? 0);
}

/**
 * Customers, then contacts (which may refer to them), in one transaction, which takes its turn with the other
 * writers of the process (a server's deliverer, in tests that seed a running server).
 */
async function insert(sequelize: Sequelize, customers: SeedCustomer[], contacts: SeedContact[]) {
  const { text, bool, stamp } = literals(sequelize);
  const sqlite = sequelize.getDialect() === 'sqlite';
  await inTransaction(sequelize, async (uow) => {
    const t = asTransaction(uow);
    // A larger page cache for this connection (Sequelize opens one per SQLite transaction): the index pages of a
    // big table then stay in memory between statements.
    if (sqlite) await sequelize.query('PRAGMA cache_size = -262144', { transaction: t });
    const customerRows = customers.map((c) => {
      const at = stamp(c.createdAt);
      return `(${c.id}, ${text(c.customerId)}, ${text(c.username)}, ${text(c.email)}, ${text(c.firstName)}, ${text(c.lastName)}, ${text(c.nic)}, ${text(c.phoneNumber)}, ${text(c.address)}, ${bool(c.isVerified)}, ${bool(c.isActive)}, ${at}, ${at})`;
    });
    if (customerRows.length > 0) await insertRows(sequelize, 'customers', CUSTOMER_COLUMNS, customerRows, t);
    const contactRows = contacts.map((c) => {
      const at = stamp(c.createdAt);
      return `(${c.id}, ${c.customerId}, ${text(c.email)}, ${text(c.waNumber)}, ${text(c.tpNumber)}, ${bool(c.isPrimary)}, ${bool(c.isActive)}, ${at}, ${at})`;
    });
    if (contactRows.length > 0) await insertRows(sequelize, 'contacts', CONTACT_COLUMNS, contactRows, t);
  });
}

/**
 * After the last insert: moves PostgreSQL's id sequences past the given ids (MariaDB and SQLite do it on their
 * own), refreshes the planner's statistics on the servers, and folds SQLite's WAL into the file.
 */
async function finish(sequelize: Sequelize) {
  const dialect = sequelize.getDialect();
  if (dialect === 'postgres') {
    for (const name of ['customers', 'contacts']) {
      await sequelize.query(
        `SELECT setval(pg_get_serial_sequence('${name}', 'id'), GREATEST((SELECT MAX(id) FROM ${table(sequelize, name)}), 1))`,
      );
    }
    await sequelize.query('ANALYZE customers, contacts');
  } else if (dialect === 'mariadb' || dialect === 'mysql') {
    await sequelize.query('ANALYZE TABLE customers, contacts');
  } else if (dialect === 'sqlite') {
    await sequelize.query('PRAGMA wal_checkpoint(TRUNCATE)');
  }
}

/**
 * Bulk writes for synthetic data (`pnpm cli seed`): multi-row INSERTs of literal values, in one transaction per
 * call, bypassing the models (no per-row objects, hooks or validation: the caller hands valid rows).
 */
export function seedRepo(sequelize: Sequelize) {
  literals(sequelize); // checks the timestamp format up front
  return {
    /** Rows already in the tables the seed fills (it only fills empty ones). */
    counts: async () => ({
      customers: await count(sequelize, 'customers'),
      contacts: await count(sequelize, 'contacts'),
    }),
    insert: (customers: SeedCustomer[], contacts: SeedContact[]) => insert(sequelize, customers, contacts),
    finish: () => finish(sequelize),
  };
}

export type SeedRepo = ReturnType<typeof seedRepo>;
