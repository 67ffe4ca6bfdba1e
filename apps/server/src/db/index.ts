import { Sequelize as PlainSequelize } from 'sequelize';
import { connectionOptions, type Database, type DatabaseOptions, openDatabase } from './connection.js';
import { contactsRepo } from './contacts.js';
import { customersRepo } from './customers.js';
import { migrate } from './migrate.js';
import { seedRepo } from './seed.js';
import { inTransaction } from './transaction.js';
import { refreshTokensRepo, usersRepo } from './users.js';

export type { Transaction } from 'sequelize';
export type { ContactFilter, ContactOrder, ContactValues } from './contacts.js';
export type { CustomerFilter, CustomerValues } from './customers.js';
export { customerCode } from './customers.js';
export { violatedColumns } from './errors.js';
export type { Contact, Customer, User } from './models/index.js';
export type { SeedContact, SeedCustomer } from './seed.js';

/** The data layer as the services see it: repositories, transactions, and nothing of Sequelize's API. */
export interface Store {
  dialect: Database['dialect'];
  contacts: ReturnType<typeof contactsRepo>;
  customers: ReturnType<typeof customersRepo>;
  users: ReturnType<typeof usersRepo>;
  refreshTokens: ReturnType<typeof refreshTokensRepo>;
  /** Bulk inserts for synthetic data (`pnpm cli seed`), not used by the services. */
  seed: ReturnType<typeof seedRepo>;
  transaction<T>(work: (t: import('sequelize').Transaction) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export function openStore(options: DatabaseOptions): Store {
  const db = openDatabase(options);
  const { sequelize } = db;
  return {
    dialect: db.dialect,
    contacts: contactsRepo(sequelize),
    customers: customersRepo(sequelize),
    users: usersRepo(),
    refreshTokens: refreshTokensRepo(),
    seed: seedRepo(sequelize),
    transaction: (work) => inTransaction(sequelize, work),
    ping: async () => {
      await sequelize.query('SELECT 1');
    },
    // With replicas, Sequelize would send the migrator's reads to a replica that may lag: migrate over a
    // connection of its own to the primary (a plain one, which leaves the models bound to the app's).
    migrate: async () => {
      if (!options.readUrls?.length) return migrate(sequelize);
      const primary = new PlainSequelize(connectionOptions({ url: options.url, logging: options.logging }));
      try {
        return await migrate(primary);
      } finally {
        await primary.close();
      }
    },
    close: () => db.close(),
  };
}
