import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { freshDatabase, rawConnection, sqlNow, type TestDatabase } from './support/database.js';
import { contactBody, customerBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// DATABASE_READ_URLS: reads outside a transaction go to the replica; writes, the reads inside a write's
// transaction, and everything about users and tokens go to the primary. To see where each query goes, the
// "replica" here is a separate database that holds different rows. Replication needs a database server, so
// this file runs in the PostgreSQL and MariaDB runs of the suite.
const onServer = /^(postgres|mariadb|mysql)/.test(process.env.TEST_DATABASE_URL ?? '');

describe.runIf(onServer)('read replicas', () => {
  let replica: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    replica = await freshDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-replica-')));
    const db = rawConnection(replica.url);
    await migrate(db);
    await db.query(
      `INSERT INTO customers (customer_id, username, email, first_name, last_name, nic, is_verified, is_active, created_at, updated_at)
       VALUES ('CUST000777', 'only_on_replica', 'replica@example.com', 'Rep', 'Lica', '777777777V', :f, :t, :now, :now)`,
      { replacements: { f: false, t: true, now: sqlNow() } },
    );
    await db.close();
    t = await startTestServer({ DATABASE_READ_URLS: replica.url });
  });
  afterAll(async () => {
    await t?.close();
    await replica?.drop();
  });

  it('signs in against the primary (users are never read from a replica)', async () => {
    const me = await t.staff.get('/api/auth/me/');
    expect(me.status).toBe(200);
    expect(me.body.data.username).toBe('staff');
  });

  it('writes to the primary and lists from the replica', async () => {
    const created = await t.staff.post('/api/customers/', customerBody());
    expect(created.status).toBe(201);

    const list = await t.staff.get('/api/customers/');
    expect(list.status).toBe(200);
    expect(list.body.data.results.map((c: { username: string }) => c.username)).toEqual(['only_on_replica']);
    // Both databases numbered their first customer 1: the read of id 1 answers with the replica's row.
    const one = await t.staff.get(`/api/customers/${created.body.data.id}/`);
    expect(created.body.data.id).toBe(1);
    expect(one.body.data.username).toBe('only_on_replica');
  });

  it('reads inside a write transaction from the primary', async () => {
    const customer = (await t.staff.post('/api/customers/', customerBody())).body.data;
    // The customer exists only on the primary: the create's check inside its transaction must find it.
    const contact = await t.staff.post('/api/contacts/', contactBody(customer.id, { is_primary: true }));
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    const primary = await t.staff.post(`/api/contacts/${contact.body.data.id}/set-primary/`);
    expect(primary.status).toBe(200);
  });
});

describe.skipIf(onServer)('read replicas on SQLite', () => {
  it('are refused at start-up with a clear message', async () => {
    await expect(startTestServer({ DATABASE_READ_URLS: 'postgres://127.0.0.1/x' })).rejects.toThrow(
      /read replicas need PostgreSQL or MariaDB/,
    );
  });
});
