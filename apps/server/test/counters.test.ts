import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { migrator } from '../src/db/migrate.js';
import { SHARDS } from '../src/db/migrations/0004-counter-shards.js';
import { freshDatabase, rawConnection, sqlNow } from './support/database.js';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// The counters the database keeps with triggers (migrations 0002-counters, 0004-counter-shards) against real
// COUNT(*)s, after writes of every kind: through the API (single, bulk, concurrent, demotions, toggles, deletes,
// cascades) and straight in SQL around it (multi-row inserts and updates, moves between customers, cascades),
// from many connections (so over several shards), and across migration 0004 and back.

let t: TestServer;
let raw: Sequelize;
let dialect: string;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
  dialect = raw.getDialect();
});

const select = (sql: string, db = raw) =>
  db.query(sql, { type: QueryTypes.SELECT }) as Promise<Record<string, unknown>[]>;
const num = (v: unknown) => Number(v);
/** Rows per counter key: one per shard on PostgreSQL and MariaDB, one on SQLite. */
const shardsOf = (db: Sequelize) => (db.getDialect() === 'sqlite' ? 1 : SHARDS);

/** The figures counted from the tables. */
async function real(db = raw) {
  const [row] = await select(
    `SELECT (SELECT COUNT(*) FROM contacts) AS total,
       (SELECT COUNT(*) FROM contacts WHERE is_active = TRUE) AS active,
       (SELECT COUNT(*) FROM contacts WHERE is_primary = TRUE) AS primaries,
       (SELECT COUNT(*) FROM contacts WHERE is_active = TRUE AND is_primary = TRUE) AS active_primaries,
       (SELECT COUNT(DISTINCT customer_id) FROM contacts) AS with_contacts,
       (SELECT COUNT(*) FROM customers) AS customers`,
    db,
  );
  const perCustomer = await select('SELECT customer_id, COUNT(*) AS n FROM contacts GROUP BY customer_id', db);
  return {
    figures: Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, num(v)])),
    perCustomer: perCustomer.map((r) => [num(r.customer_id), num(r.n)]).sort((a, b) => a[0]! - b[0]!),
  };
}

/** The same figures read from the counter tables, summed over the shards. */
async function counted(db = raw) {
  const keys = await select('SELECT * FROM contact_counts', db);
  const sum = (match: (a: boolean, p: boolean) => boolean) =>
    keys.filter((r) => match(Boolean(num(r.is_active)), Boolean(num(r.is_primary)))).reduce((s, r) => s + num(r.n), 0);
  const names = await select('SELECT * FROM customer_counts', db);
  const named = (name: string) => names.filter((r) => r.name === name).reduce((s, r) => s + num(r.n), 0);
  const perCustomer = await select('SELECT customer_id, n FROM customer_contact_counts', db);
  return {
    figures: {
      total: sum(() => true),
      active: sum((a) => a),
      primaries: sum((_, p) => p),
      active_primaries: sum((a, p) => a && p),
      with_contacts: named('with_contacts'),
      customers: named('customers'),
    },
    perCustomer: perCustomer.map((r) => [num(r.customer_id), num(r.n)]).sort((a, b) => a[0]! - b[0]!),
    rows: [keys.length, names.length],
    sharded: 'shard' in (keys[0] ?? {}),
  };
}

/** The counter tables agree with the counts, with `shards` rows per key; returns the counts. */
async function expectCounted(db: Sequelize, shards: number) {
  const [want, got] = await Promise.all([real(db), counted(db)]);
  expect(got.rows).toEqual([4 * shards, 2 * shards]);
  expect(got.figures).toEqual(want.figures);
  expect(got.perCustomer).toEqual(want.perCustomer);
  return { ...want.figures, sharded: got.sharded } as Record<string, number> & { sharded: boolean };
}

/** Counters = counts, in the tables and in the API's answers (statistics, list totals). */
async function expectRight(): Promise<Awaited<ReturnType<typeof real>>['figures']> {
  const f = await expectCounted(raw, shardsOf(raw));

  const stats = (await t.viewer.get('/api/contacts/stats/')).body.data;
  expect(stats).toEqual({
    total_contacts: f.total,
    active_contacts: f.active,
    inactive_contacts: f.total! - f.active!,
    primary_contacts: f.primaries,
    customers_with_contacts: f.with_contacts,
    customers_without_contacts: f.customers! - f.with_contacts!,
  });
  const listCount = async (query: string) => (await t.viewer.get(`/api/contacts/?page_size=1${query}`)).body.data.count;
  expect(await listCount('')).toBe(f.total);
  expect(await listCount('&is_active=true')).toBe(f.active);
  expect(await listCount('&is_active=false')).toBe(f.total! - f.active!);
  expect(await listCount('&is_primary=true')).toBe(f.primaries);
  expect(await listCount('&is_active=true&is_primary=true')).toBe(f.active_primaries);
  // The repository's own reads, which the list's total and the customers page use.
  const { counters } = t.server.store;
  expect(await counters.contactCount({})).toBe(f.total);
  expect(await counters.contactCount({ isActive: true })).toBe(f.active);
  expect(await counters.contactCount({ isActive: false })).toBe(f.total! - f.active!);
  expect(await counters.contactCount({ isPrimary: true })).toBe(f.primaries);
  expect(await counters.contactCount({ isPrimary: false })).toBe(f.total! - f.primaries!);
  expect(await counters.contactCount({ isActive: true, isPrimary: true })).toBe(f.active_primaries);
  expect(await counters.customerCount()).toBe(f.customers);
  const page = await t.viewer.get('/api/customers-with-contacts/?page_size=1');
  expect(Number(page.headers.get('x-total-count'))).toBe(f.customers);
  return f;
}

let rawSeq = 0;
/** Contacts written straight in SQL, in one multi-row INSERT (numbers unique across the file). */
async function insertRaw(
  rows: { customer: number; active: boolean; primary?: boolean }[],
  transaction?: Transaction,
  db = raw,
) {
  const values = rows.map((r) => {
    rawSeq += 1;
    const n = String(rawSeq).padStart(7, '0');
    return `(${r.customer}, 'raw${rawSeq}@example.com', '+9470${n}', '+9472${n}', ${r.primary ? 'TRUE' : 'FALSE'},
      ${r.active ? 'TRUE' : 'FALSE'}, '${sqlNow()}', '${sqlNow()}')`;
  });
  await db.query(
    `INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at)
     VALUES ${values.join(', ')}`,
    { transaction },
  );
}

/** A customer written straight in SQL; returns its id. */
async function insertCustomerRaw(db: Sequelize, transaction?: Transaction): Promise<number> {
  rawSeq += 1;
  const n = String(rawSeq).padStart(7, '0');
  await db.query(
    `INSERT INTO customers (customer_id, username, email, first_name, last_name, nic, is_verified, is_active,
       created_at, updated_at)
     VALUES ('RAW${n}', 'raw_${n}', 'rawcustomer${n}@example.com', 'Raw', 'Customer', '8${n}0V', :f, :t, :now, :now)`,
    { replacements: { f: false, t: true, now: sqlNow() }, transaction },
  );
  const [row] = (await db.query(`SELECT id FROM customers WHERE customer_id = 'RAW${n}'`, {
    type: QueryTypes.SELECT,
    transaction,
  })) as { id: unknown }[];
  return num(row?.id);
}

describe('counters kept by the database', () => {
  it('start right on a new database', async () => {
    const f = await expectRight();
    expect(f.total).toBe(0);
  });

  it('follow creates, bulk creates, flag changes, demotions, toggles and deletes through the API', async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff);
    const c = await createCustomer(t.staff);
    const a1 = await createContact(t.staff, a.id, { is_primary: true });
    const a2 = await createContact(t.staff, a.id, { is_active: false });
    await createContact(t.staff, b.id);
    await expectRight();

    const bulk = await t.staff.post('/api/contacts/bulk-create/', {
      contacts: [
        ...Array.from({ length: 30 }, (_, i) => contactBody(c.id, { is_active: i % 3 !== 0 })),
        contactBody(b.id, { is_primary: true }),
        contactBody(a.id, { is_primary: true }), // demotes a1
      ],
    });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    await expectRight();

    expect((await t.staff.patch(`/api/contacts/${a2.id}/`, { is_active: true, is_primary: true })).status).toBe(200);
    await expectRight();
    expect((await t.staff.post(`/api/contacts/${a1.id}/set-primary/`)).status).toBe(200);
    expect((await t.staff.post(`/api/contacts/${a1.id}/toggle-status/`)).status).toBe(200);
    expect((await t.staff.post(`/api/contacts/${a2.id}/toggle-status/`)).status).toBe(200);
    expect((await t.staff.patch(`/api/contacts/${a2.id}/`, { email: 'renamed@example.com' })).status).toBe(200);
    await expectRight();

    expect((await t.staff.delete(`/api/contacts/${a1.id}/`)).status).toBe(204);
    await expectRight();
    // The customer's contacts go with it (ON DELETE CASCADE), and their counts with them.
    expect((await t.staff.delete(`/api/customers/${c.id}/`)).status).toBe(204);
    const f = await expectRight();
    expect(f.with_contacts).toBe(2);
  });

  it('follow concurrent creates of customers and contacts', async () => {
    const customers = await Promise.all(Array.from({ length: 6 }, () => createCustomer(t.staff)));
    const results = await Promise.all(
      customers.flatMap((cu, i) => [
        t.staff.post('/api/contacts/', contactBody(cu.id, { is_primary: true })),
        t.staff.post('/api/contacts/', contactBody(cu.id, { is_active: i % 2 === 0 })),
        t.staff.post('/api/contacts/bulk-create/', {
          contacts: [contactBody(cu.id), contactBody(customers[(i + 1) % customers.length]!.id, { is_active: false })],
        }),
        t.staff.post(`/api/contacts/${0}/toggle-status/`), // a 404 among the writes
      ]),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(18);
    await expectRight();
    // Concurrent deletes of customers with contacts and without.
    const empty = await createCustomer(t.staff);
    const deleted = await Promise.all(
      [...customers.slice(0, 3), empty].map((cu) => t.staff.delete(`/api/customers/${cu.id}/`)),
    );
    expect(deleted.map((r) => r.status)).toEqual([204, 204, 204, 204]);
    await expectRight();
  });

  it('follow writes made straight in SQL: multi-row inserts, mass updates, moves, deletes, cascades', async () => {
    const x = await createCustomer(t.staff);
    const y = await createCustomer(t.staff);
    const z = await createCustomer(t.staff);
    await insertRaw(Array.from({ length: 1000 }, (_, i) => ({ customer: i % 2 ? x.id : y.id, active: i % 7 !== 0 })));
    await expectRight();

    await raw.query(`UPDATE contacts SET is_active = NOT is_active WHERE customer_id = ${x.id}`);
    const [first] = await select(`SELECT MIN(id) AS id FROM contacts WHERE customer_id = ${y.id}`);
    await raw.query(`UPDATE contacts SET is_primary = TRUE WHERE id = ${num(first?.id)}`);
    await expectRight();

    // Contacts moved to another customer: y keeps some, z gets its first ones.
    await raw.query(
      `UPDATE contacts SET customer_id = ${z.id} WHERE customer_id = ${y.id} AND is_primary = FALSE AND is_active = FALSE`,
    );
    await expectRight();
    // All of x's contacts moved to z: x has none left.
    await raw.query(
      `UPDATE contacts SET customer_id = ${z.id}, email = ${concat(dialect)} WHERE customer_id = ${x.id}`,
    );
    const f = await expectRight();
    expect((await counted()).perCustomer.find(([id]) => id === x.id)).toBeUndefined();
    expect(f.total).toBeGreaterThan(1000);

    await raw.query(`DELETE FROM contacts WHERE customer_id = ${z.id} AND is_active = TRUE`);
    await expectRight();
    // Several customers at once, with a thousand contacts between them (a cascade on every dialect).
    await raw.query(`DELETE FROM customers WHERE id IN (${y.id}, ${z.id})`);
    await expectRight();
  });

  it('stay right under concurrent multi-row writes in opposite orders (no deadlock between the triggers)', async () => {
    if (dialect === 'sqlite') return; // One writer at a time: nothing to interleave.
    const customers = await Promise.all(Array.from({ length: 4 }, () => createCustomer(t.staff)));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        raw.transaction(async (transaction) => {
          const cu = customers[i % customers.length]!.id;
          const other = customers[(i + 1) % customers.length]!.id;
          // Half the writers insert active contacts first, the other half inactive ones first.
          for (const active of i % 2 === 0 ? [true, false] : [false, true]) {
            await insertRaw(
              Array.from({ length: 20 }, () => ({ customer: active ? cu : other, active })),
              transaction,
            );
          }
        }),
      ),
    );
    await expectRight();
  });

  it('spread writers over shards by connection, which do not wait for each other, and sum right', async () => {
    if (dialect === 'sqlite') return; // One shard.
    const shardOf = `${dialect === 'postgres' ? 'pg_backend_pid()' : 'CONNECTION_ID()'} % ${SHARDS}`;
    const perShard = async () => {
      const rows = await select(
        `SELECT shard, SUM(n) AS n FROM (SELECT shard, n FROM contact_counts
           UNION ALL SELECT shard, n FROM customer_counts WHERE name = 'customers') x GROUP BY shard`,
      );
      return new Map(rows.map((r) => [num(r.shard), num(r.n)]));
    };
    const customers = await Promise.all(Array.from({ length: 12 }, () => createCustomer(t.staff)));
    const before = await perShard();
    // A write that waits for a lock fails after 5 s rather than hanging.
    const lockTimeout =
      dialect === 'postgres' ? "SET LOCAL lock_timeout = '5s'" : 'SET SESSION innodb_lock_wait_timeout = 5';
    const db = new Sequelize(t.databaseUrl.replace(/^mysql:/, 'mariadb:'), { logging: false, pool: { max: 12 } });
    const open: Transaction[] = [];
    try {
      // Twelve transactions open at once, each on its own connection.
      const writers = await Promise.all(
        customers.map(async (cu) => {
          const transaction = await db.transaction();
          open.push(transaction);
          await db.query(lockTimeout, { transaction });
          const [row] = (await db.query(`SELECT ${shardOf} AS s`, { type: QueryTypes.SELECT, transaction })) as {
            s: unknown;
          }[];
          return { customer: cu.id as number, transaction, shard: num(row?.s) };
        }),
      );
      const write = async (w: (typeof writers)[number]) => {
        await insertCustomerRaw(db, w.transaction);
        await insertRaw(
          [true, false, true].map((active, i) => ({ customer: w.customer, active, primary: i === 0 })),
          w.transaction,
          db,
        );
      };
      // One writer per shard: all of them write before any commits, which they could not (a lock timeout) if
      // they queued on one another's counter rows.
      const first = [...new Map(writers.map((w) => [w.shard, w])).values()];
      const rest = writers.filter((w) => !first.includes(w));
      expect(first.length).toBeGreaterThan(1);
      await Promise.all(first.map(write));
      await Promise.all(first.map((w) => w.transaction.commit()));
      for (const w of rest) {
        await write(w);
        await w.transaction.commit();
      }
      // Each transaction's 3 contacts and 1 customer went to its connection's shard.
      const after = await perShard();
      const want = new Map<number, number>();
      for (const w of writers) want.set(w.shard, (want.get(w.shard) ?? 0) + 4);
      for (let shard = 0; shard < SHARDS; shard += 1) {
        expect((after.get(shard) ?? 0) - (before.get(shard) ?? 0), `shard ${shard}`).toBe(want.get(shard) ?? 0);
      }
    } finally {
      await Promise.all(open.map((tx) => tx.rollback().catch(() => {}))); // Those a failure left open.
      await db.close();
    }
    await expectRight();
  });

  it('are recounted after TRUNCATE on PostgreSQL', async () => {
    if (dialect !== 'postgres') return; // MariaDB refuses to truncate a referenced table; SQLite has none.
    await raw.query('TRUNCATE contacts');
    const f = await expectRight();
    expect(f.total).toBe(0);
    expect(f.customers).toBeGreaterThan(0);
  });
});

/** A new unique e-mail from the old one, in this dialect's SQL. */
function concat(d: string) {
  return d === 'mariadb' ? "CONCAT('moved.', email)" : "'moved.' || email";
}

describe('migration 0004-counter-shards', () => {
  it('keeps the totals written before it, and its down keeps them too', async () => {
    const database = await freshDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-shards-')));
    const db = rawConnection(database.url);
    const sharded = db.getDialect() !== 'sqlite';
    try {
      const migrations = migrator(db);
      await migrations.up({ to: '0003-search' });
      // Written under 0002's unsharded counters.
      const write = async () => {
        const a = await insertCustomerRaw(db);
        const b = await insertCustomerRaw(db);
        await insertRaw(
          Array.from({ length: 9 }, (_, i) => ({ customer: i % 3 ? a : b, active: i % 2 === 0, primary: i < 2 })),
          undefined,
          db,
        );
        await insertCustomerRaw(db); // one without contacts
      };
      await write();
      expect((await expectCounted(db, 1)).sharded).toBe(false);

      await migrations.up();
      const f = await expectCounted(db, shardsOf(db));
      expect(f.sharded).toBe(sharded);
      expect(f).toMatchObject({ total: 9, customers: 3, with_contacts: 2 });
      await write();
      await db.query('DELETE FROM contacts WHERE is_primary = TRUE');
      expect(await expectCounted(db, shardsOf(db))).toMatchObject({ total: 14, customers: 6, with_contacts: 4 });

      await migrations.down({ to: '0004-counter-shards' });
      expect((await expectCounted(db, 1)).sharded).toBe(false);
      await write();
      expect(await expectCounted(db, 1)).toMatchObject({ total: 23, customers: 9, with_contacts: 6 });

      await migrations.up();
      expect(await expectCounted(db, shardsOf(db))).toMatchObject({ total: 23, customers: 9, with_contacts: 6 });
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
