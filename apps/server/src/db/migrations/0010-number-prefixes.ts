import type { QueryInterface } from 'sequelize';

/*
 * A search term that is the start of a phone number is looked up as a range of the E.164 numbers (db/search.ts,
 * `numberSearch`): one B-tree index per number column. PostgreSQL compares them in the "C" collation, whose byte
 * order the range's upper bound relies on (MariaDB's columns are utf8mb4_bin and SQLite's BINARY already).
 */
const columns = ['wa_number', 'tp_number'] as const;

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const column of columns) {
    const name = `contacts_${column}_prefix`;
    if (qi.sequelize.getDialect() === 'postgres') {
      await qi.sequelize.query(`CREATE INDEX ${name} ON contacts ((${column} COLLATE "C"))`);
    } else {
      await qi.addIndex('contacts', [column], { name });
    }
  }
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const column of columns) await qi.removeIndex('contacts', `contacts_${column}_prefix`);
}
