import type { QueryInterface } from 'sequelize';

/**
 * Indexes for the list searches (case-insensitive substrings, src/db/search.ts).
 *
 * PostgreSQL: pg_trgm GIN indexes on LOWER(column), the expression the searches compare, so that
 * `LOWER(col) LIKE '%term%'` is answered from the index (and rechecked on the rows by the planner).
 *
 * SQLite: FTS5 tables with the trigram tokenizer (case-insensitive by default) over the searched columns,
 * external content (the rows stay in contacts and customers; the index holds only trigrams), kept in sync by
 * triggers. The searches use them for candidates and recheck the LIKE on the rows. (The contact list's search
 * has its own index since migration 0011, which drops the contacts' of this one.)
 *
 * MariaDB: nothing; it has no trigram index, so its searches stay a scan.
 */

/** Every column either list searches, per table (the customers' is the customer list's set). */
const searchedColumns = {
  contacts: ['email', 'wa_number', 'tp_number'],
  customers: ['first_name', 'last_name', 'username', 'email', 'customer_id', 'nic', 'phone_number'],
} as const;

const tables = Object.keys(searchedColumns) as (keyof typeof searchedColumns)[];

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const dialect = qi.sequelize.getDialect();
  const run = (sql: string) => qi.sequelize.query(sql);

  if (dialect === 'postgres') {
    await qi.sequelize.transaction(async (transaction) => {
      const query = (sql: string) => qi.sequelize.query(sql, { transaction });
      await query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      // GIN builds go faster with more working memory than the default 64 MB.
      await query("SET LOCAL maintenance_work_mem = '256MB'");
      for (const table of tables) {
        for (const column of searchedColumns[table]) {
          await query(`CREATE INDEX ${table}_${column}_trgm ON ${table} USING gin (LOWER(${column}) gin_trgm_ops)`);
        }
      }
    });
    // Statistics on the indexed expressions, which the planner's estimates for LIKE on them need.
    await run('ANALYZE contacts, customers');
  } else if (dialect === 'sqlite') {
    for (const table of tables) await createFtsTable(run, table);
  }
}

/** SQLite: the table's FTS5 trigram index and the triggers that keep it (migration 0011 recreates contacts' on down). */
export async function createFtsTable(run: (sql: string) => Promise<unknown>, table: keyof typeof searchedColumns) {
  const columns = searchedColumns[table];
  const fts = `${table}_fts`;
  const list = columns.join(', ');
  const values = (row: 'new' | 'old') => columns.map((c) => `${row}.${c}`).join(', ');
  await run(
    `CREATE VIRTUAL TABLE ${fts} USING fts5(${list}, content='${table}', content_rowid='id', tokenize='trigram')`,
  );
  // External content: the index must be told the old values to remove them.
  await run(
    `CREATE TRIGGER ${fts}_insert AFTER INSERT ON ${table} BEGIN
         INSERT INTO ${fts}(rowid, ${list}) VALUES (new.id, ${values('new')});
       END`,
  );
  await run(
    `CREATE TRIGGER ${fts}_delete AFTER DELETE ON ${table} BEGIN
         INSERT INTO ${fts}(${fts}, rowid, ${list}) VALUES ('delete', old.id, ${values('old')});
       END`,
  );
  // Only when a searched column (or the id) changes: toggling a flag does not touch the index.
  await run(
    `CREATE TRIGGER ${fts}_update AFTER UPDATE OF id, ${list} ON ${table} BEGIN
         INSERT INTO ${fts}(${fts}, rowid, ${list}) VALUES ('delete', old.id, ${values('old')});
         INSERT INTO ${fts}(rowid, ${list}) VALUES (new.id, ${values('new')});
       END`,
  );
  await run(`INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const dialect = qi.sequelize.getDialect();
  const run = (sql: string) => qi.sequelize.query(sql);

  if (dialect === 'postgres') {
    for (const table of tables) {
      for (const column of searchedColumns[table]) await run(`DROP INDEX IF EXISTS ${table}_${column}_trgm`);
    }
    // Without CASCADE: if anything else in the database uses pg_trgm, this fails rather than dropping it.
    await run('DROP EXTENSION IF EXISTS pg_trgm');
  } else if (dialect === 'sqlite') {
    for (const table of tables) {
      for (const event of ['insert', 'delete', 'update']) await run(`DROP TRIGGER IF EXISTS ${table}_fts_${event}`);
      await run(`DROP TABLE IF EXISTS ${table}_fts`);
    }
  }
}
