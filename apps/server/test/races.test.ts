import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, type Answer, operations } from './support/adapters.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Every read-modify-write operation, sent 6 or more times at once through REST and through tRPC, on every
// database (TEST_DATABASE_URL): the final state must be one that the answers, applied in some order, explain.
// A write that reads its row before taking the lock (MariaDB's REPEATABLE READ snapshot) loses updates here.

const N = 6;
type Contact = { id: number; email: string; wa_number: string; tp_number: string };
let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

const parallel = (n: number, call: (i: number) => Promise<Answer>) =>
  Promise.all(Array.from({ length: n }, (_, i) => call(i)));
const statuses = (answers: Answer[]) => answers.map((a) => a.status).sort();

/** The contact as the database holds it now. */
const contactRow = async (id: number) => (await t.staff.get(`/api/contacts/${id}/`)).body.data;

/** The counters (stats) agree with COUNT(*)s of the tables. */
async function expectCountersTrue() {
  const [real] = (await raw.query(
    `SELECT (SELECT COUNT(*) FROM contacts) AS total,
       (SELECT COUNT(*) FROM contacts WHERE is_active = TRUE) AS active,
       (SELECT COUNT(*) FROM contacts WHERE is_primary = TRUE) AS primaries`,
    { type: QueryTypes.SELECT },
  )) as Record<string, unknown>[];
  const stats = (await t.viewer.get('/api/contacts/stats/')).body.data;
  expect({ total: stats.total_contacts, active: stats.active_contacts, primaries: stats.primary_contacts }).toEqual({
    total: Number(real?.total),
    active: Number(real?.active),
    primaries: Number(real?.primaries),
  });
}

/** Per customer, at most one primary (the database's own rule, checked from outside). */
async function expectOnePrimaryEach() {
  const rows = (await raw.query(
    'SELECT customer_id, COUNT(*) AS n FROM contacts WHERE is_primary = TRUE GROUP BY customer_id',
    { type: QueryTypes.SELECT },
  )) as { n: unknown }[];
  for (const r of rows) expect(Number(r.n)).toBe(1);
}

describe.each(ADAPTERS)('through %s', (adapter) => {
  const staff = () => operations(t.url, t.staff.token).call.bind(null, adapter);
  const admin = () => operations(t.url, t.admin.token).call.bind(null, adapter);

  it(`${N} parallel toggles of one contact leave it as it was; the answers alternate`, async () => {
    const customer = await createCustomer(t.staff);
    for (const start of [true, false]) {
      const contact = await createContact(t.staff, customer.id, { is_active: start });
      const answers = await parallel(N, () => staff()('contacts.toggleStatus', { id: contact.id }));
      expect(statuses(answers)).toEqual(Array(N).fill(200));
      // Each toggle saw the one before it: half of the answers say active, half inactive.
      expect(answers.filter((a) => a.data.is_active).length).toBe(N / 2);
      expect((await contactRow(contact.id)).is_active).toBe(start);
    }
    await expectCountersTrue();
  });

  it(`${N} parallel set-primary calls on ${N} contacts of one customer: one primary, the last one answered`, async () => {
    const customer = await createCustomer(t.staff);
    const contacts: Contact[] = [];
    for (let i = 0; i < N; i++) contacts.push(await createContact(t.staff, customer.id, { is_primary: i === 0 }));
    const answers = await parallel(N, (i) => staff()('contacts.setPrimary', { id: contacts[i]!.id }));
    expect(statuses(answers)).toEqual(Array(N).fill(200));
    const now = (await t.staff.get(`/api/customers/${customer.id}/contacts/`)).body.data.contacts;
    expect(now.filter((c: { is_primary: boolean }) => c.is_primary)).toHaveLength(1);
    await expectOnePrimaryEach();
    await expectCountersTrue();
  });

  it(`${N} parallel PATCHes of different fields of one contact: every change kept`, async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const other = contactBody(customer.id);
    const patches = [
      { email: other.email },
      { wa_number: other.wa_number },
      { tp_number: other.tp_number },
      { is_active: false },
      { is_primary: true },
      { customer: customer.id },
    ];
    const answers = await parallel(N, (i) => staff()('contacts.patch', { id: contact.id, ...patches[i] }));
    expect(statuses(answers)).toEqual(Array(N).fill(200));
    const now = await contactRow(contact.id);
    expect(now).toMatchObject({ email: other.email, is_active: false, is_primary: true });
    expect(now.wa_number).toMatch(/^\+94/);
    expect(now.wa_number).not.toBe(contact.wa_number);
    expect(now.tp_number).not.toBe(contact.tp_number);
    await expectCountersTrue();
  });

  it(`${N} parallel PUTs making ${N} contacts primary, and ${N} claiming one e-mail: one primary, one e-mail`, async () => {
    const customer = await createCustomer(t.staff);
    const contacts: Contact[] = [];
    for (let i = 0; i < N; i++) contacts.push(await createContact(t.staff, customer.id));
    const puts = await parallel(N, (i) =>
      staff()('contacts.update', {
        id: contacts[i]!.id,
        email: contacts[i]!.email,
        wa_number: contacts[i]!.wa_number,
        tp_number: contacts[i]!.tp_number,
        is_primary: true,
      }),
    );
    expect(statuses(puts)).toEqual(Array(N).fill(200));
    await expectOnePrimaryEach();

    const answers = await parallel(N, (i) =>
      staff()('contacts.patch', { id: contacts[i]!.id, email: `same.${customer.id}.${adapter}@example.com` }),
    );
    expect(statuses(answers)).toEqual([200, ...Array(N - 1).fill(400)]);
    for (const a of answers.filter((x) => x.status === 400)) {
      expect(a.errors?.email).toEqual(['This customer already has a contact with this email.']);
    }
    const now = (await t.staff.get(`/api/customers/${customer.id}/contacts/`)).body.data.contacts;
    expect(new Set(now.map((c: { email: string }) => c.email)).size).toBe(N);
    await expectCountersTrue();
  });

  it(`${N} parallel PATCHes of different fields of one customer, and PUTs of one username: all kept, one name`, async () => {
    const customer = await createCustomer(t.staff);
    const patches = [
      { first_name: 'Ann' },
      { last_name: 'Perera' },
      { address: '1 Galle Road' },
      { phone_number: '0771234567' },
      { is_verified: true },
      { is_active: false },
    ];
    const answers = await parallel(N, (i) => staff()('customers.patch', { id: customer.id, ...patches[i] }));
    expect(statuses(answers)).toEqual(Array(N).fill(200));
    const now = (await t.staff.get(`/api/customers/${customer.id}/`)).body.data;
    expect(now).toMatchObject({
      first_name: 'Ann',
      last_name: 'Perera',
      address: '1 Galle Road',
      phone_number: '+94771234567',
      is_verified: true,
      is_active: false,
    });

    const others = await Promise.all(Array.from({ length: N }, () => createCustomer(t.staff)));
    const name = `taken${customer.id}${adapter}`;
    const puts = await parallel(N, (i) => {
      const { username: _u, ...body } = customerBody();
      return staff()('customers.update', { id: others[i]!.id, ...body, username: name });
    });
    expect(statuses(puts)).toEqual([200, ...Array(N - 1).fill(400)]);
    const [row] = (await raw.query('SELECT COUNT(*) AS n FROM customers WHERE username = ?', {
      replacements: [name],
      type: QueryTypes.SELECT,
    })) as { n: unknown }[];
    expect(Number(row?.n)).toBe(1);
  });

  it(`${N} admins demoting each other at once: an active admin always remains`, async () => {
    const names = Array.from({ length: N }, (_, i) => `ring${adapter}${i}`);
    const ids: number[] = [];
    const tokens: string[] = [];
    for (const username of names) {
      const made = await admin()('users.create', {
        username,
        email: `${username}@example.com`,
        password: 'ring-password-1',
        role: 'admin',
      });
      expect(made.status).toBe(adapter === 'rest' ? 201 : 200);
      ids.push(made.data.id);
      const login = await t.anon.post('/api/auth/token/', { username, password: 'ring-password-1' });
      tokens.push(login.body.data.access);
    }
    // Each demotes the next in a ring: nobody acts on itself, and if every demotion went through, none would be left.
    const answers = await parallel(N, (i) =>
      operations(t.url, tokens[i]).call(adapter, 'users.update', { id: ids[(i + 1) % N], role: 'staff' }),
    );
    for (const a of answers) expect([200, 403]).toContain(a.status);
    const list = (await t.admin.get('/api/users/?page_size=100')).body.data.results as {
      username: string;
      role: string;
      is_active: boolean;
    }[];
    const ring = list.filter((u) => names.includes(u.username));
    const admins = ring.filter((u) => u.role === 'admin' && u.is_active);
    expect(admins.length).toBeGreaterThanOrEqual(1);
    // A demoted admin's answer is a 403 from then on: each 200 demoted an admin that was one.
    expect(answers.filter((a) => a.status === 200).length).toBe(N - admins.length);
  });
});
