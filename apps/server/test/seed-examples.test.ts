import { describe, expect, it } from 'vitest';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// The example requests of seed-api.md, sent as written; each answer must have the example's shape: the same
// keys at every level, with values of the same JSON types. ccm adds one field to the seed's records: `version`
// (docs/api.md, "Retries and concurrent edits").

const contactExample = {
  id: 1,
  customer: 1,
  customer_name: 'John Doe',
  customer_username: 'johndoe',
  email: 'john.contact@example.com',
  wa_number: '+94771234567',
  tp_number: '+94112345678',
  is_primary: true,
  is_active: true,
  contact_info: { email: 'x', whatsapp: 'x', telephone: 'x', is_primary: true },
  created_at: '2025-09-25T10:30:00Z',
  updated_at: '2025-09-25T10:30:00Z',
  version: 1,
};
const customerExample = {
  id: 1,
  customer_id: 'CUST000001',
  username: 'johndoe',
  email: 'john@example.com',
  first_name: 'John',
  last_name: 'Doe',
  full_name: 'John Doe',
  nic: '123456789V',
  is_verified: true,
  version: 1,
  contacts: [contactExample],
  primary_contact: contactExample,
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The shape of a JSON value: keys and types, with arrays described by their first element. */
function shape(v: Json): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0] as Json)] : [];
  if (v === null) return 'null';
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape(v[k] as Json)]),
    );
  return typeof v;
}

let t: TestServer;
test.beforeAll(async ({ server }) => {
  t = server;
  // The seed's examples use customers 1 and 2.
  for (const [username, first, nic] of [
    ['johndoe', 'John', '123456789V'],
    ['janedoe', 'Jane', '987654321V'],
  ] as const) {
    const res = await t.admin.post('/api/customers/', {
      username,
      email: `${username}@example.com`,
      first_name: first,
      last_name: 'Doe',
      nic,
    });
    expect(res.status).toBe(201);
  }
});

describe('the examples of seed-api.md', () => {
  it('2. create contact', async () => {
    const res = await t.staff.post('/api/contacts/', {
      customer: 1,
      email: 'contact@example.com',
      wa_number: '+94771234567',
      tp_number: '+94112345678',
      is_primary: true,
      is_active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Customer contact created successfully');
    expect(shape(res.body)).toEqual(shape({ success: true, message: '', data: contactExample }));
  });

  it('1. list contacts', async () => {
    const res = await t.staff.get('/api/contacts/');
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contacts retrieved successfully');
    expect(shape(res.body)).toEqual(
      shape({ success: true, message: '', data: { count: 1, next: null, previous: null, results: [contactExample] } }),
    );
  });

  it('3. get contact', async () => {
    const res = await t.staff.get('/api/contacts/1/');
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contact retrieved successfully');
    expect(shape(res.body)).toEqual(shape({ success: true, message: '', data: contactExample }));
  });

  it('4. update contact', async () => {
    const res = await t.staff.put('/api/contacts/1/', {
      email: 'updated.contact@example.com',
      wa_number: '+94771234568',
      tp_number: '+94112345679',
      is_primary: false,
      is_active: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contact updated successfully');
    expect(res.body.data).toMatchObject({ email: 'updated.contact@example.com', is_primary: false, customer: 1 });
    expect(shape(res.body)).toEqual(shape({ success: true, message: '', data: contactExample }));
  });

  it('6. customer contacts', async () => {
    const res = await t.staff.get('/api/customers/1/contacts/');
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Customer contacts retrieved successfully');
    expect(shape(res.body)).toEqual(
      shape({
        success: true,
        message: '',
        data: {
          customer: { id: 1, customer_id: 'CUST000001', full_name: 'John Doe', username: 'johndoe' },
          contacts: [contactExample],
        },
      }),
    );
  });

  it('8. set primary', async () => {
    const res = await t.staff.post('/api/contacts/1/set-primary/');
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contact set as primary successfully');
    expect(res.body.data.is_primary).toBe(true);
    expect(shape(res.body)).toEqual(shape({ success: true, message: '', data: contactExample }));
  });

  it('7. customers with contacts', async () => {
    const res = await t.staff.get('/api/customers-with-contacts/');
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Customers with contacts retrieved successfully');
    const john = res.body.data.find((c: { username: string }) => c.username === 'johndoe');
    expect(shape(john)).toEqual(shape(customerExample));
  });

  it('9. toggle status', async () => {
    const off = await t.staff.post('/api/contacts/1/toggle-status/');
    expect(off.status).toBe(200);
    expect(off.body.message).toBe('Contact deactivated successfully');
    const on = await t.staff.post('/api/contacts/1/toggle-status/');
    expect(on.body.message).toBe('Contact activated successfully');
    expect(shape(on.body)).toEqual(shape({ success: true, message: '', data: contactExample }));
  });

  it('10. bulk create', async () => {
    const res = await t.staff.post('/api/contacts/bulk-create/', {
      contacts: [
        {
          customer: 1,
          email: 'contact1@example.com',
          wa_number: '+94771234567',
          tp_number: '+94112345678',
          is_primary: true,
          is_active: true,
        },
        {
          customer: 2,
          email: 'contact2@example.com',
          wa_number: '+94771234568',
          tp_number: '+94112345679',
          is_primary: false,
          is_active: true,
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Created 2 contacts successfully');
    expect(shape(res.body)).toEqual(
      shape({ success: true, message: '', data: { created_contacts: [contactExample], errors: [] } }),
    );
  });

  it('11. stats', async () => {
    const res = await t.staff.get('/api/contacts/stats/');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      total_contacts: 3,
      active_contacts: 3,
      inactive_contacts: 0,
      primary_contacts: 1, // the bulk primary for customer 1 demoted contact 1
      customers_with_contacts: 2,
      customers_without_contacts: 0,
    });
  });

  it('5. delete contact: 204 with no body', async () => {
    const res = await t.staff.delete('/api/contacts/1/');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('errors: the envelope with field errors', async () => {
    const res = await t.staff.post('/api/contacts/', { customer: 1 });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.message).toBe('string');
    expect(res.body.errors).toEqual({
      email: ['This field is required.'],
      wa_number: ['This field is required.'],
      tp_number: ['This field is required.'],
    });
  });
});
