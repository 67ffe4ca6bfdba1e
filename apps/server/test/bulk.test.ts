import type { Contact } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, operations } from './support/adapters.js';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const BULK = '/api/contacts/bulk-create/';
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const DUP_EMAIL = 'This customer already has a contact with this email.';
const DUP_WA = 'This customer already has a contact with this WhatsApp number.';
const DUP_TP = 'This customer already has a contact with this telephone number.';

type Row = Contact;

/** The customer's contacts as the API stores them. */
async function contactsOf(customerId: number): Promise<Row[]> {
  const res = await t.staff.get(`/api/customers/${customerId}/contacts/`);
  expect(res.status).toBe(200);
  return res.body.data.contacts;
}

async function stored(id: number) {
  const res = await t.staff.get(`/api/contacts/${id}/`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

describe('all items valid', () => {
  it('answers 201 "Created N contacts successfully" with the created contacts and no errors', async () => {
    const a = await createCustomer(t.staff, { first_name: 'John', last_name: 'Doe' });
    const b = await createCustomer(t.staff, { first_name: 'Jane', last_name: 'Roe' });
    const res = await t.staff.post(BULK, {
      contacts: [
        {
          customer: a.id,
          email: 'Contact1@Example.com',
          wa_number: '+94771234567',
          tp_number: '0112345678',
          is_primary: true,
          is_active: true,
        },
        {
          customer: b.id,
          email: 'contact2@example.com',
          wa_number: '0771234568',
          tp_number: '+94112345679',
          is_primary: false,
          is_active: true,
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Created 2 contacts successfully');
    expect(res.body.data.errors).toEqual([]);
    const created = res.body.data.created_contacts;
    expect(created).toHaveLength(2);
    expect(created[0]).toEqual({
      id: expect.any(Number),
      customer: a.id,
      customer_name: 'John Doe',
      customer_username: a.username,
      email: 'contact1@example.com',
      wa_number: '+94771234567',
      tp_number: '+94112345678',
      is_primary: true,
      is_active: true,
      contact_info: {
        email: 'contact1@example.com',
        whatsapp: '+94771234567',
        telephone: '+94112345678',
        is_primary: true,
      },
      created_at: expect.stringMatching(ISO_Z),
      updated_at: expect.stringMatching(ISO_Z),
      version: 1,
    });
    expect(created[1]).toMatchObject({
      customer: b.id,
      customer_name: 'Jane Roe',
      email: 'contact2@example.com',
      wa_number: '+94771234568',
      tp_number: '+94112345679',
      is_primary: false,
    });
    for (const c of created) expect(await stored(c.id)).toEqual(c);
  });

  it('applies the defaults (is_primary false, is_active true)', async () => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post(BULK, { contacts: [contactBody(customer.id)] });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Created 1 contacts successfully');
    expect(res.body.data.created_contacts[0]).toMatchObject({ is_primary: false, is_active: true });
  });

  it('the same values for different customers in one request are all accepted', async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff);
    const values = { email: 'same@bulk.example.com', wa_number: '0775550000', tp_number: '0115550000' };
    const res = await t.staff.post(BULK, {
      contacts: [
        { customer: a.id, ...values, is_primary: true },
        { customer: b.id, ...values, is_primary: true },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.created_contacts).toHaveLength(2);
    expect((await contactsOf(a.id)).map((c) => c.email)).toEqual(['same@bulk.example.com']);
    expect((await contactsOf(b.id)).map((c) => c.is_primary)).toEqual([true]);
  });

  it('a viewer may not bulk-create; anonymous gets 401', async () => {
    const customer = await createCustomer(t.staff);
    expect((await t.viewer.post(BULK, { contacts: [contactBody(customer.id)] })).status).toBe(403);
    expect((await t.anon.post(BULK, { contacts: [contactBody(customer.id)] })).status).toBe(401);
    expect(await contactsOf(customer.id)).toHaveLength(0);
  });
});

describe('some items invalid', () => {
  it('answers 207 with success:false, the failures by index, and creates the valid ones', async () => {
    const customer = await createCustomer(t.staff);
    const inactive = await createCustomer(t.staff, { is_active: false });
    const items = [
      contactBody(customer.id),
      contactBody(customer.id, { email: 'not-an-email' }),
      contactBody(customer.id),
      contactBody(customer.id, { wa_number: '0771' }),
      { email: 'x@example.com' },
      contactBody(987654),
      contactBody(inactive.id),
      contactBody(customer.id, { is_primary: 'yes' }),
      null,
      'a string',
      contactBody(customer.id),
    ];
    const res = await t.staff.post(BULK, { contacts: items });
    expect(res.status).toBe(207);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.message).toBe('string');

    const errors = res.body.data.errors as { index: number; errors: Record<string, string[]> }[];
    expect(errors.map((e) => e.index)).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
    const at = (i: number) => errors.find((e) => e.index === i)!.errors;
    expect(Object.keys(at(1))).toEqual(['email']);
    expect(Object.keys(at(3))).toEqual(['wa_number']);
    expect(at(4)).toEqual({
      customer: ['This field is required.'],
      wa_number: ['This field is required.'],
      tp_number: ['This field is required.'],
    });
    expect(Object.keys(at(5))).toEqual(['customer']);
    expect(Object.keys(at(6))).toEqual(['customer']);
    expect(Object.keys(at(7))).toEqual(['is_primary']);
    expect(Object.keys(at(8)).length).toBeGreaterThan(0);
    expect(Object.keys(at(9)).length).toBeGreaterThan(0);

    const created = res.body.data.created_contacts as Row[];
    expect(created.map((c) => c.email)).toEqual(
      [items[0], items[2], items[10]].map((i) => (i as { email: string }).email),
    );
    for (const c of created) expect((await stored(c.id)).email).toBe(c.email);
    expect((await contactsOf(customer.id)).map((c) => c.id).sort()).toEqual(created.map((c) => c.id).sort());
    expect(await contactsOf(inactive.id)).toHaveLength(0);
  });

  it('an item clashing with the database fails with the seed messages; the rest is created', async () => {
    const customer = await createCustomer(t.staff);
    const existing = await createContact(t.staff, customer.id, {
      email: 'Taken@Example.com',
      wa_number: '0775551111',
      tp_number: '0115551111',
    });
    const res = await t.staff.post(BULK, {
      contacts: [
        contactBody(customer.id, { email: ' TAKEN@example.com ' }),
        contactBody(customer.id, { wa_number: '+94775551111' }),
        contactBody(customer.id, { tp_number: '011 555 1111' }),
        contactBody(customer.id),
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.data.errors).toEqual([
      { index: 0, errors: { email: [DUP_EMAIL] } },
      { index: 1, errors: { wa_number: [DUP_WA] } },
      { index: 2, errors: { tp_number: [DUP_TP] } },
    ]);
    expect(res.body.data.created_contacts).toHaveLength(1);
    const ids = (await contactsOf(customer.id)).map((c) => c.id).sort();
    expect(ids).toEqual([existing.id, res.body.data.created_contacts[0].id].sort());
  });

  it('an item clashing with an earlier item of the same request fails; the earlier one is created', async () => {
    const customer = await createCustomer(t.staff);
    const first = contactBody(customer.id, { email: 'Batch.Dup@Example.com' });
    const res = await t.staff.post(BULK, {
      contacts: [
        first,
        contactBody(customer.id, { email: 'batch.dup@example.com' }),
        contactBody(customer.id, { wa_number: (first.wa_number as string).replace(/^0/, '+94') }),
        contactBody(customer.id, { tp_number: first.tp_number }),
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.data.errors).toEqual([
      { index: 1, errors: { email: [DUP_EMAIL] } },
      { index: 2, errors: { wa_number: [DUP_WA] } },
      { index: 3, errors: { tp_number: [DUP_TP] } },
    ]);
    expect(res.body.data.created_contacts.map((c: Row) => c.email)).toEqual(['batch.dup@example.com']);
    expect(await contactsOf(customer.id)).toHaveLength(1);
  });

  it('a failed item does not reserve its values for later items', async () => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post(BULK, {
      contacts: [
        // Fails on its phone number; its e-mail stays free.
        contactBody(customer.id, { email: 'free@bulk.example.com', wa_number: 'nope' }),
        contactBody(customer.id, { email: 'free@bulk.example.com' }),
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.data.errors.map((e: { index: number }) => e.index)).toEqual([0]);
    expect(res.body.data.created_contacts.map((c: Row) => c.email)).toEqual(['free@bulk.example.com']);
  });

  it.each(ADAPTERS)(
    'two primary items for one customer (%s): both created, the later one primary, 201',
    async (adapter) => {
      const customer = await createCustomer(t.staff);
      const other = await createCustomer(t.staff);
      const old = await createContact(t.staff, customer.id, { is_primary: true });
      const res = await operations(t.url, t.staff.token).call(adapter, 'contacts.bulkCreate', {
        contacts: [
          contactBody(customer.id, { is_primary: true }),
          contactBody(other.id, { is_primary: true }),
          contactBody(customer.id, { is_primary: true }),
          contactBody(customer.id, { is_primary: false }),
        ],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(adapter === 'rest' ? 201 : 200);
      expect(res.data.errors).toEqual([]);
      const made: Row[] = res.data.created_contacts;
      // Each item as if created after the ones before it: the answer shows the first demoted by the third.
      expect(made.map((c) => c.is_primary)).toEqual([false, true, true, false]);
      const contacts = await contactsOf(customer.id);
      expect(contacts).toHaveLength(4);
      expect(contacts.filter((c) => c.is_primary).map((c) => c.id)).toEqual([made[2]!.id]);
      expect(contacts.find((c) => c.id === old.id)?.is_primary).toBe(false);
      expect((await contactsOf(other.id)).filter((c) => c.is_primary).map((c) => c.id)).toEqual([made[1]!.id]);
    },
  );

  it('a primary item that fails does not count as the batch primary', async () => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post(BULK, {
      contacts: [
        contactBody(customer.id, { is_primary: true, email: 'broken' }),
        contactBody(customer.id, { is_primary: true }),
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.data.errors.map((e: { index: number }) => e.index)).toEqual([0]);
    expect(res.body.data.created_contacts[0].is_primary).toBe(true);
    expect((await contactsOf(customer.id)).filter((c) => c.is_primary)).toHaveLength(1);
  });

  it('a primary item demotes the customer’s existing primary', async () => {
    const customer = await createCustomer(t.staff);
    const old = await createContact(t.staff, customer.id, { is_primary: true });
    const keep = await createCustomer(t.staff);
    const kept = await createContact(t.staff, keep.id, { is_primary: true });
    const res = await t.staff.post(BULK, { contacts: [contactBody(customer.id, { is_primary: true })] });
    expect(res.status).toBe(201);
    const made = res.body.data.created_contacts[0];
    expect(made.is_primary).toBe(true);
    expect((await stored(old.id)).is_primary).toBe(false);
    const primaries = (await contactsOf(customer.id)).filter((c) => c.is_primary).map((c) => c.id);
    expect(primaries).toEqual([made.id]);
    expect((await stored(kept.id)).is_primary).toBe(true);
  });

  it('a non-primary item keeps the existing primary', async () => {
    const customer = await createCustomer(t.staff);
    const old = await createContact(t.staff, customer.id, { is_primary: true });
    const res = await t.staff.post(BULK, { contacts: [contactBody(customer.id)] });
    expect(res.status).toBe(201);
    expect((await stored(old.id)).is_primary).toBe(true);
  });

  it('when no item is valid: a 400 naming each failed field by its item, and nothing is created', async () => {
    const customer = await createCustomer(t.staff);
    const existing = await createContact(t.staff, customer.id);
    const res = await t.staff.post(BULK, {
      contacts: [
        contactBody(customer.id, { email: 'bad' }),
        contactBody(customer.id, { tp_number: 'x' }),
        contactBody(customer.id, { email: existing.email }),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors).sort()).toEqual([
      'contacts.0.email',
      'contacts.1.tp_number',
      'contacts.2.email',
    ]);
    expect(res.body.errors['contacts.2.email']).toEqual([DUP_EMAIL]);
    expect((await contactsOf(customer.id)).map((c) => c.id)).toEqual([existing.id]);
  });
});

describe('the request itself', () => {
  it.each([
    ['missing', {}],
    ['empty', { contacts: [] }],
    ['an object', { contacts: { customer: 1 } }],
    ['a string', { contacts: 'all of them' }],
    ['null', { contacts: null }],
  ])('`contacts` %s is a 400 on contacts', async (_label, body) => {
    const res = await t.staff.post(BULK, body);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors)).toEqual(['contacts']);
  });

  it('a body that is a bare list is a 400', async () => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post(BULK, [contactBody(customer.id)]);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(await contactsOf(customer.id)).toHaveLength(0);
  });

  it('more than 1000 items is a 400 and creates nothing', async () => {
    const customer = await createCustomer(t.staff);
    const items = Array.from({ length: 1001 }, (_, i) => ({
      customer: customer.id,
      email: `over${i}@bulk.example.com`,
      wa_number: `+94771${String(i).padStart(6, '0')}`,
      tp_number: `+94112${String(i).padStart(6, '0')}`,
    }));
    const res = await t.staff.post(BULK, { contacts: items });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(['contacts']);
    expect(await contactsOf(customer.id)).toHaveLength(0);
  });

  it('exactly 1000 valid items are created, quickly', async () => {
    const customers = [await createCustomer(t.staff), await createCustomer(t.staff)];
    const items = Array.from({ length: 1000 }, (_, i) => ({
      customer: customers[i % 2]!.id,
      email: `bulk${i}@Thousand.example.com`,
      wa_number: `0772${String(i).padStart(6, '0')}`,
      tp_number: `+94113${String(i).padStart(6, '0')}`,
      is_primary: i === 998,
    }));
    const started = performance.now();
    const res = await t.staff.post(BULK, { contacts: items });
    const elapsed = performance.now() - started;
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
    expect(res.body.message).toBe('Created 1000 contacts successfully');
    expect(res.body.data.errors).toEqual([]);
    const created = res.body.data.created_contacts as Row[];
    expect(created).toHaveLength(1000);
    expect(new Set(created.map((c) => c.id)).size).toBe(1000);
    expect(created.map((c) => c.email)).toEqual(items.map((i) => i.email.toLowerCase()));
    expect(created[0]!.wa_number).toBe('+94772000000');
    expect(elapsed).toBeLessThan(5000);

    const list = await t.staff.get(`/api/contacts/?customer_id=${customers[0]!.id}&page_size=1`);
    expect(list.body.data.count).toBe(500);
    const primaries = await t.staff.get(`/api/contacts/?customer_id=${customers[0]!.id}&is_primary=true`);
    expect(primaries.body.data.results.map((c: Row) => c.email)).toEqual(['bulk998@thousand.example.com']);
    expect((await stored(created[999]!.id)).email).toBe('bulk999@thousand.example.com');
  });
});
