import type { Contact } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { Res } from './support/http.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const CONTACT_KEYS = [
  'contact_info',
  'created_at',
  'customer',
  'customer_name',
  'customer_username',
  'email',
  'id',
  'is_active',
  'is_primary',
  'tp_number',
  'updated_at',
  'version',
  'wa_number',
];
const WITH_CONTACTS_KEYS = [
  'contacts',
  'customer_id',
  'email',
  'first_name',
  'full_name',
  'id',
  'is_verified',
  'last_name',
  'nic',
  'primary_contact',
  'username',
  'version',
];

const ids = (list: { id: number }[]) => list.map((x) => x.id);

/** The contact as GET /api/contacts/{id}/ shows it now. */
async function fresh(id: number) {
  const res = await t.staff.get(`/api/contacts/${id}/`);
  expect(res.status).toBe(200);
  return res.body.data;
}

/** rel → URL of a `Link` header. */
function links(res: Res): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (res.headers.get('link') ?? '').matchAll(/<([^>]+)>\s*;\s*rel="([^"]+)"/g)) out[m[2]!] = m[1]!;
  return out;
}

describe('GET /api/customers/{id}/contacts/', () => {
  it('answers the customer reference and its contacts: primary first, then newest', async () => {
    const c = await createCustomer(t.staff, { first_name: 'John', last_name: 'Doe' });
    const oldest = await createContact(t.staff, c.id);
    const primary = await createContact(t.staff, c.id, { is_primary: true });
    const inactive = await createContact(t.staff, c.id, { is_active: false });
    const newest = await createContact(t.staff, c.id);

    const res = await t.viewer.get(`/api/customers/${c.id}/contacts/`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Customer contacts retrieved successfully');
    expect(Object.keys(res.body.data).sort()).toEqual(['contacts', 'customer']);
    expect(res.body.data.customer).toEqual({
      id: c.id,
      customer_id: c.customer_id,
      full_name: 'John Doe',
      username: c.username,
    });
    expect(ids(res.body.data.contacts)).toEqual([primary.id, newest.id, inactive.id, oldest.id]);
    for (const contact of res.body.data.contacts) {
      expect(Object.keys(contact).sort()).toEqual(CONTACT_KEYS);
      expect(contact).toEqual(await fresh(contact.id));
      expect(contact.customer_name).toBe('John Doe');
      expect(contact.customer_username).toBe(c.username);
    }
  });

  it('follows a change of primary', async () => {
    const c = await createCustomer(t.staff);
    const first = await createContact(t.staff, c.id, { is_primary: true });
    const second = await createContact(t.staff, c.id);
    const third = await createContact(t.staff, c.id);
    expect((await t.staff.post(`/api/contacts/${second.id}/set-primary/`)).status).toBe(200);

    const res = await t.staff.get(`/api/customers/${c.id}/contacts/`);
    expect(ids(res.body.data.contacts)).toEqual([second.id, third.id, first.id]);
    expect(res.body.data.contacts.map((x: Contact) => x.is_primary)).toEqual([true, false, false]);
  });

  it('shows the customer’s current name', async () => {
    const c = await createCustomer(t.staff, { first_name: 'Before', last_name: 'Rename' });
    await createContact(t.staff, c.id);
    expect((await t.staff.patch(`/api/customers/${c.id}/`, { first_name: 'After' })).status).toBe(200);
    const res = await t.staff.get(`/api/customers/${c.id}/contacts`);
    expect(res.body.data.customer.full_name).toBe('After Rename');
    expect(res.body.data.contacts[0].customer_name).toBe('After Rename');
  });

  it('answers an empty list for a customer without contacts, and only that customer’s contacts', async () => {
    const lonely = await createCustomer(t.staff);
    const other = await createCustomer(t.staff);
    await createContact(t.staff, other.id);
    const res = await t.staff.get(`/api/customers/${lonely.id}/contacts/`);
    expect(res.status).toBe(200);
    expect(res.body.data.contacts).toEqual([]);
    const theirs = await t.staff.get(`/api/customers/${other.id}/contacts/`);
    for (const contact of theirs.body.data.contacts) expect(contact.customer).toBe(other.id);
  });

  it('answers 404 for a missing customer', async () => {
    const res = await t.staff.get('/api/customers/987654321/contacts/');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Customer not found.' });
    for (const id of ['abc', '0', '-3']) {
      expect((await t.staff.get(`/api/customers/${id}/contacts/`)).status, id).toBe(404);
    }
  });

  it('needs a token', async () => {
    const c = await createCustomer(t.staff);
    expect((await t.anon.get(`/api/customers/${c.id}/contacts/`)).status).toBe(401);
  });
});

describe('GET /api/customers-with-contacts/', () => {
  /** This customer's entry, from the first page of 100 (newest customers first). */
  async function entryOf(customerId: number) {
    const res = await t.viewer.get('/api/customers-with-contacts/?page_size=100');
    expect(res.status).toBe(200);
    const entry = res.body.data.find((x: { id: number }) => x.id === customerId);
    expect(entry, `customer ${customerId} in the first page`).toBeDefined();
    return entry;
  }

  it('answers the seed envelope: an array of customers with their contacts', async () => {
    const c = await createCustomer(t.staff, { first_name: 'Jane', last_name: 'Roe', is_verified: true });
    const primary = await createContact(t.staff, c.id, { is_primary: true });
    const other = await createContact(t.staff, c.id);

    const res = await t.viewer.get('/api/customers-with-contacts/');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Customers with contacts retrieved successfully');
    expect(Array.isArray(res.body.data)).toBe(true);
    for (const entry of res.body.data) expect(Object.keys(entry).sort()).toEqual(WITH_CONTACTS_KEYS);

    const entry = await entryOf(c.id);
    expect(entry).toMatchObject({
      id: c.id,
      customer_id: c.customer_id,
      username: c.username,
      email: c.email,
      first_name: 'Jane',
      last_name: 'Roe',
      full_name: 'Jane Roe',
      nic: c.nic,
      is_verified: true,
    });
    expect(ids(entry.contacts)).toEqual([primary.id, other.id]);
    expect(entry.contacts).toEqual([await fresh(primary.id), await fresh(other.id)]);
    expect(entry.primary_contact).toEqual(await fresh(primary.id));
  });

  it('gives primary_contact null when there is no primary, or the primary is inactive', async () => {
    const none = await createCustomer(t.staff);
    await createContact(t.staff, none.id);
    const dormant = await createCustomer(t.staff);
    const inactivePrimary = await createContact(t.staff, dormant.id, { is_primary: true, is_active: false });
    const active = await createContact(t.staff, dormant.id);
    const empty = await createCustomer(t.staff);

    expect((await entryOf(none.id)).primary_contact).toBeNull();
    const d = await entryOf(dormant.id);
    expect(d.primary_contact).toBeNull();
    expect(ids(d.contacts)).toEqual([inactivePrimary.id, active.id]);
    const e = await entryOf(empty.id);
    expect(e.contacts).toEqual([]);
    expect(e.primary_contact).toBeNull();
  });

  it('follows the primary contact’s status', async () => {
    const c = await createCustomer(t.staff);
    const p = await createContact(t.staff, c.id, { is_primary: true });
    expect((await entryOf(c.id)).primary_contact.id).toBe(p.id);

    const off = await t.staff.post(`/api/contacts/${p.id}/toggle-status/`);
    expect(off.body.message).toBe('Contact deactivated successfully');
    expect((await entryOf(c.id)).primary_contact).toBeNull();

    const on = await t.staff.post(`/api/contacts/${p.id}/toggle-status/`);
    expect(on.body.message).toBe('Contact activated successfully');
    expect((await entryOf(c.id)).primary_contact).toEqual(await fresh(p.id));

    const q = await createContact(t.staff, c.id, { is_primary: true });
    const entry = await entryOf(c.id);
    expect(entry.primary_contact.id).toBe(q.id);
    expect(entry.contacts.filter((x: Contact) => x.is_primary)).toHaveLength(1);
  });

  it('pages with page/page_size, the total in X-Total-Count and the neighbours in Link', async () => {
    // The newest customers come first; these three are the newest of the database.
    const c1 = await createCustomer(t.staff);
    const c2 = await createCustomer(t.staff);
    const c3 = await createCustomer(t.staff);

    const all = await t.staff.get('/api/customers/?page_size=100');
    const total = all.body.data.count as number;
    expect(total).toBeGreaterThanOrEqual(3);
    const size = 2;
    const lastPage = Math.ceil(total / size);
    expect(lastPage).toBeGreaterThanOrEqual(2);

    const p1 = await t.staff.get(`/api/customers-with-contacts/?page_size=${size}`);
    expect(p1.status).toBe(200);
    expect(p1.headers.get('x-total-count')).toBe(String(total));
    expect(ids(p1.body.data)).toEqual([c3.id, c2.id]);
    const l1 = links(p1);
    expect(Object.keys(l1)).toEqual(['next']);
    const next = new URL(l1.next!);
    expect(`${next.protocol}//${next.host}`).toBe(t.url);
    expect(next.pathname).toBe('/api/customers-with-contacts/');
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('page_size')).toBe(String(size));

    // Follow `next` as a client would: the absolute URL as given.
    const p2 = await t.staff.get(l1.next!.slice(t.url.length));
    expect(p2.status).toBe(200);
    expect(p2.headers.get('x-total-count')).toBe(String(total));
    expect(p2.body.data[0].id).toBe(c1.id);
    const l2 = links(p2);
    expect(l2.prev).toBeDefined();
    expect(new URL(l2.prev!).searchParams.get('page')).toBeNull();
    expect(new URL(l2.prev!).searchParams.get('page_size')).toBe(String(size));
    if (lastPage > 2) expect(new URL(l2.next!).searchParams.get('page')).toBe('3');
    else expect(l2.next).toBeUndefined();

    const last = await t.staff.get(`/api/customers-with-contacts/?page_size=${size}&page=${lastPage}`);
    expect(last.status).toBe(200);
    expect(last.body.data).toHaveLength(total - (lastPage - 1) * size);
    const lLast = links(last);
    expect(Object.keys(lLast)).toEqual(['prev']);
    expect(new URL(lLast.prev!).searchParams.get('page')).toBe(lastPage - 1 === 1 ? null : String(lastPage - 1));

    // Every customer once, across the pages.
    const seen: number[] = [];
    for (let page = 1; page <= lastPage; page++) {
      const res = await t.staff.get(`/api/customers-with-contacts/?page_size=${size}&page=${page}`);
      seen.push(...ids(res.body.data));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...seen].sort((a, b) => a - b)).toEqual(ids(all.body.data.results).sort((a, b) => a - b));
  });

  it('has no Link header when everything fits on one page', async () => {
    await createCustomer(t.staff);
    const res = await t.staff.get('/api/customers-with-contacts/?page_size=100');
    expect(res.status).toBe(200);
    const total = Number(res.headers.get('x-total-count'));
    expect(total).toBeLessThanOrEqual(100);
    expect(res.body.data).toHaveLength(total);
    expect(res.headers.get('link')).toBeNull();
  });

  it('defaults to pages of 20', async () => {
    while (Number((await t.staff.get('/api/customers/')).body.data.count) <= 20) await createCustomer(t.staff);
    const res = await t.staff.get('/api/customers-with-contacts/');
    expect(res.body.data).toHaveLength(20);
    expect(links(res).next).toBeDefined();
  });

  it('answers 404 "Invalid page." past the end', async () => {
    const total = Number((await t.staff.get('/api/customers-with-contacts/')).headers.get('x-total-count'));
    const res = await t.staff.get(`/api/customers-with-contacts/?page_size=10&page=${Math.ceil(total / 10) + 1}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Invalid page.' });
  });

  it('answers 400 for a bad page or page_size', async () => {
    for (const q of ['page=0', 'page=x', 'page_size=0', 'page_size=101']) {
      const res = await t.staff.get(`/api/customers-with-contacts/?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.errors[q.split('=')[0]!], q).toBeDefined();
    }
  });

  it('needs a token', async () => {
    expect((await t.anon.get('/api/customers-with-contacts/')).status).toBe(401);
  });
});

describe('GET /api/contacts/stats/', () => {
  const stats = async () => {
    const res = await t.viewer.get('/api/contacts/stats/');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    return res.body.data as Record<string, number>;
  };

  /** The same figures, counted through the list routes. */
  async function counted() {
    const count = async (path: string) => {
      const res = await t.staff.get(path);
      expect(res.status, path).toBe(200);
      return res.body.data.count as number;
    };
    const customers = await count('/api/customers/?page_size=1');
    let withContacts = 0;
    const pages = Math.ceil(customers / 100);
    for (let page = 1; page <= pages; page++) {
      const res = await t.staff.get(`/api/customers-with-contacts/?page_size=100&page=${page}`);
      withContacts += res.body.data.filter((c: { contacts: unknown[] }) => c.contacts.length > 0).length;
    }
    return {
      total_contacts: await count('/api/contacts/?page_size=1'),
      active_contacts: await count('/api/contacts/?page_size=1&is_active=true'),
      inactive_contacts: await count('/api/contacts/?page_size=1&is_active=false'),
      primary_contacts: await count('/api/contacts/?page_size=1&is_primary=true'),
      customers_with_contacts: withContacts,
      customers_without_contacts: customers - withContacts,
    };
  }

  it('has the six figures of the seed', async () => {
    const s = await stats();
    expect(Object.keys(s).sort()).toEqual([
      'active_contacts',
      'customers_with_contacts',
      'customers_without_contacts',
      'inactive_contacts',
      'primary_contacts',
      'total_contacts',
    ]);
    for (const v of Object.values(s)) expect(Number.isInteger(v) && v >= 0).toBe(true);
  });

  it('counts every write', async () => {
    const before = await stats();

    // A: three contacts, one deactivated; the primary moves from a1 to a2.
    const a = await createCustomer(t.staff);
    const a1 = await createContact(t.staff, a.id, { is_primary: true });
    const a2 = await createContact(t.staff, a.id);
    const a3 = await createContact(t.staff, a.id);
    expect((await t.staff.post(`/api/contacts/${a3.id}/toggle-status/`)).status).toBe(200);
    expect((await t.staff.post(`/api/contacts/${a2.id}/set-primary/`)).status).toBe(200);
    expect((await fresh(a1.id)).is_primary).toBe(false);
    // B: one contact, primary and inactive from the start.
    const b = await createCustomer(t.staff);
    await createContact(t.staff, b.id, { is_primary: true, is_active: false });
    // C: no contact.
    await createCustomer(t.staff);
    // D: a contact, then deleted: no contact.
    const d = await createCustomer(t.staff);
    const d1 = await createContact(t.staff, d.id);
    expect((await t.staff.delete(`/api/contacts/${d1.id}/`)).status).toBe(204);
    // E: an inactive customer without contacts.
    await createCustomer(t.staff, { is_active: false });
    // F: two contacts, then the customer is deleted with them.
    const f = await createCustomer(t.staff);
    await createContact(t.staff, f.id, { is_primary: true });
    await createContact(t.staff, f.id, { is_active: false });
    expect((await t.staff.delete(`/api/customers/${f.id}/`)).status).toBe(204);
    // G: a contact through bulk create, then made inactive by PATCH.
    const g = await createCustomer(t.staff);
    const bulk = await t.staff.post('/api/contacts/bulk-create/', {
      contacts: [{ customer: g.id, email: 'g1@example.com', wa_number: '0779990001', tp_number: '0112999001' }],
    });
    expect(bulk.status).toBe(201);
    const g1 = bulk.body.data.created_contacts[0];
    expect((await t.staff.patch(`/api/contacts/${g1.id}/`, { is_active: false })).status).toBe(200);

    const after = await stats();
    expect({
      total_contacts: after.total_contacts! - before.total_contacts!,
      active_contacts: after.active_contacts! - before.active_contacts!,
      inactive_contacts: after.inactive_contacts! - before.inactive_contacts!,
      primary_contacts: after.primary_contacts! - before.primary_contacts!,
      customers_with_contacts: after.customers_with_contacts! - before.customers_with_contacts!,
      customers_without_contacts: after.customers_without_contacts! - before.customers_without_contacts!,
    }).toEqual({
      total_contacts: 5, // a1, a2, a3, b1, g1
      active_contacts: 2, // a1, a2
      inactive_contacts: 3, // a3, b1, g1
      primary_contacts: 2, // a2, b1 (a primary counts whether active or not)
      customers_with_contacts: 3, // A, B, G
      customers_without_contacts: 3, // C, D, E
    });
  });

  it('agrees with the list routes', async () => {
    const c = await createCustomer(t.staff);
    await createContact(t.staff, c.id, { is_primary: true, is_active: false });
    await createContact(t.staff, c.id);
    await createCustomer(t.staff);
    const s = await stats();
    expect(s).toEqual(await counted());
    expect(s.total_contacts).toBe(s.active_contacts! + s.inactive_contacts!);
  });

  it('is not taken for a contact id, and needs a token', async () => {
    const res = await t.staff.get('/api/contacts/stats');
    expect(res.status).toBe(200);
    expect(res.body.data.total_contacts).toBeTypeOf('number');
    expect((await t.anon.get('/api/contacts/stats/')).status).toBe(401);
  });
});
