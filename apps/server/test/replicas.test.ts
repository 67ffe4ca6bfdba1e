import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { ADAPTERS, operations } from './support/adapters.js';
import { freshDatabase, rawConnection, sqlNow, type TestDatabase } from './support/database.js';
import { contactBody, customerBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// DATABASE_READ_URLS names servers the reads may go to, but only a real replica, one that replays the primary's
// log, is ever put in rotation: the server cannot tell what an ordinary database holds of the primary's writes.
// Here the "replica" is a separate ordinary database holding different rows, to see that no read goes there. The
// routing itself is tested against a real streaming replica in replica-consistency.test.ts. Replication needs a
// database server, so this file runs in the PostgreSQL and MariaDB runs of the suite.
const base = process.env.TEST_DATABASE_URL ?? '';
const onServer = /^(postgres|mariadb|mysql)/.test(base);
const postgres = base.startsWith('postgres');

async function readiness(t: TestServer) {
  // The first poll of the replica's state comes within a second of the start.
  for (let i = 0; i < 50; i++) {
    const ready = await t.anon.get('/api/ready/');
    if (ready.body.data?.replicas?.[0]?.state !== 'starting') return ready;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the replica stayed in state starting');
}

describe.runIf(onServer)('read replicas: an ordinary database is never in rotation', () => {
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

  it('is reported by /api/ready/ and /metrics as out of rotation, and the server is ready', async () => {
    const ready = await readiness(t);
    expect(ready.status).toBe(200);
    const name = `${new URL(replica.url).host}${new URL(replica.url).pathname}`;
    expect(ready.body.data).toEqual({
      status: 'ready',
      database: 'ok',
      replicas: [{ name, state: 'not_replica', lag_ms: null }],
    });
    const metrics = await t.anon.get('/metrics');
    expect(metrics.text).toContain(`ccm_replica_up{replica="${name}"} 0`);
  });

  it('serves every read from the primary, with and without a token, through REST and tRPC', async () => {
    const created = await t.staff.post('/api/customers/', customerBody());
    expect(created.status).toBe(201);
    // Another user, who never wrote: no token, no recent write of theirs.
    for (const adapter of ADAPTERS) {
      const list = await operations(t.url, t.viewer.token).call(adapter, 'customers.list', {});
      const names = list.data.results.map((c: { username: string }) => c.username);
      expect(names).toContain(created.body.data.username);
      expect(names).not.toContain('only_on_replica');
    }
    const token = created.headers.get('x-consistency-token');
    const one = await t.viewer.get(`/api/customers/${created.body.data.id}/`, {
      headers: token ? { 'x-consistency-token': token } : {},
    });
    expect(one.body.data.username).toBe(created.body.data.username);
    const metrics = await t.anon.get('/metrics');
    expect(metrics.text).toMatch(/ccm_replica_reads_total\{replica="[^"]+"\} 0/);
  });

  it('reads inside a write transaction from the primary', async () => {
    const customer = (await t.staff.post('/api/customers/', customerBody())).body.data;
    const contact = await t.staff.post('/api/contacts/', contactBody(customer.id, { is_primary: true }));
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    const primary = await t.staff.post(`/api/contacts/${contact.body.data.id}/set-primary/`);
    expect(primary.status).toBe(200);
  });
});

describe.runIf(postgres)('consistency tokens on PostgreSQL', () => {
  // One server at a time in a process: Sequelize's models belong to the last one made.
  let replica: TestDatabase;
  let t: TestServer;
  beforeAll(async () => {
    replica = await freshDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-replica-')));
    t = await startTestServer({ DATABASE_READ_URLS: replica.url });
  });
  afterAll(async () => {
    await t?.close();
    await replica?.drop();
  });

  it('with replicas, every write answers with a signed token, through REST and tRPC; reads answer none', async () => {
    const rest = await t.staff.post('/api/customers/', customerBody());
    expect(rest.headers.get('x-consistency-token')).toMatch(/^1\.0-[0-9A-F]+\.[\w-]{22}$/);
    const trpc = await t.staff.post('/trpc/customers.create', customerBody());
    expect(trpc.status).toBe(200);
    expect(trpc.headers.get('x-consistency-token')).toMatch(/^1\.0-[0-9A-F]+\.[\w-]{22}$/);
    const read = await t.staff.get(`/api/customers/${rest.body.data.id}/`);
    expect(read.headers.get('x-consistency-token')).toBeNull();
  });

  it('a forged, garbled or foreign token is ignored, never an error', async () => {
    const rest = await t.staff.post('/api/customers/', customerBody());
    const token = rest.headers.get('x-consistency-token')!;
    const far = token.replace(/^1\.0-[0-9A-F]+/, '1.0-FFFFFFFFFFFF');
    for (const bad of [far, 'garbage', '1.0-1.xxxxxxxxxxxxxxxxxxxxxx', 'x'.repeat(2000)]) {
      const read = await t.staff.get(`/api/customers/${rest.body.data.id}/`, {
        headers: { 'x-consistency-token': bad },
      });
      expect(read.status).toBe(200);
    }
  });
});

// With TEST_READ_REPLICA_URL (docs/testing.md) every server has one.
describe.runIf(onServer && !process.env.TEST_READ_REPLICA_URL)('without replicas', () => {
  it('a write answers no token (its position is not even read)', async () => {
    const plain = await startTestServer();
    try {
      const rest = await plain.staff.post('/api/customers/', customerBody());
      expect(rest.status).toBe(201);
      expect(rest.headers.get('x-consistency-token')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe.skipIf(onServer)('read replicas on SQLite', () => {
  it('are refused at start-up with a clear message', async () => {
    await expect(startTestServer({ DATABASE_READ_URLS: 'postgres://127.0.0.1/x' })).rejects.toThrow(
      /read replicas need PostgreSQL or MariaDB/,
    );
  });

  it('writes answer without a token, and a token sent is harmless', async () => {
    const t = await startTestServer();
    try {
      const created = await t.staff.post('/api/customers/', customerBody());
      expect(created.headers.get('x-consistency-token')).toBeNull();
      const read = await t.staff.get(`/api/customers/${created.body.data.id}/`, {
        headers: { 'x-consistency-token': '1.0-16B374D848.AAAAAAAAAAAAAAAAAAAAAA' },
      });
      expect(read.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
