import type { Sequelize } from 'sequelize';
import type { Dialect } from './connection.js';
import { asTransaction, inTransaction } from './transaction.js';

/** The tables whose lists and counts depend on the planner's estimates. */
const TABLES = ['customers', 'contacts'];

/**
 * Brings the query planner's statistics up to date (after migrations, then every hour: server.ts). Without them a
 * planner guesses how selective each index is: SQLite took `is_active` for as selective as `customer_id` and read a
 * customer's four contacts by walking every active contact (test/list-plans.test.ts). SQLite samples at most
 * 1,000 rows per index (`analysis_limit`), so a run stays short on any size; PostgreSQL and MariaDB sample too.
 */
export async function analyze(sequelize: Sequelize, dialect: Dialect): Promise<void> {
  if (dialect === 'mariadb') {
    // ANALYZE TABLE commits by itself: outside any transaction.
    await sequelize.query(`ANALYZE TABLE ${TABLES.join(', ')}`);
    return;
  }
  // SQLite writes its sqlite_stat1 table: a write, in the writers' queue like any other.
  await inTransaction(sequelize, async (uow) => {
    const transaction = asTransaction(uow);
    if (dialect === 'sqlite') await sequelize.query('PRAGMA analysis_limit = 1000', { transaction });
    for (const table of TABLES) await sequelize.query(`ANALYZE ${table}`, { transaction });
  });
}
