import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * Counters kept by the database itself, so that the statistics and the contact list's total read a few rows
 * instead of counting the tables, and stay right whatever writes (the app, a cascade, a console, the seed):
 *
 * - contact_counts: four rows, one per (is_active, is_primary): the contacts in each.
 * - customer_counts: two rows, 'customers' (all customers) and 'with_contacts' (customers with a contact).
 * - customer_contact_counts: one row per customer that has contacts, with their number; a row appears with
 *   the first contact and goes with the last, which is when 'with_contacts' moves.
 *
 * Triggers per dialect: row triggers on SQLite and MariaDB; on PostgreSQL statement triggers with transition
 * tables (one call per statement, so a 1,000-row INSERT runs the counting once), and TRUNCATE recounts.
 * Cascades: SQLite and PostgreSQL run the contacts' triggers for the rows ON DELETE CASCADE removes; MariaDB
 * does not, so there a BEFORE DELETE trigger on customers takes that customer's contacts off the counters.
 *
 * Locks: every contact write that moves a counter first locks the four contact_counts rows, in key order (on
 * MariaDB by updating all four, a scan in primary-key order), then the per-customer rows, then
 * customer_counts: writers queue on the first lock instead of deadlocking (without it, two multi-row inserts
 * with the flags in opposite orders do deadlock). The price: such writes serialize until their commit.
 * Customer inserts and deletes touch only customer_counts ('customers'), so a transaction that adds a
 * customer then contacts, against one that does the reverse, can still deadlock (inTransaction retries).
 * SQLite has one writer at a time and needs none of this.
 *
 * The tables are filled from the existing rows here; on MariaDB (no transactional DDL) no other writer
 * should run during this migration.
 */

const tableOptions = { charset: 'utf8mb4', collate: 'utf8mb4_bin' };

/** Recounts every counter from the tables (the migration's fill; PostgreSQL's TRUNCATE triggers). */
const RECOUNT = [
  `UPDATE contact_counts SET n = (SELECT COUNT(*) FROM contacts c
     WHERE c.is_active = contact_counts.is_active AND c.is_primary = contact_counts.is_primary)`,
  'DELETE FROM customer_contact_counts',
  `INSERT INTO customer_contact_counts (customer_id, n)
     SELECT customer_id, COUNT(*) FROM contacts GROUP BY customer_id`,
  `UPDATE customer_counts SET n = CASE name
     WHEN 'customers' THEN (SELECT COUNT(*) FROM customers)
     ELSE (SELECT COUNT(*) FROM customer_contact_counts) END`,
];

// A contact leaving its customer (OLD), and one joining its customer (NEW): the per-customer counts, and
// 'with_contacts' when a customer's first contact comes or its last goes.
const sqliteTake = `
     UPDATE customer_contact_counts SET n = n - 1 WHERE customer_id = OLD.customer_id;
     UPDATE customer_counts SET n = n - 1 WHERE name = 'with_contacts'
       AND (SELECT n FROM customer_contact_counts WHERE customer_id = OLD.customer_id) = 0;
     DELETE FROM customer_contact_counts WHERE customer_id = OLD.customer_id AND n = 0;`;
const sqliteGive = `
     INSERT INTO customer_contact_counts (customer_id, n) VALUES (NEW.customer_id, 1)
       ON CONFLICT (customer_id) DO UPDATE SET n = n + 1;
     UPDATE customer_counts SET n = n + 1 WHERE name = 'with_contacts'
       AND (SELECT n FROM customer_contact_counts WHERE customer_id = NEW.customer_id) = 1;`;

const SQLITE = [
  `CREATE TRIGGER contacts_counters_insert AFTER INSERT ON contacts BEGIN
     UPDATE contact_counts SET n = n + 1 WHERE is_active = NEW.is_active AND is_primary = NEW.is_primary;${sqliteGive}
   END`,
  `CREATE TRIGGER contacts_counters_delete AFTER DELETE ON contacts BEGIN
     UPDATE contact_counts SET n = n - 1 WHERE is_active = OLD.is_active AND is_primary = OLD.is_primary;${sqliteTake}
   END`,
  `CREATE TRIGGER contacts_counters_flags AFTER UPDATE OF is_active, is_primary ON contacts
   WHEN OLD.is_active IS NOT NEW.is_active OR OLD.is_primary IS NOT NEW.is_primary BEGIN
     UPDATE contact_counts SET n = n - 1 WHERE is_active = OLD.is_active AND is_primary = OLD.is_primary;
     UPDATE contact_counts SET n = n + 1 WHERE is_active = NEW.is_active AND is_primary = NEW.is_primary;
   END`,
  `CREATE TRIGGER contacts_counters_move AFTER UPDATE OF customer_id ON contacts
   WHEN OLD.customer_id IS NOT NEW.customer_id BEGIN${sqliteTake}${sqliteGive}
   END`,
  `CREATE TRIGGER customers_counters_insert AFTER INSERT ON customers BEGIN
     UPDATE customer_counts SET n = n + 1 WHERE name = 'customers';
   END`,
  `CREATE TRIGGER customers_counters_delete AFTER DELETE ON customers BEGIN
     UPDATE customer_counts SET n = n - 1 WHERE name = 'customers';
   END`,
];

// MariaDB: `UPDATE contact_counts SET n = n + (match)` with no WHERE locks all four rows in key order.
const mariaTake = (row: 'NEW' | 'OLD') => `
     UPDATE customer_contact_counts SET n = n - 1 WHERE customer_id = ${row}.customer_id;
     IF (SELECT n FROM customer_contact_counts WHERE customer_id = ${row}.customer_id) = 0 THEN
       DELETE FROM customer_contact_counts WHERE customer_id = ${row}.customer_id;
       UPDATE customer_counts SET n = n - 1 WHERE name = 'with_contacts';
     END IF;`;
const mariaGive = (row: 'NEW' | 'OLD') => `
     INSERT INTO customer_contact_counts (customer_id, n) VALUES (${row}.customer_id, 1)
       ON DUPLICATE KEY UPDATE n = n + 1;
     IF (SELECT n FROM customer_contact_counts WHERE customer_id = ${row}.customer_id) = 1 THEN
       UPDATE customer_counts SET n = n + 1 WHERE name = 'with_contacts';
     END IF;`;
const mariaKey = (row: 'NEW' | 'OLD') => `(is_active = ${row}.is_active AND is_primary = ${row}.is_primary)`;

const MARIADB = [
  `CREATE TRIGGER contacts_counters_insert AFTER INSERT ON contacts FOR EACH ROW BEGIN
     UPDATE contact_counts SET n = n + ${mariaKey('NEW')};${mariaGive('NEW')}
   END`,
  `CREATE TRIGGER contacts_counters_delete AFTER DELETE ON contacts FOR EACH ROW BEGIN
     UPDATE contact_counts SET n = n - ${mariaKey('OLD')};${mariaTake('OLD')}
   END`,
  `CREATE TRIGGER contacts_counters_update AFTER UPDATE ON contacts FOR EACH ROW BEGIN
     IF NOT (OLD.is_active <=> NEW.is_active AND OLD.is_primary <=> NEW.is_primary
             AND OLD.customer_id <=> NEW.customer_id) THEN
       UPDATE contact_counts SET n = n + ${mariaKey('NEW')} - ${mariaKey('OLD')};
       IF NOT (OLD.customer_id <=> NEW.customer_id) THEN${mariaTake('OLD')}${mariaGive('NEW')}
       END IF;
     END IF;
   END`,
  `CREATE TRIGGER customers_counters_insert AFTER INSERT ON customers FOR EACH ROW
     UPDATE customer_counts SET n = n + 1 WHERE name = 'customers'`,
  // ON DELETE CASCADE runs no trigger on MariaDB: the customer's contacts leave the counters here. The
  // customer's row is already locked, and the locking read sees every committed contact of it.
  `CREATE TRIGGER customers_counters_delete BEFORE DELETE ON customers FOR EACH ROW BEGIN
     DECLARE total, active_primary, active_other, inactive_primary BIGINT;
     SELECT COUNT(*), COALESCE(SUM(is_active AND is_primary), 0), COALESCE(SUM(is_active AND NOT is_primary), 0),
            COALESCE(SUM(NOT is_active AND is_primary), 0)
       INTO total, active_primary, active_other, inactive_primary
       FROM contacts WHERE customer_id = OLD.id FOR UPDATE;
     IF total > 0 THEN
       UPDATE contact_counts SET n = n - CASE
         WHEN is_active AND is_primary THEN active_primary
         WHEN is_active THEN active_other
         WHEN is_primary THEN inactive_primary
         ELSE total - active_primary - active_other - inactive_primary END;
       DELETE FROM customer_contact_counts WHERE customer_id = OLD.id;
       UPDATE customer_counts SET n = n - 1 WHERE name = 'with_contacts';
     END IF;
     UPDATE customer_counts SET n = n - 1 WHERE name = 'customers';
   END`,
];

const POSTGRES = [
  // The deltas of one statement: parallel arrays of (is_active, is_primary, customer_id, +1 or -1).
  `CREATE FUNCTION counters_apply(a boolean[], p boolean[], c integer[], k integer[]) RETURNS void
   LANGUAGE plpgsql AS $$
   DECLARE
     ka boolean[]; kp boolean[]; kn bigint[]; cc integer[]; cn bigint[]; gained bigint; lost bigint;
   BEGIN
     SELECT array_agg(x.a), array_agg(x.p), array_agg(x.n) INTO ka, kp, kn FROM (
       SELECT u.a, u.p, SUM(u.k) AS n FROM unnest(a, p, k) AS u(a, p, k) GROUP BY u.a, u.p HAVING SUM(u.k) <> 0) x;
     SELECT array_agg(x.c), array_agg(x.n) INTO cc, cn FROM (
       SELECT u.c, SUM(u.k) AS n FROM unnest(c, k) AS u(c, k) GROUP BY u.c HAVING SUM(u.k) <> 0) x;
     IF ka IS NULL AND cc IS NULL THEN RETURN; END IF;
     -- The same first lock for every writer, taken in key order: writers queue here rather than deadlock.
     PERFORM 1 FROM contact_counts ORDER BY is_active, is_primary FOR UPDATE;
     IF ka IS NOT NULL THEN
       UPDATE contact_counts t SET n = t.n + x.n FROM unnest(ka, kp, kn) AS x(a, p, n)
         WHERE t.is_active = x.a AND t.is_primary = x.p;
     END IF;
     IF cc IS NOT NULL THEN
       WITH up AS (
         INSERT INTO customer_contact_counts AS t (customer_id, n) SELECT * FROM unnest(cc, cn)
         ON CONFLICT (customer_id) DO UPDATE SET n = t.n + EXCLUDED.n
         RETURNING t.customer_id, t.n)
       SELECT COUNT(*) FILTER (WHERE x.n > 0 AND up.n = x.n), COUNT(*) FILTER (WHERE up.n = 0) INTO gained, lost
         FROM up JOIN unnest(cc, cn) AS x(c, n) ON x.c = up.customer_id;
       IF lost > 0 THEN
         DELETE FROM customer_contact_counts WHERE customer_id = ANY (cc) AND n = 0;
       END IF;
       IF gained <> lost THEN
         UPDATE customer_counts SET n = n + gained - lost WHERE name = 'with_contacts';
       END IF;
     END IF;
   END $$`,
  `CREATE FUNCTION counters_contacts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM counters_apply(array_agg(is_active), array_agg(is_primary), array_agg(customer_id), array_agg(1))
       FROM new_rows;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION counters_contacts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM counters_apply(array_agg(is_active), array_agg(is_primary), array_agg(customer_id), array_agg(-1))
       FROM old_rows;
     RETURN NULL;
   END $$`,
  // Old rows out, new rows in: unchanged rows cancel out in counters_apply, which then locks nothing.
  `CREATE FUNCTION counters_contacts_update() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM counters_apply(array_agg(d.a), array_agg(d.p), array_agg(d.c), array_agg(d.k)) FROM (
       SELECT is_active AS a, is_primary AS p, customer_id AS c, 1 AS k FROM new_rows
       UNION ALL SELECT is_active, is_primary, customer_id, -1 FROM old_rows) d;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION counters_customers_insert() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE k bigint := (SELECT COUNT(*) FROM new_rows);
   BEGIN
     IF k > 0 THEN UPDATE customer_counts SET n = n + k WHERE name = 'customers'; END IF;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION counters_customers_delete() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE k bigint := (SELECT COUNT(*) FROM old_rows);
   BEGIN
     IF k > 0 THEN UPDATE customer_counts SET n = n - k WHERE name = 'customers'; END IF;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION counters_recount() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${RECOUNT.join(';\n     ')};
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER contacts_counters_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts_insert()`,
  `CREATE TRIGGER contacts_counters_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts_delete()`,
  `CREATE TRIGGER contacts_counters_update AFTER UPDATE ON contacts
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION counters_contacts_update()`,
  `CREATE TRIGGER customers_counters_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION counters_customers_insert()`,
  `CREATE TRIGGER customers_counters_delete AFTER DELETE ON customers REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION counters_customers_delete()`,
  // TRUNCATE runs no DELETE trigger.
  'CREATE TRIGGER contacts_counters_truncate AFTER TRUNCATE ON contacts EXECUTE FUNCTION counters_recount()',
  'CREATE TRIGGER customers_counters_truncate AFTER TRUNCATE ON customers EXECUTE FUNCTION counters_recount()',
];

const TRIGGERS = {
  contacts: [
    'contacts_counters_insert',
    'contacts_counters_delete',
    'contacts_counters_update',
    'contacts_counters_flags',
    'contacts_counters_move',
    'contacts_counters_truncate',
  ],
  customers: ['customers_counters_insert', 'customers_counters_delete', 'customers_counters_truncate'],
};
const PG_FUNCTIONS = [
  'counters_contacts_insert()',
  'counters_contacts_delete()',
  'counters_contacts_update()',
  'counters_customers_insert()',
  'counters_customers_delete()',
  'counters_recount()',
  'counters_apply(boolean[], boolean[], integer[], integer[])',
];

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  const count = { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 };

  await qi.createTable(
    'contact_counts',
    {
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, primaryKey: true },
      is_primary: { type: DataTypes.BOOLEAN, allowNull: false, primaryKey: true },
      n: count,
    },
    tableOptions,
  );
  await qi.createTable(
    'customer_counts',
    { name: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true }, n: count },
    tableOptions,
  );
  // No foreign key: the triggers add and remove these rows, and a cascade must not remove them first.
  await qi.createTable(
    'customer_contact_counts',
    { customer_id: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true }, n: count },
    tableOptions,
  );
  await qi.bulkInsert('contact_counts', [
    { is_active: false, is_primary: false, n: 0 },
    { is_active: false, is_primary: true, n: 0 },
    { is_active: true, is_primary: false, n: 0 },
    { is_active: true, is_primary: true, n: 0 },
  ]);
  await qi.bulkInsert('customer_counts', [
    { name: 'customers', n: 0 },
    { name: 'with_contacts', n: 0 },
  ]);

  const statements = dialect === 'postgres' ? POSTGRES : dialect === 'sqlite' ? SQLITE : MARIADB;
  // PostgreSQL and SQLite: the triggers and the count in one transaction, the tables locked against writers
  // in between, so that no write is missed or counted twice.
  if (dialect === 'mariadb' || dialect === 'mysql') {
    for (const sql of [...statements, ...RECOUNT]) await sequelize.query(sql);
    return;
  }
  await sequelize.transaction(async (transaction) => {
    if (dialect === 'postgres') {
      await sequelize.query('LOCK TABLE customers, contacts IN SHARE ROW EXCLUSIVE MODE', { transaction });
    }
    for (const sql of [...statements, ...RECOUNT]) await sequelize.query(sql, { transaction });
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  for (const [table, names] of Object.entries(TRIGGERS)) {
    for (const name of names) {
      await sequelize.query(`DROP TRIGGER IF EXISTS ${name}${dialect === 'postgres' ? ` ON ${table}` : ''}`);
    }
  }
  if (dialect === 'postgres') {
    for (const fn of PG_FUNCTIONS) await sequelize.query(`DROP FUNCTION IF EXISTS ${fn}`);
  }
  await qi.dropTable('customer_contact_counts');
  await qi.dropTable('customer_counts');
  await qi.dropTable('contact_counts');
}
