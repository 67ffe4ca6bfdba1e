import { describe, expect, it } from 'vitest';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const REQUIRED = 'This field is required.';
const DUP_EMAIL = 'This customer already has a contact with this email.';
const DUP_WA = 'This customer already has a contact with this WhatsApp number.';
const DUP_TP = 'This customer already has a contact with this telephone number.';

/** The contacts of a customer as the API reports them (primary first, then newest). */
async function contactsOf(customerId: number) {
  const res = await t.staff.get(`/api/customers/${customerId}/contacts/`);
  expect(res.status).toBe(200);
  return res.body.data.contacts as { id: number; is_primary: boolean; email: string }[];
}

async function getContact(id: number) {
  const res = await t.staff.get(`/api/contacts/${id}/`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

describe('create', () => {
  it('answers 201 with the seed message and the full contact shape', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'John', last_name: 'Doe' });
    const res = await t.staff.post('/api/contacts/', {
      customer: customer.id,
      email: 'contact@example.com',
      wa_number: '+94771234567',
      tp_number: '+94112345678',
      is_primary: true,
      is_active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      message: 'Customer contact created successfully',
      data: {
        id: expect.any(Number),
        customer: customer.id,
        customer_name: 'John Doe',
        customer_username: customer.username,
        email: 'contact@example.com',
        wa_number: '+94771234567',
        tp_number: '+94112345678',
        is_primary: true,
        is_active: true,
        contact_info: {
          email: 'contact@example.com',
          whatsapp: '+94771234567',
          telephone: '+94112345678',
          is_primary: true,
        },
        created_at: expect.stringMatching(ISO_Z),
        updated_at: expect.stringMatching(ISO_Z),
        version: 1,
      },
    });
    expect(Number.isInteger(res.body.data.id) && res.body.data.id > 0).toBe(true);
    const created = Date.parse(res.body.data.created_at);
    expect(Math.abs(created - Date.now())).toBeLessThan(60_000);
  });

  it('defaults is_primary to false and is_active to true', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    expect(contact.is_primary).toBe(false);
    expect(contact.is_active).toBe(true);
    expect(contact.contact_info.is_primary).toBe(false);
  });

  it('can create an inactive, non-primary contact', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { is_active: false, is_primary: false });
    expect(contact.is_active).toBe(false);
    expect((await getContact(contact.id)).is_active).toBe(false);
  });

  it('refuses a missing customer with errors.customer', async () => {
    const res = await t.staff.post('/api/contacts/', contactBody(987654));
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.errors.customer).toHaveLength(1);
    expect(typeof res.body.errors.customer[0]).toBe('string');
  });

  it.each([2147483648, Number.MAX_SAFE_INTEGER])(
    'refuses a customer id beyond any row (%d) with errors.customer',
    async (id) => {
      const res = await t.staff.post('/api/contacts/', contactBody(id));
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors)).toEqual(['customer']);
    },
  );

  it('refuses an inactive customer with errors.customer, and accepts it once reactivated', async () => {
    const customer = await createCustomer(t.staff, { is_active: false });
    expect(customer.is_active).toBe(false);
    const body = contactBody(customer.id);
    const res = await t.staff.post('/api/contacts/', body);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.errors.customer).toHaveLength(1);
    expect(await contactsOf(customer.id)).toHaveLength(0);

    const patched = await t.staff.patch(`/api/customers/${customer.id}/`, { is_active: true });
    expect(patched.status).toBe(200);
    const again = await t.staff.post('/api/contacts/', body);
    expect(again.status).toBe(201);
  });
});

describe('required fields and validation', () => {
  it('missing fields each get "This field is required."', async () => {
    const res = await t.staff.post('/api/contacts/', {});
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.message).toBe('string');
    expect(res.body.errors).toEqual({
      customer: [REQUIRED],
      email: [REQUIRED],
      wa_number: [REQUIRED],
      tp_number: [REQUIRED],
    });
  });

  it.each(['email', 'wa_number', 'tp_number', 'customer'])(
    'a body without %s is refused on that field',
    async (field) => {
      const customer = await createCustomer(t.staff);
      const body: Record<string, unknown> = contactBody(customer.id);
      delete body[field];
      const res = await t.staff.post('/api/contacts/', body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({ [field]: [REQUIRED] });
      expect(await contactsOf(customer.id)).toHaveLength(0);
    },
  );

  it.each(['not-an-email', 'a@', '@example.com', 'a b@example.com', ''])('a bad email %j is refused', async (email) => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { email }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(['email']);
    expect(res.body.errors.email.length).toBeGreaterThan(0);
  });

  it.each(['abc', '0771', '1234567', '+9477123456789', '077123456x', '', '   ', '0'.repeat(40)])(
    'a bad phone number %j is refused on both phone fields',
    async (number) => {
      const customer = await createCustomer(t.staff);
      const wa = await t.staff.post('/api/contacts/', contactBody(customer.id, { wa_number: number }));
      expect(wa.status).toBe(400);
      expect(Object.keys(wa.body.errors)).toEqual(['wa_number']);
      const tp = await t.staff.post('/api/contacts/', contactBody(customer.id, { tp_number: number }));
      expect(tp.status).toBe(400);
      expect(Object.keys(tp.body.errors)).toEqual(['tp_number']);
      expect(await contactsOf(customer.id)).toHaveLength(0);
    },
  );

  it.each([
    ['is_primary', 'yes'],
    ['is_primary', 1],
    ['is_active', 'true'],
    ['is_active', null],
    ['customer', 'abc'],
    ['customer', 1.5],
    ['customer', 0],
    ['customer', -3],
    ['email', 42],
    ['wa_number', 771234567],
    ['tp_number', ['0112345678']],
  ])('a wrong type %s=%j is refused on that field', async (field, value) => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { [field]: value }));
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors)).toEqual([field]);
    expect(await contactsOf(customer.id)).toHaveLength(0);
  });

  it('a customer id given as a numeric string is refused (ids are JSON numbers)', async () => {
    const customer = await createCustomer(t.staff);
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { customer: String(customer.id) }));
    expect(res.status).toBe(400);
    expect(res.body.errors.customer).toBeDefined();
  });
});

describe('phone numbers and e-mail normalization', () => {
  it('stores numbers in E.164', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { wa_number: '0771234567', tp_number: '+94112345678' });
    expect(contact.wa_number).toBe('+94771234567');
    expect(contact.tp_number).toBe('+94112345678');
    expect(contact.contact_info.whatsapp).toBe('+94771234567');
    expect(contact.contact_info.telephone).toBe('+94112345678');
    const read = await getContact(contact.id);
    expect(read.wa_number).toBe('+94771234567');
    expect(read.tp_number).toBe('+94112345678');
  });

  it('reads national numbers with separators', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, {
      wa_number: '077-765-4321',
      tp_number: '(011) 234 5678',
    });
    expect(contact.wa_number).toBe('+94777654321');
    expect(contact.tp_number).toBe('+94112345678');
  });

  it('accepts international numbers', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, {
      wa_number: '+14155552671',
      tp_number: '+44 20 7183 8750',
    });
    expect(contact.wa_number).toBe('+14155552671');
    expect(contact.tp_number).toBe('+442071838750');
  });

  it('trims and lower-cases the e-mail', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { email: '  Mixed.Case@Example.COM  ' });
    expect(contact.email).toBe('mixed.case@example.com');
    expect(contact.contact_info.email).toBe('mixed.case@example.com');
    expect((await getContact(contact.id)).email).toBe('mixed.case@example.com');
  });
});

describe('uniqueness per customer', () => {
  it('e-mail is unique per customer, case-insensitively', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { email: 'Dup@Example.com' });
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { email: ' dup@EXAMPLE.com ' }));
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.errors).toEqual({ email: [DUP_EMAIL] });
    expect(await contactsOf(customer.id)).toHaveLength(1);
  });

  it('WhatsApp number is unique per customer, comparing the normalized form', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { wa_number: '+94771112233' });
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { wa_number: '0771112233' }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ wa_number: [DUP_WA] });
  });

  it('telephone number is unique per customer, comparing the normalized form', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { tp_number: '0112223344' });
    const res = await t.staff.post('/api/contacts/', contactBody(customer.id, { tp_number: '+94 11 222 3344' }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ tp_number: [DUP_TP] });
  });

  it('reports every clashing field at once', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id);
    const res = await t.staff.post('/api/contacts/', {
      customer: customer.id,
      email: first.email,
      wa_number: first.wa_number,
      tp_number: first.tp_number,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ email: [DUP_EMAIL], wa_number: [DUP_WA], tp_number: [DUP_TP] });
  });

  it('the same values are allowed for a different customer', async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff);
    const values = { email: 'shared@example.com', wa_number: '0779998877', tp_number: '0117654321' };
    const ca = await createContact(t.staff, a.id, values);
    const cb = await createContact(t.staff, b.id, values);
    expect(cb.id).not.toBe(ca.id);
    expect(cb.email).toBe(ca.email);
    expect(cb.wa_number).toBe(ca.wa_number);
    expect(cb.tp_number).toBe(ca.tp_number);
  });

  it('the same number may be both the WhatsApp and the telephone number of one contact', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { wa_number: '0771231231', tp_number: '0771231231' });
    expect(contact.wa_number).toBe('+94771231231');
    expect(contact.tp_number).toBe('+94771231231');
  });
});

describe('get', () => {
  it('answers 200 with the seed message', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'Jane', last_name: 'Roe' });
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.get(`/api/contacts/${contact.id}/`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Contact retrieved successfully', data: contact });
    expect(res.body.data.customer_name).toBe('Jane Roe');
  });

  it('answers without the trailing slash too', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.get(`/api/contacts/${contact.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(contact.id);
  });

  it('a read-only user can read a contact', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.viewer.get(`/api/contacts/${contact.id}/`);
    expect(res.status).toBe(200);
  });

  it('answers 404 for a missing id', async () => {
    for (const id of ['2147483648', String(Number.MAX_SAFE_INTEGER)]) {
      expect((await t.staff.get(`/api/contacts/${id}/`)).status, id).toBe(404);
    }
    const res = await t.staff.get('/api/contacts/999999/');
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.message).toBe('string');
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '9007199254740992'])(
    'answers 404 for the non-id %j',
    async (id) => {
      for (const path of [`/api/contacts/${id}/`, `/api/contacts/${id}`]) {
        const res = await t.staff.get(path);
        expect(res.status, path).toBe(404);
        expect(res.body.success).toBe(false);
      }
      const patch = await t.staff.patch(`/api/contacts/${id}/`, { is_active: false });
      expect(patch.status).toBe(404);
      const del = await t.staff.delete(`/api/contacts/${id}/`);
      expect(del.status).toBe(404);
      const setPrimary = await t.staff.post(`/api/contacts/${id}/set-primary/`);
      expect(setPrimary.status).toBe(404);
    },
  );
});

describe('PUT', () => {
  it('replaces the contact fields and answers "Contact updated successfully"', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.put(`/api/contacts/${contact.id}/`, {
      email: 'Updated.Contact@Example.com',
      wa_number: '0771234568',
      tp_number: '+94112345679',
      is_primary: false,
      is_active: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Contact updated successfully');
    expect(res.body.data).toMatchObject({
      id: contact.id,
      customer: customer.id,
      email: 'updated.contact@example.com',
      wa_number: '+94771234568',
      tp_number: '+94112345679',
      is_primary: false,
      is_active: true,
      contact_info: {
        email: 'updated.contact@example.com',
        whatsapp: '+94771234568',
        telephone: '+94112345679',
        is_primary: false,
      },
      created_at: contact.created_at,
    });
    expect(res.body.data.updated_at).toMatch(ISO_Z);
    expect(Date.parse(res.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(contact.updated_at));
    expect(await getContact(contact.id)).toEqual(res.body.data);
  });

  it('needs email, wa_number and tp_number', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.put(`/api/contacts/${contact.id}/`, { is_active: false });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ email: [REQUIRED], wa_number: [REQUIRED], tp_number: [REQUIRED] });
    const partial = await t.staff.put(`/api/contacts/${contact.id}/`, { email: 'x@example.com' });
    expect(partial.status).toBe(400);
    expect(partial.body.errors).toEqual({ wa_number: [REQUIRED], tp_number: [REQUIRED] });
    expect(await getContact(contact.id)).toEqual(contact);
  });

  it('keeps the booleans that are omitted', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { is_primary: true, is_active: false });
    const res = await t.staff.put(`/api/contacts/${contact.id}/`, {
      email: 'kept@example.com',
      wa_number: contact.wa_number,
      tp_number: contact.tp_number,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.is_primary).toBe(true);
    expect(res.body.data.is_active).toBe(false);
    expect(res.body.data.email).toBe('kept@example.com');
  });

  it('accepts its own current values (no clash with itself)', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.put(`/api/contacts/${contact.id}/`, {
      email: contact.email.toUpperCase(),
      wa_number: contact.wa_number,
      tp_number: contact.tp_number,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.email).toBe(contact.email);
  });

  it('accepts `customer` equal to the current one and refuses another', async () => {
    const customer = await createCustomer(t.staff);
    const other = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const body = { email: contact.email, wa_number: contact.wa_number, tp_number: contact.tp_number };

    const same = await t.staff.put(`/api/contacts/${contact.id}/`, { ...body, customer: customer.id });
    expect(same.status).toBe(200);
    expect(same.body.data.customer).toBe(customer.id);

    const moved = await t.staff.put(`/api/contacts/${contact.id}/`, { ...body, customer: other.id });
    expect(moved.status).toBe(400);
    expect(moved.body.success).toBe(false);
    expect(moved.body.errors.customer).toHaveLength(1);
    expect((await getContact(contact.id)).customer).toBe(customer.id);
    expect(await contactsOf(other.id)).toHaveLength(0);

    const missing = await t.staff.put(`/api/contacts/${contact.id}/`, { ...body, customer: 987654 });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.customer).toHaveLength(1);
  });

  it("refuses values another contact of the customer holds, with the seed's messages", async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id);
    const b = await createContact(t.staff, customer.id);
    const res = await t.staff.put(`/api/contacts/${b.id}/`, {
      email: a.email.toUpperCase(),
      wa_number: a.wa_number.replace('+94', '0'),
      tp_number: a.tp_number,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ email: [DUP_EMAIL], wa_number: [DUP_WA], tp_number: [DUP_TP] });
    expect(await getContact(b.id)).toEqual(b);
  });

  it('validates the fields like create', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.put(`/api/contacts/${contact.id}/`, {
      email: 'nope',
      wa_number: '0771',
      tp_number: contact.tp_number,
      is_primary: 'yes',
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'is_primary']);
    const phone = await t.staff.put(`/api/contacts/${contact.id}/`, {
      email: contact.email,
      wa_number: '0771',
      tp_number: contact.tp_number,
    });
    expect(phone.status).toBe(400);
    expect(Object.keys(phone.body.errors)).toEqual(['wa_number']);
  });

  it('answers 404 for a missing contact', async () => {
    const res = await t.staff.put('/api/contacts/999999/', contactBody(1));
    expect(res.status).toBe(404);
  });
});

describe('PATCH', () => {
  it('changes only the given fields', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.patch(`/api/contacts/${contact.id}/`, { wa_number: '0770001122' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contact updated successfully');
    expect(res.body.data).toMatchObject({
      email: contact.email,
      wa_number: '+94770001122',
      tp_number: contact.tp_number,
      is_primary: contact.is_primary,
      is_active: contact.is_active,
      contact_info: { whatsapp: '+94770001122', telephone: contact.tp_number },
    });

    const email = await t.staff.patch(`/api/contacts/${contact.id}/`, { email: ' NEW@Example.com' });
    expect(email.status).toBe(200);
    expect(email.body.data.email).toBe('new@example.com');
    expect(email.body.data.wa_number).toBe('+94770001122');

    const inactive = await t.staff.patch(`/api/contacts/${contact.id}/`, { is_active: false });
    expect(inactive.status).toBe(200);
    expect(inactive.body.data.is_active).toBe(false);
    expect(inactive.body.data.email).toBe('new@example.com');
    expect(await getContact(contact.id)).toEqual(inactive.body.data);
  });

  it('accepts an empty body and changes nothing', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.patch(`/api/contacts/${contact.id}/`, {});
    expect(res.status).toBe(200);
    const { updated_at: _u, ...rest } = res.body.data;
    const { updated_at: _v, ...before } = contact;
    expect(rest).toEqual(before);
  });

  it('validates the given fields and refuses clashes', async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id);
    const b = await createContact(t.staff, customer.id);
    const bad = await t.staff.patch(`/api/contacts/${b.id}/`, { email: 'bad', is_active: 'no' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['email', 'is_active']);
    const clash = await t.staff.patch(`/api/contacts/${b.id}/`, { tp_number: a.tp_number });
    expect(clash.status).toBe(400);
    expect(clash.body.errors).toEqual({ tp_number: [DUP_TP] });
    const nulls = await t.staff.patch(`/api/contacts/${b.id}/`, { email: null });
    expect(nulls.status).toBe(400);
    expect(Object.keys(nulls.body.errors)).toEqual(['email']);
    expect(await getContact(b.id)).toEqual(b);
  });

  it('accepts `customer` equal to the current one and refuses another', async () => {
    const customer = await createCustomer(t.staff);
    const other = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const same = await t.staff.patch(`/api/contacts/${contact.id}/`, { customer: customer.id });
    expect(same.status).toBe(200);
    const moved = await t.staff.patch(`/api/contacts/${contact.id}/`, { customer: other.id, is_active: false });
    expect(moved.status).toBe(400);
    expect(moved.body.errors.customer).toHaveLength(1);
    const after = await getContact(contact.id);
    expect(after.customer).toBe(customer.id);
    expect(after.is_active).toBe(true);
  });

  it('answers 404 for a missing contact', async () => {
    const res = await t.staff.patch('/api/contacts/999999/', { is_active: false });
    expect(res.status).toBe(404);
  });
});

describe('DELETE', () => {
  it('answers 204 with an empty body; the contact is gone', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const keep = await createContact(t.staff, customer.id);
    const res = await t.staff.delete(`/api/contacts/${contact.id}/`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await t.staff.get(`/api/contacts/${contact.id}/`)).status).toBe(404);
    expect((await t.staff.delete(`/api/contacts/${contact.id}/`)).status).toBe(404);
    expect((await contactsOf(customer.id)).map((c) => c.id)).toEqual([keep.id]);
  });

  it('frees the values for a new contact of the same customer', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    expect((await t.staff.delete(`/api/contacts/${contact.id}/`)).status).toBe(204);
    const again = await t.staff.post('/api/contacts/', {
      customer: customer.id,
      email: contact.email,
      wa_number: contact.wa_number,
      tp_number: contact.tp_number,
    });
    expect(again.status).toBe(201);
  });

  it('answers 404 for a missing contact', async () => {
    const res = await t.staff.delete('/api/contacts/999999/');
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });

  it('a read-only user cannot delete', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    expect((await t.viewer.delete(`/api/contacts/${contact.id}/`)).status).toBe(403);
    expect((await t.staff.get(`/api/contacts/${contact.id}/`)).status).toBe(200);
  });
});

describe('one primary per customer', () => {
  const primaries = async (customerId: number) =>
    (await contactsOf(customerId)).filter((c) => c.is_primary).map((c) => c.id);

  it('creating a primary demotes the previous one', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id, { is_primary: true });
    expect(await primaries(customer.id)).toEqual([first.id]);
    const second = await createContact(t.staff, customer.id, { is_primary: true });
    expect(second.is_primary).toBe(true);
    expect(await primaries(customer.id)).toEqual([second.id]);
    const demoted = await getContact(first.id);
    expect(demoted.is_primary).toBe(false);
    expect(demoted.contact_info.is_primary).toBe(false);
  });

  it('creating a non-primary keeps the current primary', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id, { is_primary: true });
    await createContact(t.staff, customer.id, { is_primary: false });
    expect(await primaries(customer.id)).toEqual([first.id]);
  });

  it("another customer's primary is untouched", async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff);
    const pa = await createContact(t.staff, a.id, { is_primary: true });
    const pb = await createContact(t.staff, b.id, { is_primary: true });
    expect(await primaries(a.id)).toEqual([pa.id]);
    expect(await primaries(b.id)).toEqual([pb.id]);
  });

  it('updating a contact to primary (PUT and PATCH) demotes the previous one', async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id, { is_primary: true });
    const b = await createContact(t.staff, customer.id);
    const c = await createContact(t.staff, customer.id);

    const patched = await t.staff.patch(`/api/contacts/${b.id}/`, { is_primary: true });
    expect(patched.status).toBe(200);
    expect(patched.body.data.is_primary).toBe(true);
    expect(await primaries(customer.id)).toEqual([b.id]);
    expect((await getContact(a.id)).is_primary).toBe(false);

    const put = await t.staff.put(`/api/contacts/${c.id}/`, {
      email: c.email,
      wa_number: c.wa_number,
      tp_number: c.tp_number,
      is_primary: true,
    });
    expect(put.status).toBe(200);
    expect(await primaries(customer.id)).toEqual([c.id]);
  });

  it('PATCH is_primary:false leaves the customer without a primary', async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id, { is_primary: true });
    const res = await t.staff.patch(`/api/contacts/${a.id}/`, { is_primary: false });
    expect(res.status).toBe(200);
    expect(res.body.data.is_primary).toBe(false);
    expect(await primaries(customer.id)).toEqual([]);
  });

  it('set-primary makes the contact primary and demotes the previous one', async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id, { is_primary: true });
    const b = await createContact(t.staff, customer.id);
    const res = await t.staff.post(`/api/contacts/${b.id}/set-primary/`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Contact set as primary successfully');
    expect(res.body.data).toMatchObject({ id: b.id, is_primary: true, contact_info: { is_primary: true } });
    expect(res.body.data.updated_at).toMatch(ISO_Z);
    expect(await primaries(customer.id)).toEqual([b.id]);
    expect((await getContact(a.id)).is_primary).toBe(false);
  });

  it('set-primary on the current primary keeps it and answers 200', async () => {
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id, { is_primary: true });
    const res = await t.staff.post(`/api/contacts/${a.id}/set-primary/`);
    expect(res.status).toBe(200);
    expect(res.body.data.is_primary).toBe(true);
    expect(await primaries(customer.id)).toEqual([a.id]);
  });

  it('set-primary on a missing contact is a 404; a viewer gets 403', async () => {
    expect((await t.staff.post('/api/contacts/999999/set-primary/')).status).toBe(404);
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id);
    expect((await t.viewer.post(`/api/contacts/${a.id}/set-primary/`)).status).toBe(403);
    expect((await getContact(a.id)).is_primary).toBe(false);
  });
});

describe('toggle-status', () => {
  it('flips the status with the matching message', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);

    const off = await t.staff.post(`/api/contacts/${contact.id}/toggle-status/`);
    expect(off.status).toBe(200);
    expect(off.body.success).toBe(true);
    expect(off.body.message).toBe('Contact deactivated successfully');
    expect(off.body.data).toMatchObject({ id: contact.id, is_active: false });
    expect((await getContact(contact.id)).is_active).toBe(false);

    const on = await t.staff.post(`/api/contacts/${contact.id}/toggle-status/`);
    expect(on.status).toBe(200);
    expect(on.body.message).toBe('Contact activated successfully');
    expect(on.body.data.is_active).toBe(true);
    expect((await getContact(contact.id)).is_active).toBe(true);
  });

  it('keeps the other fields, including the primary flag', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { is_primary: true });
    const res = await t.staff.post(`/api/contacts/${contact.id}/toggle-status/`);
    expect(res.body.data).toMatchObject({
      email: contact.email,
      wa_number: contact.wa_number,
      tp_number: contact.tp_number,
      is_primary: true,
    });
  });

  it('answers 404 for a missing contact', async () => {
    const res = await t.staff.post('/api/contacts/999999/toggle-status/');
    expect(res.status).toBe(404);
  });
});
