import type { QueryInterface, Sequelize, Transaction } from 'sequelize';

/*
 * Sharded counters (PostgreSQL and MariaDB). Under 0002-counters every contact write locked the same four
 * contact_counts rows (and customer writes the one 'customers' row) until its commit, so all such writes
 * serialized. Here contact_counts and customer_counts get a `shard` column, first in the primary key, with
 * SHARDS rows per key made up front; a trigger adds its deltas to the shard of its connection
 * (pg_backend_pid() / CONNECTION_ID() modulo SHARDS), and the reads (counters.ts) SUM over the shards.
 *
 * Locks: as before, but per shard: a contact write first locks its shard's four contact_counts rows in key
 * order, then the per-customer rows (in customer_id order within a statement), then its shard's
 * customer_counts row. Writers on one connection (or two sharing a shard) queue there as before; writers on
 * different shards share only the per-customer rows, which the app's writes reach only after locking those
 * customers' rows (in id order), so they do not deadlock; raw SQL that writes two customers' contacts in
 * opposite orders in separate statements now can (one side is rolled back) where it used to queue. Rows are
 * made up front rather than upserted: the first lock can then take all four in order, and InnoDB sees no
 * inserts into its gap locks.
 *
 * The existing rows become shard 0, so the totals carry over. SQLite (one writer at a time) is left with its
 * single row per key; SUM reads it the same.
 */

export const SHARDS = 16;

/** (is_active, is_primary) of contact_counts' rows, in key order. */
const FLAGS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/**
 * PostgreSQL's counter functions of 0002-counters, over `shards` shards (null: 0002's own, unsharded).
 * Their triggers stay.
 */
function postgres(shards: number | null) {
  const and = (alias = '') => (shards ? ` AND ${alias}shard = s` : '');
  const declare = shards ? ` s smallint := pg_backend_pid() % ${shards};` : '';
  // On TRUNCATE: the counts into shard 0, the other shards to 0.
  const recount = shards
    ? [
        `UPDATE contact_counts SET n = CASE WHEN shard <> 0 THEN 0 ELSE (SELECT COUNT(*) FROM contacts c
           WHERE c.is_active = contact_counts.is_active AND c.is_primary = contact_counts.is_primary) END`,
        'DELETE FROM customer_contact_counts',
        `INSERT INTO customer_contact_counts (customer_id, n)
           SELECT customer_id, COUNT(*) FROM contacts GROUP BY customer_id`,
        `UPDATE customer_counts SET n = CASE WHEN shard <> 0 THEN 0
           WHEN name = 'customers' THEN (SELECT COUNT(*) FROM customers)
           ELSE (SELECT COUNT(*) FROM customer_contact_counts) END`,
      ]
    : [
        `UPDATE contact_counts SET n = (SELECT COUNT(*) FROM contacts c
           WHERE c.is_active = contact_counts.is_active AND c.is_primary = contact_counts.is_primary)`,
        'DELETE FROM customer_contact_counts',
        `INSERT INTO customer_contact_counts (customer_id, n)
           SELECT customer_id, COUNT(*) FROM contacts GROUP BY customer_id`,
        `UPDATE customer_counts SET n = CASE name
           WHEN 'customers' THEN (SELECT COUNT(*) FROM customers)
           ELSE (SELECT COUNT(*) FROM customer_contact_counts) END`,
      ];
  const customers = (sign: '+' | '-', rows: string) => `
    CREATE OR REPLACE FUNCTION counters_customers_${sign === '+' ? 'insert' : 'delete'}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE k bigint := (SELECT COUNT(*) FROM ${rows});${declare}
    BEGIN
      IF k > 0 THEN UPDATE customer_counts SET n = n ${sign} k WHERE name = 'customers'${and()}; END IF;
      RETURN NULL;
    END $$`;
  return [
    `CREATE OR REPLACE FUNCTION counters_apply(a boolean[], p boolean[], c integer[], k integer[]) RETURNS void
     LANGUAGE plpgsql AS $$
     DECLARE
       ka boolean[]; kp boolean[]; kn bigint[]; cc integer[]; cn bigint[]; gained bigint; lost bigint;${declare}
     BEGIN
       SELECT array_agg(x.a), array_agg(x.p), array_agg(x.n) INTO ka, kp, kn FROM (
         SELECT u.a, u.p, SUM(u.k) AS n FROM unnest(a, p, k) AS u(a, p, k) GROUP BY u.a, u.p HAVING SUM(u.k) <> 0) x;
       -- In customer_id order: the order the per-customer rows are locked in.
       SELECT array_agg(x.c ORDER BY x.c), array_agg(x.n ORDER BY x.c) INTO cc, cn FROM (
         SELECT u.c, SUM(u.k) AS n FROM unnest(c, k) AS u(c, k) GROUP BY u.c HAVING SUM(u.k) <> 0) x;
       IF ka IS NULL AND cc IS NULL THEN RETURN; END IF;
       -- The same first lock for every writer of this shard, taken in key order: they queue rather than deadlock.
       PERFORM 1 FROM contact_counts WHERE TRUE${and()} ORDER BY is_active, is_primary FOR UPDATE;
       IF ka IS NOT NULL THEN
         UPDATE contact_counts t SET n = t.n + x.n FROM unnest(ka, kp, kn) AS x(a, p, n)
           WHERE t.is_active = x.a AND t.is_primary = x.p${and('t.')};
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
           UPDATE customer_counts SET n = n + gained - lost WHERE name = 'with_contacts'${and()};
         END IF;
       END IF;
     END $$`,
    customers('+', 'new_rows'),
    customers('-', 'old_rows'),
    `CREATE OR REPLACE FUNCTION counters_recount() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       ${recount.join(';\n       ')};
       RETURN NULL;
     END $$`,
  ];
}

/** MariaDB's counter triggers of 0002-counters, over `shards` shards (null: 0002's own, unsharded). */
function mariadb(shards: number | null) {
  const and = shards ? ' AND shard = s' : '';
  // `UPDATE contact_counts … WHERE shard = s` reads the shard's four rows by primary key: in key order.
  const whereShard = shards ? ' WHERE shard = s' : '';
  const declare = shards ? `\n     DECLARE s SMALLINT DEFAULT CONNECTION_ID() % ${shards};` : '';
  const take = (row: 'NEW' | 'OLD') => `
     UPDATE customer_contact_counts SET n = n - 1 WHERE customer_id = ${row}.customer_id;
     IF (SELECT n FROM customer_contact_counts WHERE customer_id = ${row}.customer_id) = 0 THEN
       DELETE FROM customer_contact_counts WHERE customer_id = ${row}.customer_id;
       UPDATE customer_counts SET n = n - 1 WHERE name = 'with_contacts'${and};
     END IF;`;
  const give = (row: 'NEW' | 'OLD') => `
     INSERT INTO customer_contact_counts (customer_id, n) VALUES (${row}.customer_id, 1)
       ON DUPLICATE KEY UPDATE n = n + 1;
     IF (SELECT n FROM customer_contact_counts WHERE customer_id = ${row}.customer_id) = 1 THEN
       UPDATE customer_counts SET n = n + 1 WHERE name = 'with_contacts'${and};
     END IF;`;
  const key = (row: 'NEW' | 'OLD') => `(is_active = ${row}.is_active AND is_primary = ${row}.is_primary)`;
  return [
    `CREATE OR REPLACE TRIGGER contacts_counters_insert AFTER INSERT ON contacts FOR EACH ROW BEGIN${declare}
     UPDATE contact_counts SET n = n + ${key('NEW')}${whereShard};${give('NEW')}
   END`,
    `CREATE OR REPLACE TRIGGER contacts_counters_delete AFTER DELETE ON contacts FOR EACH ROW BEGIN${declare}
     UPDATE contact_counts SET n = n - ${key('OLD')}${whereShard};${take('OLD')}
   END`,
    `CREATE OR REPLACE TRIGGER contacts_counters_update AFTER UPDATE ON contacts FOR EACH ROW BEGIN${declare}
     IF NOT (OLD.is_active <=> NEW.is_active AND OLD.is_primary <=> NEW.is_primary
             AND OLD.customer_id <=> NEW.customer_id) THEN
       UPDATE contact_counts SET n = n + ${key('NEW')} - ${key('OLD')}${whereShard};
       IF NOT (OLD.customer_id <=> NEW.customer_id) THEN${take('OLD')}${give('NEW')}
       END IF;
     END IF;
   END`,
    `CREATE OR REPLACE TRIGGER customers_counters_insert AFTER INSERT ON customers FOR EACH ROW BEGIN${declare}
     UPDATE customer_counts SET n = n + 1 WHERE name = 'customers'${and};
   END`,
    `CREATE OR REPLACE TRIGGER customers_counters_delete BEFORE DELETE ON customers FOR EACH ROW BEGIN
     DECLARE total, active_primary, active_other, inactive_primary BIGINT;${declare}
     SELECT COUNT(*), COALESCE(SUM(is_active AND is_primary), 0), COALESCE(SUM(is_active AND NOT is_primary), 0),
            COALESCE(SUM(NOT is_active AND is_primary), 0)
       INTO total, active_primary, active_other, inactive_primary
       FROM contacts WHERE customer_id = OLD.id FOR UPDATE;
     IF total > 0 THEN
       UPDATE contact_counts SET n = n - CASE
         WHEN is_active AND is_primary THEN active_primary
         WHEN is_active THEN active_other
         WHEN is_primary THEN inactive_primary
         ELSE total - active_primary - active_other - inactive_primary END${whereShard};
       DELETE FROM customer_contact_counts WHERE customer_id = OLD.id;
       UPDATE customer_counts SET n = n - 1 WHERE name = 'with_contacts'${and};
     END IF;
     UPDATE customer_counts SET n = n - 1 WHERE name = 'customers'${and};
   END`,
  ];
}

const NAMES = ['customers', 'with_contacts'];

/** The rows of shards 1 to SHARDS - 1, at 0. */
async function addShards(qi: QueryInterface, transaction?: Transaction) {
  const shards = Array.from({ length: SHARDS - 1 }, (_, i) => i + 1);
  await qi.bulkInsert(
    'contact_counts',
    shards.flatMap((shard) => FLAGS.map(([is_active, is_primary]) => ({ shard, is_active, is_primary, n: 0 }))),
    { transaction },
  );
  await qi.bulkInsert(
    'customer_counts',
    shards.flatMap((shard) => NAMES.map((name) => ({ shard, name, n: 0 }))),
    { transaction },
  );
}

/** Every shard's counts added into shard 0, and the other shards' rows gone. */
async function mergeShards(sequelize: Sequelize, transaction?: Transaction) {
  const run = (sql: string) => sequelize.query(sql, { transaction });
  if (sequelize.getDialect() === 'postgres') {
    await run(`UPDATE contact_counts t SET n = x.n FROM (SELECT is_active, is_primary, SUM(n) AS n FROM contact_counts
      GROUP BY is_active, is_primary) x WHERE t.shard = 0 AND t.is_active = x.is_active AND t.is_primary = x.is_primary`);
    await run(`UPDATE customer_counts t SET n = x.n FROM (SELECT name, SUM(n) AS n FROM customer_counts GROUP BY name) x
      WHERE t.shard = 0 AND t.name = x.name`);
  } else {
    await run(`UPDATE contact_counts t JOIN (SELECT is_active, is_primary, SUM(n) AS n FROM contact_counts
      GROUP BY is_active, is_primary) x ON t.is_active = x.is_active AND t.is_primary = x.is_primary
      SET t.n = x.n WHERE t.shard = 0`);
    await run(`UPDATE customer_counts t JOIN (SELECT name, SUM(n) AS n FROM customer_counts GROUP BY name) x
      ON t.name = x.name SET t.n = x.n WHERE t.shard = 0`);
  }
  await run('DELETE FROM contact_counts WHERE shard <> 0');
  await run('DELETE FROM customer_counts WHERE shard <> 0');
}

/** PostgreSQL: `steps` in one transaction, writers locked out: no write is lost or counted twice. */
function withWritersLockedOut(
  sequelize: Sequelize,
  steps: (run: (sql: string) => Promise<unknown>, transaction: Transaction) => Promise<void>,
) {
  return sequelize.transaction(async (transaction) => {
    const run = (sql: string) => sequelize.query(sql, { transaction });
    await run('LOCK TABLE customers, contacts IN SHARE ROW EXCLUSIVE MODE');
    await steps(run, transaction);
  });
}

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  if (dialect === 'sqlite') return;

  if (dialect === 'postgres') {
    await withWritersLockedOut(sequelize, async (run, transaction) => {
      await run(`ALTER TABLE contact_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0,
        DROP CONSTRAINT contact_counts_pkey, ADD PRIMARY KEY (shard, is_active, is_primary)`);
      await run(`ALTER TABLE customer_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0,
        DROP CONSTRAINT customer_counts_pkey, ADD PRIMARY KEY (shard, name)`);
      await addShards(qi, transaction);
      for (const sql of postgres(SHARDS)) await run(sql);
    });
    return;
  }

  // MariaDB commits each DDL statement; each step below keeps the counters right for writers running
  // meanwhile: the old triggers update every row (only shard 0's exist until the one-shard triggers replace
  // them), and the other shards' rows exist before any trigger writes to them.
  const run = (sql: string) => sequelize.query(sql);
  await run(`ALTER TABLE contact_counts ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 FIRST,
    DROP PRIMARY KEY, ADD PRIMARY KEY (shard, is_active, is_primary)`);
  await run(`ALTER TABLE customer_counts ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 FIRST,
    DROP PRIMARY KEY, ADD PRIMARY KEY (shard, name)`);
  for (const sql of mariadb(1)) await run(sql);
  await addShards(qi);
  for (const sql of mariadb(SHARDS)) await run(sql);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const sequelize = qi.sequelize;
  const dialect = sequelize.getDialect();
  if (dialect === 'sqlite') return;

  if (dialect === 'postgres') {
    await withWritersLockedOut(sequelize, async (run, transaction) => {
      await mergeShards(sequelize, transaction);
      for (const sql of postgres(null)) await run(sql);
      await run(`ALTER TABLE contact_counts DROP CONSTRAINT contact_counts_pkey, DROP COLUMN shard,
        ADD PRIMARY KEY (is_active, is_primary)`);
      await run(`ALTER TABLE customer_counts DROP CONSTRAINT customer_counts_pkey, DROP COLUMN shard,
        ADD PRIMARY KEY (name)`);
    });
    return;
  }

  // The reverse of up: one shard, merged, then 0002's triggers, then the old keys.
  const run = (sql: string) => sequelize.query(sql);
  for (const sql of mariadb(1)) await run(sql);
  await sequelize.transaction((transaction) => mergeShards(sequelize, transaction));
  for (const sql of mariadb(null)) await run(sql);
  await run('ALTER TABLE contact_counts DROP PRIMARY KEY, DROP COLUMN shard, ADD PRIMARY KEY (is_active, is_primary)');
  await run('ALTER TABLE customer_counts DROP PRIMARY KEY, DROP COLUMN shard, ADD PRIMARY KEY (name)');
}
