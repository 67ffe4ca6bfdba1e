import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operations } from './support/adapters.js';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import type { Res } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

// The SQL statements each route sends, counted through Sequelize's logging (DATABASE_LOGGING sends every
// statement to console.log, which is spied on before the server opens its database). A route that starts
// sending one statement per row, or a count over a join, shows here first.
const statements: string[] = [];
/** The reads of a user's current role and session version (services/accounts.ts), counted apart. */
const accountReads: string[] = [];
const isAccountRead = (line: string) => /SELECT .*session_version.* FROM .users./.test(line);
let t: TestServer;
let contactId: number;
let customerId: number;

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const line = String(args[0]);
    if (line.startsWith('Executing (')) (isAccountRead(line) ? accountReads : statements).push(line);
  });
  // Without the deliverer's background statements (services/deliveries) among the requests' own.
  t = await startTestServer({ DATABASE_LOGGING: 'true', WEBHOOK_DELIVERY: 'false' });
  for (let i = 0; i < 6; i++) {
    const customer = await createCustomer(t.staff);
    customerId = customer.id;
    for (let j = 0; j < 3; j++) contactId = (await createContact(t.staff, customer.id, { is_primary: j === 0 })).id;
  }
});
afterAll(async () => {
  await t.close();
  vi.restoreAllMocks();
});

/** The statements one request sends (the answer must be a 200, or `status`). */
async function count(request: () => Promise<Res>, status = 200): Promise<number> {
  statements.length = 0;
  const res = await request();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return statements.length;
}

describe("the caller's account", () => {
  it('is read about once per user every 2 seconds, not once per request', async () => {
    accountReads.length = 0;
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect((await t.viewer.get(`/api/contacts/${contactId}/`)).status).toBe(200);
    const seconds = (performance.now() - started) / 1000;
    expect(accountReads.length).toBeLessThanOrEqual(1 + Math.floor(seconds / 2));
  });
});

describe('SQL statements per read route', () => {
  it('a contact: one', async () => {
    expect(await count(() => t.viewer.get(`/api/contacts/${contactId}/`))).toBe(1);
  });

  it('a page of contacts: two (the page and the total), filtered, ordered or deep; a search: two', async () => {
    expect(await count(() => t.viewer.get('/api/contacts/'))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/?page=2&page_size=5&ordering=email'))).toBe(2);
    expect(await count(() => t.viewer.get(`/api/contacts/?customer_id=${customerId}&is_active=true`))).toBe(2);
    // The matches are counted (up to the limit, with the contacts' counter); the count chooses how the page is read.
    expect(await count(() => t.viewer.get('/api/contacts/?search=example'))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/?search=example&cursor='))).toBe(2);
    expect(await count(() => t.viewer.get(`/api/contacts/?search=example&customer_id=${customerId}`))).toBe(2);
    // Nothing found: no page to read.
    expect(await count(() => t.viewer.get('/api/contacts/?search=nothing-is-called-this'))).toBe(1);
  });

  it('customers with contacts: three, whatever the page size', async () => {
    expect(await count(() => t.viewer.get('/api/customers-with-contacts/?page_size=1'))).toBe(3);
    expect(await count(() => t.viewer.get('/api/customers-with-contacts/?page_size=6'))).toBe(3);
  });

  it("a customer's contacts: two; the statistics: one", async () => {
    expect(await count(() => t.viewer.get(`/api/customers/${customerId}/contacts/`))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/stats/'))).toBe(1);
  });
});

describe('SQL messages per write, BEGIN and COMMIT included', () => {
  const sqlite = () => t.server.store.dialect === 'sqlite';
  // Reading a contact for a write locks its customer's row first where the database has row locks (two more
  // statements: the contact's customer, then the lock); SQLite's writes already run one at a time.
  const lock = () => (sqlite() ? 1 : 3);
  // Every change also appends its events: one INSERT, which PostgreSQL and MariaDB receive in the COMMIT's own
  // message (db/commit.ts), SQLite as a statement of its own; their BEGIN goes with the first statement (db/begin.ts).
  const events = () => (sqlite() ? 1 : 0);
  const begin = () => (sqlite() ? 1 : 0);

  // A write that demotes a primary reads it first, to record it.
  it('a create: the customer, the clashes, the insert, its event; two more when it takes over the primary', async () => {
    expect(await count(() => t.staff.post('/api/contacts/', contactBody(customerId)), 201)).toBe(
      4 + begin() + events(),
    );
    expect(await count(() => t.staff.post('/api/contacts/', contactBody(customerId, { is_primary: true })), 201)).toBe(
      6 + begin() + events(),
    );
  });

  it('a bulk create: the same number, whatever the number of items', async () => {
    const items = (n: number) => Array.from({ length: n }, () => contactBody(customerId));
    const messages = 4 + begin() + events();
    expect(await count(() => t.staff.post('/api/contacts/bulk-create/', { contacts: items(2) }), 201)).toBe(messages);
    expect(await count(() => t.staff.post('/api/contacts/bulk-create/', { contacts: items(40) }), 201)).toBe(messages);
  });

  it('an update, a set-primary, a toggle: the lock, the checks they need, one UPDATE, the events', async () => {
    const { id } = await createContact(t.staff, customerId);
    expect(await count(() => t.staff.patch(`/api/contacts/${id}/`, { email: `moved${id}@example.com` }))).toBe(
      3 + begin() + events() + lock(),
    );
    expect(await count(() => t.staff.post(`/api/contacts/${id}/set-primary/`))).toBe(4 + begin() + events() + lock());
    expect(await count(() => t.staff.post(`/api/contacts/${id}/toggle-status/`))).toBe(2 + begin() + events() + lock());
    // Nothing to change, nothing written.
    expect(await count(() => t.staff.post(`/api/contacts/${id}/set-primary/`))).toBe(1 + begin() + lock());
  });

  it("the events' INSERT travels in the COMMIT's message on PostgreSQL and MariaDB, the BEGIN in the first's", async () => {
    const before = statements.length;
    const res = await t.staff.post('/api/contacts/', contactBody(customerId));
    expect(res.status).toBe(201);
    const sent = statements.slice(before);
    const insert = sent.findIndex((s) => /INSERT INTO events/.test(s));
    expect(insert).toBeGreaterThan(-1);
    // With a replica (TEST_READ_REPLICA_URL), the COMMIT's message also reads the log position (db/commit.ts).
    if (!sqlite()) expect(sent[insert]).toMatch(/INSERT INTO events[\s\S]*;\s*COMMIT(;\s*SELECT [^;]+ AS position)?$/);
    // And the BEGIN in the first statement's.
    if (!sqlite()) expect(sent[0]).toMatch(/^Executing \([^)]+\): (BEGIN|START TRANSACTION);\s*SELECT/);
  });
});

describe('every write runs in a transaction (on SQLite: in the one queue of writers, never in its busy handler)', () => {
  const WRITE = /^Executing \(([^)]+)\): (INSERT|UPDATE|DELETE)\b/i;

  it('for every route that writes, through REST and tRPC', async () => {
    statements.length = 0;
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const ops = operations(t.url, t.staff.token);
    const admin = operations(t.url, t.admin.token);
    const user = await admin.rest('users.create', {
      username: 'writer',
      email: 'writer@example.com',
      password: 'writer-password-1',
      role: 'staff',
    });
    const login = await t.anon.post('/api/auth/token/', { username: 'writer', password: 'writer-password-1' });
    const refreshed = await t.anon.post('/api/auth/token/refresh/', { refresh: login.body.data.refresh });
    const writer = operations(t.url, refreshed.body.data.access);
    const answers = [
      user,
      await ops.trpc('contacts.toggleStatus', { id: contact.id }),
      await ops.rest('contacts.patch', { id: contact.id, is_active: true }),
      await ops.trpc('contacts.delete', { id: contact.id }),
      await ops.rest('customers.patch', { id: customer.id, first_name: 'Changed' }),
      await admin.trpc('users.update', { id: user.data.id, role: 'viewer' }),
      await writer.rest('auth.changePassword', {
        current_password: 'writer-password-1',
        new_password: 'writer-password-2',
      }),
      await t.anon.post('/api/auth/logout/', { refresh: refreshed.body.data.refresh }),
      await admin.rest('users.revokeSessions', { id: user.data.id }),
      await ops.rest('customers.delete', { id: customer.id }),
      await t.anon.get('/api/ready/'),
    ];
    for (const a of answers) expect(a.status, JSON.stringify((a as { body?: unknown }).body)).toBeLessThan(300);
    const writes = statements.filter((s) => WRITE.test(s));
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.filter((s) => WRITE.exec(s)?.[1] === 'default')).toEqual([]);
  });
});
