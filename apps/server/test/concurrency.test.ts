import { describe, expect, it } from 'vitest';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import { signIn, spawnServer } from './support/process.js';
import type { TestServer } from './support/server.js';

// Many requests at once through the real HTTP server: the invariants must hold whatever the interleaving,
// and no request may end in a 5xx. Runs on every database (TEST_DATABASE_URL).

const N = 50;
/** Group commit runs on every database, but not with read replicas (services/contacts/index.ts). */
const grouped = !process.env.TEST_READ_REPLICA_URL;
let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

type ContactData = { id: number; email: string; wa_number: string; tp_number: string; is_primary: boolean };
const contactsOf = async (customer: number): Promise<ContactData[]> =>
  (await t.staff.get(`/api/customers/${customer}/contacts/`)).body.data.contacts;

describe('concurrent writes', () => {
  it(`${N} parallel set-primary calls on ${N} contacts of one customer leave exactly one primary`, async () => {
    const customer = await createCustomer(t.staff);
    const items = Array.from({ length: N }, () => contactBody(customer.id));
    const bulk = await t.staff.post('/api/contacts/bulk-create/', { contacts: items });
    expect(bulk.status).toBe(201);
    const ids: number[] = bulk.body.data.created_contacts.map((c: ContactData) => c.id);

    const results = await Promise.all(ids.map((id) => t.staff.post(`/api/contacts/${id}/set-primary/`)));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);

    const contacts = await contactsOf(customer.id);
    expect(contacts).toHaveLength(N);
    expect(contacts.filter((c) => c.is_primary)).toHaveLength(1);
    expect(contacts[0]?.is_primary).toBe(true);
  });

  it(`${N} parallel creates of one e-mail for one customer: one 201, the rest 400, no 5xx`, async () => {
    const customer = await createCustomer(t.staff);
    const results = await Promise.all(
      Array.from({ length: N }, () =>
        t.staff.post('/api/contacts/', contactBody(customer.id, { email: 'Same@Example.com' })),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(N - 1);
    for (const r of results.filter((r) => r.status === 400)) {
      expect(r.body.errors.email).toEqual(['This customer already has a contact with this email.']);
    }
    expect(await contactsOf(customer.id)).toHaveLength(1);
  });

  it.runIf(grouped)(`${N} parallel creates commit in groups, each answered with its own contact`, async () => {
    const counter = async (name: string) =>
      Number(new RegExp(`^${name} (\\d+)`, 'm').exec((await t.anon.get('/metrics')).text)?.[1]);
    const [groupsBefore, createsBefore] = [
      await counter('ccm_contact_create_groups_total'),
      await counter('ccm_contact_creates_grouped_total'),
    ];
    const customer = await createCustomer(t.staff);
    const bodies = Array.from({ length: N }, () => contactBody(customer.id, { is_primary: false }));
    const results = await Promise.all(bodies.map((body) => t.staff.post('/api/contacts/', body)));
    results.forEach((r, i) => {
      expect(r.status, r.text).toBe(201);
      expect(r.body.data).toMatchObject({ customer: customer.id, email: bodies[i]!.email, is_primary: false });
    });
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(N);
    const groups = (await counter('ccm_contact_create_groups_total')) - groupsBefore;
    expect((await counter('ccm_contact_creates_grouped_total')) - createsBefore).toBe(N);
    expect(groups).toBeGreaterThan(0);
    expect(groups).toBeLessThan(N);
    expect(await contactsOf(customer.id)).toHaveLength(N);
  });

  it('the same creates through two processes at once (in groups in each): one 201 each, the twin a 400', async () => {
    const env = { DATABASE_URL: t.databaseUrl, RATE_LIMIT_PER_MINUTE: '0' };
    const servers = await Promise.all([spawnServer(env), spawnServer(env)]);
    try {
      const clients = await Promise.all(servers.map(signIn));
      const customers = await Promise.all(Array.from({ length: 3 }, () => createCustomer(t.staff)));
      const bodies = Array.from({ length: 40 }, (_, i) => contactBody(customers[i % 3]!.id, { is_primary: false }));
      // Each body goes to both processes at once.
      const results = await Promise.all(bodies.flatMap((body) => clients.map((c) => c.post('/api/contacts/', body))));
      bodies.forEach((_, i) => {
        const pair = [results[2 * i]!, results[2 * i + 1]!];
        expect(pair.map((r) => r.status).sort(), pair.map((r) => r.text).join('\n')).toEqual([201, 400]);
      });
      for (const c of customers)
        expect(await contactsOf(c.id)).toHaveLength(bodies.filter((b) => b.customer === c.id).length);
    } finally {
      await Promise.all(servers.map((s) => s.dispose()));
    }
  });

  it(`${N} parallel primary creates for one customer leave exactly one primary`, async () => {
    const customer = await createCustomer(t.staff);
    const results = await Promise.all(
      Array.from({ length: N }, () => t.staff.post('/api/contacts/', contactBody(customer.id, { is_primary: true }))),
    );
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const contacts = await contactsOf(customer.id);
    expect(contacts).toHaveLength(N);
    expect(contacts.filter((c) => c.is_primary)).toHaveLength(1);
  });

  it(`${N} parallel customer creates get ${N} distinct customer ids`, async () => {
    const results = await Promise.all(Array.from({ length: N }, () => createCustomer(t.staff)));
    const codes = new Set(results.map((c) => c.customer_id));
    expect(codes.size).toBe(N);
    for (const code of codes) expect(code).toMatch(/^CUST\d{6}$/);
  });

  it('parallel bulk creates that collide: no 5xx, every value once per customer, one primary at most', async () => {
    const customers = await Promise.all([createCustomer(t.staff), createCustomer(t.staff), createCustomer(t.staff)]);
    // Ten requests over the same 30 values: each value is wanted by every request.
    const wanted = Array.from({ length: 30 }, (_, i) => contactBody(customers[i % 3]!.id, { is_primary: i % 7 === 0 }));
    const requests = Array.from({ length: 10 }, (_, r) => {
      const rotated = [...wanted.slice(r * 3), ...wanted.slice(0, r * 3)];
      return t.staff.post('/api/contacts/bulk-create/', { contacts: rotated });
    });
    const results = await Promise.all(requests);
    for (const r of results) expect([201, 207, 400], JSON.stringify(r.body)).toContain(r.status);
    const created = results.flatMap((r) => (r.status === 400 ? [] : r.body.data.created_contacts));
    expect(created).toHaveLength(30);

    for (const customer of customers) {
      const contacts = await contactsOf(customer.id);
      expect(contacts).toHaveLength(10);
      for (const field of ['email', 'wa_number', 'tp_number'] as const) {
        expect(new Set(contacts.map((c) => c[field])).size).toBe(10);
      }
      expect(contacts.filter((c) => c.is_primary).length).toBeLessThanOrEqual(1);
    }
  });

  it('a primary set while others are being created and toggled stays the only one', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id, { is_primary: true });
    const others = await Promise.all(Array.from({ length: 10 }, () => createContact(t.staff, customer.id)));
    const results = await Promise.all([
      ...others.map((c) => t.staff.post(`/api/contacts/${c.id}/set-primary/`)),
      ...others.map((c) => t.staff.post(`/api/contacts/${c.id}/toggle-status/`)),
      ...others.map((c) => t.staff.patch(`/api/contacts/${c.id}/`, { is_primary: true })),
      t.staff.post(`/api/contacts/${first.id}/set-primary/`),
    ]);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const contacts = await contactsOf(customer.id);
    expect(contacts.filter((c) => c.is_primary)).toHaveLength(1);
  });
});
