import type { QueryInterface } from 'sequelize';
import { createFtsTable } from './0003-search.js';

/*
 * One index lookup for the contact list's search by word (db/search.ts, `contactSearch`): each contact's searched
 * words and its customer's, lowercased as the search's `LOWER(column)` does, kept in one place by triggers, so
 * that a word is found without a second index, a join or a recheck of the rows.
 *
 * SQLite: `contacts_search`, a contentless FTS5 table (rowid = the contact's id) with a column per searched
 * column, trigram tokenizer, case-sensitive over LOWER()'d text: a phrase of three characters or more is then
 * found exactly where `LOWER(column) LIKE '%term%'` holds (LOWER and LIKE fold ASCII only; so does this index).
 * It replaces `contacts_fts` (migration 0003), whose candidates needed that recheck and a customers_fts lookup.
 *
 * PostgreSQL: `contacts.search_text`, the seven lowercased values joined by a newline, with a pg_trgm GIN index;
 * it replaces the three per-column indexes of 0003 on contacts. A term without a newline is found in it exactly
 * where it is in one of the values; a term with one is searched column by column (search.ts).
 *
 * MariaDB: nothing (no trigram index: its search stays a scan of the columns).
 */

/** The contact's searched columns, then its customer's (the names both databases' triggers use). */
const CONTACT = ['email', 'wa_number', 'tp_number'] as const;
const CUSTOMER = ['first_name', 'last_name', 'username', 'customer_id'] as const;
const COLUMNS = [...CONTACT, ...CUSTOMER].join(', ');

/** The LOWER()'d values, the contact's from row `c`, its customer's from row `u`. */
const lowered = (c: string, u: string) => [...CONTACT.map((k) => `${c}.${k}`), ...CUSTOMER.map((k) => `${u}.${k}`)];

const sqliteInsert = (where: string, c: string, u: string) =>
  `INSERT INTO contacts_search(rowid, ${COLUMNS})
     SELECT ${c}.id, ${lowered(c, u)
       .map((v) => `LOWER(${v})`)
       .join(', ')} FROM ${where};`;

const SQLITE = [
  `CREATE VIRTUAL TABLE contacts_search USING fts5(${COLUMNS},
     content='', contentless_delete=1, tokenize='trigram case_sensitive 1')`,
  `CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
     ${sqliteInsert('customers u WHERE u.id = new.customer_id', 'new', 'u')}
   END`,
  `CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
     DELETE FROM contacts_search WHERE rowid = old.id;
   END`,
  `CREATE TRIGGER contacts_search_update AFTER UPDATE OF id, customer_id, ${CONTACT.join(', ')} ON contacts BEGIN
     DELETE FROM contacts_search WHERE rowid = old.id;
     ${sqliteInsert('customers u WHERE u.id = new.customer_id', 'new', 'u')}
   END`,
  // A customer's contacts are few: each is indexed again with the customer's new words.
  `CREATE TRIGGER customers_contacts_search_update AFTER UPDATE OF ${CUSTOMER.join(', ')} ON customers BEGIN
     DELETE FROM contacts_search WHERE rowid IN (SELECT id FROM contacts WHERE customer_id = old.id);
     ${sqliteInsert('contacts c WHERE c.customer_id = new.id', 'c', 'new')}
   END`,
  sqliteInsert('contacts c JOIN customers u ON u.id = c.customer_id', 'c', 'u'),
];

/** PostgreSQL's search_text of contact row `c` and customer row `u`: a missing customer code adds nothing. */
const pgText = (c: string, u: string) =>
  lowered(c, u)
    .map((v) => `COALESCE(LOWER(${v}), '')`)
    .join(` || E'\\n' || `);

const POSTGRES = [
  'ALTER TABLE contacts ADD COLUMN search_text text',
  `CREATE FUNCTION contacts_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     NEW.search_text := (SELECT ${pgText('NEW', 'u')} FROM customers u WHERE u.id = NEW.customer_id);
     RETURN NEW;
   END $$`,
  `CREATE FUNCTION customers_contacts_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE contacts c SET search_text = ${pgText('c', 'NEW')} WHERE c.customer_id = NEW.id;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER contacts_search_text BEFORE INSERT OR UPDATE OF customer_id, ${CONTACT.join(', ')} ON contacts
     FOR EACH ROW EXECUTE FUNCTION contacts_search_text()`,
  `CREATE TRIGGER customers_contacts_search_text AFTER UPDATE OF ${CUSTOMER.join(', ')} ON customers
     FOR EACH ROW WHEN ((OLD.first_name, OLD.last_name, OLD.username, OLD.customer_id)
       IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.username, NEW.customer_id))
     EXECUTE FUNCTION customers_contacts_search_text()`,
  `UPDATE contacts c SET search_text = ${pgText('c', 'u')} FROM customers u WHERE u.id = c.customer_id`,
  ...CONTACT.map((k) => `DROP INDEX contacts_${k}_trgm`),
];

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  if (dialect === 'sqlite') {
    for (const sql of SQLITE) await sequelize.query(sql);
    for (const event of ['insert', 'delete', 'update']) await sequelize.query(`DROP TRIGGER contacts_fts_${event}`);
    await sequelize.query('DROP TABLE contacts_fts');
  } else if (dialect === 'postgres') {
    await sequelize.transaction(async (transaction) => {
      await sequelize.query("SET LOCAL maintenance_work_mem = '256MB'", { transaction });
      for (const sql of POSTGRES) await sequelize.query(sql, { transaction });
      await sequelize.query('CREATE INDEX contacts_search_text_trgm ON contacts USING gin (search_text gin_trgm_ops)', {
        transaction,
      });
    });
    await sequelize.query('ANALYZE contacts');
  }
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  if (dialect === 'sqlite') {
    for (const trigger of ['contacts_search_insert', 'contacts_search_delete', 'contacts_search_update']) {
      await sequelize.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
    await sequelize.query('DROP TRIGGER IF EXISTS customers_contacts_search_update');
    await sequelize.query('DROP TABLE IF EXISTS contacts_search');
    await createFtsTable((sql) => sequelize.query(sql), 'contacts');
  } else if (dialect === 'postgres') {
    await sequelize.query('DROP TRIGGER IF EXISTS customers_contacts_search_text ON customers');
    await sequelize.query('DROP TRIGGER IF EXISTS contacts_search_text ON contacts');
    await sequelize.query('DROP FUNCTION IF EXISTS customers_contacts_search_text()');
    await sequelize.query('DROP FUNCTION IF EXISTS contacts_search_text()');
    await sequelize.query('ALTER TABLE contacts DROP COLUMN IF EXISTS search_text');
    for (const k of CONTACT) {
      await sequelize.query(`CREATE INDEX contacts_${k}_trgm ON contacts USING gin (LOWER(${k}) gin_trgm_ops)`);
    }
  }
}
