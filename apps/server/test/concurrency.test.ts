import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact, createCustomer } from './support/factories.js';
import { type TestServer, startTestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('concurrent writes', () => {
  it('parallel set-primary calls on one customer end with exactly one primary', async () => {
    const customer = await createCustomer(t.staff);
    const contacts = [];
    for (let i = 0; i < 20; i++) contacts.push(await createContact(t.staff, customer.id));

    const results = await Promise.all(contacts.map((c) => t.staff.post(`/api/contacts/${c.id}/set-primary/`)));
    for (const r of results) expect(r.status).toBe(200);

    const list = await t.staff.get(`/api/customers/${customer.id}/contacts/`);
    const primaries = list.body.data.contacts.filter((c: { is_primary: boolean }) => c.is_primary);
    expect(primaries).toHaveLength(1);
    expect(list.body.data.contacts[0].is_primary).toBe(true);
  });

  it('parallel creates of one e-mail for one customer give one 201 and 400s, never a 5xx', async () => {
    const customer = await createCustomer(t.staff);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.staff.post('/api/contacts/', {
          customer: customer.id,
          email: 'Same@Example.com',
          wa_number: `07712${String(10000 + i)}`,
          tp_number: `01123${String(10000 + i)}`,
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const r of results.filter((r) => r.status === 400)) {
      expect(r.body.errors.email).toEqual(['This customer already has a contact with this email.']);
    }
  });

  it('parallel customer creates get distinct customer ids', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => createCustomer(t.staff)),
    );
    const ids = new Set(results.map((c) => c.customer_id));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^CUST\d{6}$/);
  });
});
