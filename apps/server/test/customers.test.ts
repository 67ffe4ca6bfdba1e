import { describe, expect, it } from 'vitest';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const CUSTOMER_KEYS = [
  'address',
  'created_at',
  'customer_id',
  'email',
  'first_name',
  'full_name',
  'id',
  'is_active',
  'is_verified',
  'last_name',
  'nic',
  'phone_number',
  'updated_at',
  'username',
  'version',
];

let tag = 0;
/** A string no other test uses, to scope list searches to one test's customers. */
const marker = () => {
  tag += 1;
  return `mk${Date.now().toString(36)}q${tag}`;
};

describe('POST /api/customers/', () => {
  it('creates a customer: 201, the seed envelope, the full representation', async () => {
    const body = customerBody({ first_name: 'John', last_name: 'Doe' });
    const res = await t.staff.post('/api/customers/', body);
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Customer created successfully');
    const c = res.body.data;
    expect(Object.keys(c).sort()).toEqual(CUSTOMER_KEYS);
    expect(c).toMatchObject({
      username: body.username,
      email: body.email,
      first_name: 'John',
      last_name: 'Doe',
      full_name: 'John Doe',
      nic: body.nic,
      phone_number: null,
      address: null,
      is_verified: false,
      is_active: true,
    });
    expect(Number.isInteger(c.id)).toBe(true);
    expect(c.created_at).toMatch(ISO_UTC);
    expect(c.updated_at).toMatch(ISO_UTC);
  });

  it('assigns customer_id as CUST and 6 digits, distinct per customer, ignoring one in the body', async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff, { customer_id: 'CUST999999' });
    expect(a.customer_id).toMatch(/^CUST\d{6}$/);
    expect(b.customer_id).toMatch(/^CUST\d{6}$/);
    expect(b.customer_id).not.toBe('CUST999999');
    expect(a.customer_id).not.toBe(b.customer_id);
  });

  it('keeps the optional fields it is given', async () => {
    const c = await createCustomer(t.staff, {
      address: '  12 Galle Road, Colombo  ',
      is_verified: true,
      is_active: false,
    });
    expect(c.address).toBe('12 Galle Road, Colombo');
    expect(c.is_verified).toBe(true);
    expect(c.is_active).toBe(false);
  });

  it('derives full_name from first and last name, trimmed', async () => {
    const c = await createCustomer(t.staff, { first_name: '  Ada ', last_name: ' Lovelace  ' });
    expect(c.first_name).toBe('Ada');
    expect(c.last_name).toBe('Lovelace');
    expect(c.full_name).toBe('Ada Lovelace');
  });

  it('ignores a full_name in the body', async () => {
    const c = await createCustomer(t.staff, { first_name: 'Grace', last_name: 'Hopper', full_name: 'Someone Else' });
    expect(c.full_name).toBe('Grace Hopper');
  });

  it('requires username, email, first_name, last_name and nic', async () => {
    const res = await t.staff.post('/api/customers/', {});
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    for (const field of ['username', 'email', 'first_name', 'last_name', 'nic']) {
      expect(res.body.errors[field], field).toEqual(['This field is required.']);
    }
  });

  describe('email', () => {
    it('is trimmed and lower-cased', async () => {
      const c = await createCustomer(t.staff, { email: '  Mixed.Case@Example.COM ' });
      expect(c.email).toBe('mixed.case@example.com');
      const again = await t.staff.get(`/api/customers/${c.id}/`);
      expect(again.body.data.email).toBe('mixed.case@example.com');
    });

    it('is unique whatever its case', async () => {
      await createCustomer(t.staff, { email: 'unique.person@example.com' });
      const res = await t.staff.post('/api/customers/', customerBody({ email: 'Unique.Person@EXAMPLE.com' }));
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.errors).toEqual({ email: ['A customer with this email already exists.'] });
    });

    it('must be an address', async () => {
      const res = await t.staff.post('/api/customers/', customerBody({ email: 'not-an-email' }));
      expect(res.status).toBe(400);
      expect(res.body.errors.email).toEqual(['Enter a valid email address.']);
    });
  });

  describe('username', () => {
    it('is unique', async () => {
      const first = await createCustomer(t.staff);
      const res = await t.staff.post('/api/customers/', customerBody({ username: first.username }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({ username: ['A customer with this username already exists.'] });
    });

    it('reports every duplicated field at once', async () => {
      const first = await createCustomer(t.staff);
      const res = await t.staff.post('/api/customers/', {
        ...customerBody(),
        username: first.username,
        email: first.email.toUpperCase(),
        nic: first.nic.toLowerCase(),
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({
        username: ['A customer with this username already exists.'],
        email: ['A customer with this email already exists.'],
        nic: ['A customer with this NIC already exists.'],
      });
    });
  });

  describe('nic', () => {
    it('takes 9 digits and V/X and stores the letter upper-case', async () => {
      const v = await createCustomer(t.staff, { nic: '880123456v' });
      expect(v.nic).toBe('880123456V');
      const x = await createCustomer(t.staff, { nic: '880123457x' });
      expect(x.nic).toBe('880123457X');
    });

    it('takes 12 digits', async () => {
      const c = await createCustomer(t.staff, { nic: '198801234567' });
      expect(c.nic).toBe('198801234567');
    });

    it.each([
      '12345678V',
      '1234567890V',
      '123456789',
      '123456789A',
      '12345678901',
      '1234567890123',
      'V123456789',
      'abcdefghiV',
      '',
    ])('answers 400 for %j', async (nic) => {
      const res = await t.staff.post('/api/customers/', customerBody({ nic }));
      expect(res.status).toBe(400);
      expect(res.body.errors.nic).toEqual(['Enter a valid NIC: 9 digits followed by V or X, or 12 digits.']);
    });

    it('is unique, comparing the upper-case form', async () => {
      await createCustomer(t.staff, { nic: '770011223V' });
      const res = await t.staff.post('/api/customers/', customerBody({ nic: '770011223v' }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({ nic: ['A customer with this NIC already exists.'] });
    });
  });

  describe('phone_number', () => {
    it('is optional and stored in E.164', async () => {
      expect((await createCustomer(t.staff, { phone_number: '0771234567' })).phone_number).toBe('+94771234567');
      expect((await createCustomer(t.staff, { phone_number: '+94 77 123 4568' })).phone_number).toBe('+94771234568');
      expect((await createCustomer(t.staff, { phone_number: null })).phone_number).toBeNull();
    });

    it.each(['abc', '12', '0000000000', '+94 12'])('answers 400 for %j', async (phone_number) => {
      const res = await t.staff.post('/api/customers/', customerBody({ phone_number }));
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.errors.phone_number).toHaveLength(1);
      expect(res.body.errors.phone_number[0]).toMatch(/valid phone number/);
    });
  });

  it('answers 400 for booleans given as strings', async () => {
    const res = await t.staff.post('/api/customers/', customerBody({ is_verified: 'yes' }));
    expect(res.status).toBe(400);
    expect(res.body.errors.is_verified).toBeDefined();
  });

  it('is refused to a viewer (403) and to an anonymous caller (401)', async () => {
    const viewer = await t.viewer.post('/api/customers/', customerBody());
    expect(viewer.status).toBe(403);
    expect(viewer.body.success).toBe(false);
    const anon = await t.anon.post('/api/customers/', customerBody());
    expect(anon.status).toBe(401);
    expect(anon.body.success).toBe(false);
  });
});

describe('GET /api/customers/{id}/', () => {
  it('returns the customer', async () => {
    const c = await createCustomer(t.staff, { phone_number: '0771234599' });
    const res = await t.viewer.get(`/api/customers/${c.id}/`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Customer retrieved successfully', data: c });
  });

  it('answers 404 for a missing customer', async () => {
    const res = await t.staff.get('/api/customers/987654321/');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Customer not found.' });
  });

  it.each(['abc', '0', '-1', '1.5'])('answers 404 for the id %j', async (id) => {
    const res = await t.staff.get(`/api/customers/${id}/`);
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });

  it('needs a token', async () => {
    const c = await createCustomer(t.staff);
    expect((await t.anon.get(`/api/customers/${c.id}/`)).status).toBe(401);
  });
});

describe('PUT /api/customers/{id}/', () => {
  it('replaces the required fields and keeps omitted optional ones', async () => {
    const c = await createCustomer(t.staff, { phone_number: '0771234500', address: 'Kandy', is_verified: true });
    const body = customerBody({ first_name: 'New', last_name: 'Name', email: 'Put.Me@Example.com', nic: '991234567x' });
    const res = await t.staff.put(`/api/customers/${c.id}/`, body);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Customer updated successfully');
    expect(res.body.data).toMatchObject({
      id: c.id,
      customer_id: c.customer_id,
      username: body.username,
      email: 'put.me@example.com',
      first_name: 'New',
      last_name: 'Name',
      full_name: 'New Name',
      nic: '991234567X',
      phone_number: '+94771234500',
      address: 'Kandy',
      is_verified: true,
      is_active: true,
      created_at: c.created_at,
    });
    const again = await t.staff.get(`/api/customers/${c.id}/`);
    expect(again.body.data).toEqual(res.body.data);
  });

  it('needs every required field', async () => {
    const c = await createCustomer(t.staff);
    const res = await t.staff.put(`/api/customers/${c.id}/`, { first_name: 'Only' });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'last_name', 'nic', 'username']);
    const unchanged = await t.staff.get(`/api/customers/${c.id}/`);
    expect(unchanged.body.data).toEqual(c);
  });

  it('accepts the customer its own unique values', async () => {
    const c = await createCustomer(t.staff);
    const { id: _id, customer_id: _cid, ...rest } = c;
    const res = await t.staff.put(`/api/customers/${c.id}/`, {
      username: rest.username,
      email: rest.email.toUpperCase(),
      first_name: 'Same',
      last_name: rest.last_name,
      nic: rest.nic,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.email).toBe(c.email);
  });

  it('answers 400 with field errors for another customer’s values', async () => {
    const other = await createCustomer(t.staff);
    const c = await createCustomer(t.staff);
    const res = await t.staff.put(
      `/api/customers/${c.id}/`,
      customerBody({ username: other.username, nic: other.nic }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      username: ['A customer with this username already exists.'],
      nic: ['A customer with this NIC already exists.'],
    });
  });

  it('answers 404 for a missing customer', async () => {
    const res = await t.staff.put('/api/customers/987654321/', customerBody());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Customer not found.' });
  });

  it('is refused to a viewer', async () => {
    const c = await createCustomer(t.staff);
    expect((await t.viewer.put(`/api/customers/${c.id}/`, customerBody())).status).toBe(403);
  });
});

describe('PATCH /api/customers/{id}/', () => {
  it('changes only the given fields and re-derives full_name', async () => {
    const c = await createCustomer(t.staff, { first_name: 'Old', last_name: 'Surname', phone_number: '0771234511' });
    const res = await t.staff.patch(`/api/customers/${c.id}/`, { last_name: 'Newname' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Customer updated successfully');
    const { updated_at: _u, version, ...before } = c;
    expect(res.body.data.version).toBe(version + 1);
    expect(res.body.data).toMatchObject({ ...before, last_name: 'Newname', full_name: 'Old Newname' });
    expect(res.body.data.updated_at).toMatch(ISO_UTC);
    expect(Date.parse(res.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(c.updated_at));
  });

  it('accepts an empty body and changes nothing', async () => {
    const c = await createCustomer(t.staff);
    const res = await t.staff.patch(`/api/customers/${c.id}/`, {});
    expect(res.status).toBe(200);
    const { updated_at: _u, ...before } = c;
    expect(res.body.data).toMatchObject(before);
  });

  it('sets the flags', async () => {
    const c = await createCustomer(t.staff);
    const res = await t.staff.patch(`/api/customers/${c.id}/`, { is_verified: true, is_active: false });
    expect(res.status).toBe(200);
    expect(res.body.data.is_verified).toBe(true);
    expect(res.body.data.is_active).toBe(false);
  });

  it('normalizes a new phone number and clears it with null', async () => {
    const c = await createCustomer(t.staff);
    const set = await t.staff.patch(`/api/customers/${c.id}/`, { phone_number: '077 123 4522' });
    expect(set.status).toBe(200);
    expect(set.body.data.phone_number).toBe('+94771234522');
    const cleared = await t.staff.patch(`/api/customers/${c.id}/`, { phone_number: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.phone_number).toBeNull();
  });

  it('answers 400 for an invalid phone number, NIC or e-mail and changes nothing', async () => {
    const c = await createCustomer(t.staff);
    for (const [field, value] of [
      ['phone_number', '12'],
      ['nic', '12345'],
      ['email', 'nope'],
    ] as const) {
      const res = await t.staff.patch(`/api/customers/${c.id}/`, { [field]: value });
      expect(res.status, field).toBe(400);
      expect(Object.keys(res.body.errors), field).toEqual([field]);
    }
    expect((await t.staff.get(`/api/customers/${c.id}/`)).body.data).toEqual(c);
  });

  it('answers 400 with field errors for another customer’s e-mail, whatever its case', async () => {
    const other = await createCustomer(t.staff);
    const c = await createCustomer(t.staff);
    const res = await t.staff.patch(`/api/customers/${c.id}/`, { email: other.email.toUpperCase() });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ email: ['A customer with this email already exists.'] });
  });

  it('does not let customer_id be changed', async () => {
    const c = await createCustomer(t.staff);
    const res = await t.staff.patch(`/api/customers/${c.id}/`, { customer_id: 'CUST000000' });
    expect(res.status).toBe(200);
    expect(res.body.data.customer_id).toBe(c.customer_id);
  });

  it('answers 404 for a missing customer', async () => {
    const res = await t.staff.patch('/api/customers/987654321/', { first_name: 'X' });
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });
});

describe('DELETE /api/customers/{id}/', () => {
  it('answers 204 with an empty body; the customer is gone', async () => {
    const c = await createCustomer(t.staff);
    const res = await t.staff.delete(`/api/customers/${c.id}/`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await t.staff.get(`/api/customers/${c.id}/`)).status).toBe(404);
    const again = await t.staff.delete(`/api/customers/${c.id}/`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ success: false, message: 'Customer not found.' });
  });

  it('deletes the customer’s contacts and leaves other customers’ alone', async () => {
    const c = await createCustomer(t.staff);
    const other = await createCustomer(t.staff);
    const mine = [
      await createContact(t.staff, c.id, { is_primary: true }),
      await createContact(t.staff, c.id),
      await createContact(t.staff, c.id, { is_active: false }),
    ];
    const theirs = await createContact(t.staff, other.id);

    expect((await t.staff.delete(`/api/customers/${c.id}/`)).status).toBe(204);

    for (const contact of mine) expect((await t.staff.get(`/api/contacts/${contact.id}/`)).status).toBe(404);
    const list = await t.staff.get(`/api/contacts/?customer_id=${c.id}`);
    expect(list.status).toBe(200);
    expect(list.body.data.count).toBe(0);
    expect((await t.staff.get(`/api/customers/${c.id}/contacts/`)).status).toBe(404);
    expect((await t.staff.get(`/api/contacts/${theirs.id}/`)).status).toBe(200);
  });

  it('frees the username, e-mail and NIC for a new customer', async () => {
    const c = await createCustomer(t.staff);
    expect((await t.staff.delete(`/api/customers/${c.id}/`)).status).toBe(204);
    const res = await t.staff.post(
      '/api/customers/',
      customerBody({ username: c.username, email: c.email, nic: c.nic }),
    );
    expect(res.status).toBe(201);
    expect(res.body.data.id).not.toBe(c.id);
    expect(res.body.data.customer_id).not.toBe(c.customer_id);
  });

  it('answers 404 for a missing customer and is refused to a viewer', async () => {
    expect((await t.staff.delete('/api/customers/987654321/')).status).toBe(404);
    const c = await createCustomer(t.staff);
    expect((await t.viewer.delete(`/api/customers/${c.id}/`)).status).toBe(403);
    expect((await t.staff.get(`/api/customers/${c.id}/`)).status).toBe(200);
  });
});

describe('GET /api/customers/ (list)', () => {
  it('answers the seed envelope with a DRF page', async () => {
    await createCustomer(t.staff);
    const res = await t.viewer.get('/api/customers/');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe('Customers retrieved successfully');
    expect(Object.keys(res.body.data).sort()).toEqual(['count', 'next', 'previous', 'results']);
    expect(res.body.data.count).toBeGreaterThan(0);
    expect(res.body.data.previous).toBeNull();
    for (const c of res.body.data.results) expect(Object.keys(c).sort()).toEqual(CUSTOMER_KEYS);
  });

  it('pages with page and page_size; next/previous are absolute URLs; newest first by default', async () => {
    const m = marker();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createCustomer(t.staff, { last_name: `${m}n${i}` }));
    const newestFirst = made.map((c) => c.id).reverse();

    const p1 = await t.staff.get(`/api/customers/?search=${m}&page_size=2`);
    expect(p1.status).toBe(200);
    expect(p1.body.data.count).toBe(5);
    expect(p1.body.data.results.map((c: { id: number }) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(p1.body.data.previous).toBeNull();
    const next = new URL(p1.body.data.next);
    expect(`${next.protocol}//${next.host}`).toBe(t.url);
    expect(next.pathname).toBe('/api/customers/');
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('page_size')).toBe('2');
    expect(next.searchParams.get('search')).toBe(m);

    const p2 = await t.staff.get(p1.body.data.next.slice(t.url.length));
    expect(p2.body.data.results.map((c: { id: number }) => c.id)).toEqual(newestFirst.slice(2, 4));
    expect(p2.body.data.previous).toMatch(new RegExp(`^${t.url.replace(/[.]/g, '\\.')}/api/customers/\\?`));
    expect(new URL(p2.body.data.previous).searchParams.get('page')).toBeNull();

    const p3 = await t.staff.get(`/api/customers/?search=${m}&page_size=2&page=3`);
    expect(p3.body.data.results.map((c: { id: number }) => c.id)).toEqual(newestFirst.slice(4));
    expect(p3.body.data.next).toBeNull();
    expect(new URL(p3.body.data.previous).searchParams.get('page')).toBe('2');
  });

  it('answers 404 "Invalid page." past the end, and an empty page 1 when nothing matches', async () => {
    const m = marker();
    await createCustomer(t.staff, { last_name: m });
    const past = await t.staff.get(`/api/customers/?search=${m}&page=2`);
    expect(past.status).toBe(404);
    expect(past.body).toEqual({ success: false, message: 'Invalid page.' });
    const none = await t.staff.get(`/api/customers/?search=${marker()}`);
    expect(none.status).toBe(200);
    expect(none.body.data).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('answers 400 for a bad page, page_size or ordering', async () => {
    for (const q of ['page=0', 'page=abc', 'page_size=0', 'page_size=101', 'ordering=nope']) {
      const res = await t.staff.get(`/api/customers/?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.success, q).toBe(false);
      expect(Object.keys(res.body.errors), q).toEqual([q.split('=')[0]]);
    }
  });

  it('orders by the allowed fields', async () => {
    const m = marker();
    const b = await createCustomer(t.staff, { username: `${m}b` });
    const a = await createCustomer(t.staff, { username: `${m}a` });
    const c = await createCustomer(t.staff, { username: `${m}c` });
    const ids = async (ordering: string) =>
      (await t.staff.get(`/api/customers/?search=${m}&ordering=${ordering}`)).body.data.results.map(
        (x: { id: number }) => x.id,
      );
    expect(await ids('username')).toEqual([a.id, b.id, c.id]);
    expect(await ids('-username')).toEqual([c.id, b.id, a.id]);
    expect(await ids('id')).toEqual([b.id, a.id, c.id]);
    expect(await ids('-id')).toEqual([c.id, a.id, b.id]);
    expect(await ids('customer_id')).toEqual([b.id, a.id, c.id]);
  });

  it('filters on is_active and is_verified', async () => {
    const m = marker();
    const plain = await createCustomer(t.staff, { last_name: m });
    const verified = await createCustomer(t.staff, { last_name: m, is_verified: true });
    const inactive = await createCustomer(t.staff, { last_name: m, is_active: false });
    const both = await createCustomer(t.staff, { last_name: m, is_active: false, is_verified: true });
    const ids = async (q: string) => {
      const res = await t.staff.get(`/api/customers/?search=${m}&${q}`);
      expect(res.status, q).toBe(200);
      expect(res.body.data.count, q).toBe(res.body.data.results.length);
      return res.body.data.results.map((x: { id: number }) => x.id).sort((x: number, y: number) => x - y);
    };
    const sorted = (...cs: { id: number }[]) => cs.map((c) => c.id).sort((x, y) => x - y);
    expect(await ids('is_active=true')).toEqual(sorted(plain, verified));
    expect(await ids('is_active=false')).toEqual(sorted(inactive, both));
    expect(await ids('is_verified=true')).toEqual(sorted(verified, both));
    expect(await ids('is_verified=false')).toEqual(sorted(plain, inactive));
    expect(await ids('is_active=false&is_verified=true')).toEqual(sorted(both));
  });

  it.each(['maybe', 'TRUE', '1', ''])('answers 400 for the filter value %j', async (v) => {
    for (const f of ['is_active', 'is_verified']) {
      const res = await t.staff.get(`/api/customers/?${f}=${v}`);
      expect(res.status, `${f}=${v}`).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.errors[f]).toEqual(['Must be "true" or "false".']);
    }
  });

  describe('search', () => {
    it('matches a substring of names, username, e-mail, customer_id, NIC and phone, case-insensitively', async () => {
      const m = marker();
      const c = await createCustomer(t.staff, {
        username: `${m}_user`,
        email: `${m}.mail@example.com`,
        first_name: `Fn${m}`,
        last_name: `Ln${m}`,
        phone_number: '0779876543',
      });
      const find = async (q: string) => {
        const res = await t.staff.get(`/api/customers/?search=${encodeURIComponent(q)}`);
        expect(res.status, q).toBe(200);
        return res.body.data.results.map((x: { id: number }) => x.id);
      };
      expect(await find(`FN${m.toUpperCase()}`)).toEqual([c.id]);
      expect(await find(`ln${m}`)).toEqual([c.id]);
      expect(await find(`${m.toUpperCase()}_USER`)).toEqual([c.id]);
      expect(await find(`${m}.MAIL@EXAMPLE`)).toEqual([c.id]);
      expect(await find(c.customer_id.toLowerCase())).toContain(c.id);
      expect(await find(c.nic.toLowerCase())).toContain(c.id);
      expect(await find('9876543')).toContain(c.id);
      // A whole number, as typed (national form), finds the E.164 form it is stored in.
      expect(await find('077 987 6543')).toEqual([c.id]);
      expect(await find('+94779876543')).toEqual([c.id]);
    });

    it('trims the term', async () => {
      const m = marker();
      const c = await createCustomer(t.staff, { last_name: m });
      const res = await t.staff.get(`/api/customers/?search=${encodeURIComponent(`  ${m}  `)}`);
      expect(res.body.data.results.map((x: { id: number }) => x.id)).toEqual([c.id]);
    });

    it('treats % and _ literally', async () => {
      const m = marker();
      const pct = await createCustomer(t.staff, { last_name: `${m}100%off` });
      await createCustomer(t.staff, { last_name: `${m}100Xoff` });
      const under = await createCustomer(t.staff, { username: `${m}_x_y` });
      await createCustomer(t.staff, { username: `${m}AxBy` });

      const find = async (q: string) =>
        (await t.staff.get(`/api/customers/?search=${encodeURIComponent(q)}`)).body.data.results.map(
          (x: { id: number }) => x.id,
        );
      expect(await find(`${m}100%off`)).toEqual([pct.id]);
      expect(await find(`${m}_x_y`)).toEqual([under.id]);
      // A lone wildcard matches only values that contain it.
      const percent = await find('%');
      expect(percent).toContain(pct.id);
      expect(percent).not.toContain(under.id);
    });

    it('treats the escape character and quotes literally', async () => {
      const m = marker();
      const c = await createCustomer(t.staff, { last_name: `${m}!'"\\` });
      const res = await t.staff.get(`/api/customers/?search=${encodeURIComponent(`${m}!'"\\`)}`);
      expect(res.status).toBe(200);
      expect(res.body.data.results.map((x: { id: number }) => x.id)).toEqual([c.id]);
      const bang = await t.staff.get(`/api/customers/?search=${encodeURIComponent(`${m}!!`)}`);
      expect(bang.body.data.count).toBe(0);
    });

    it('combines with the filters', async () => {
      const m = marker();
      await createCustomer(t.staff, { last_name: m });
      const inactive = await createCustomer(t.staff, { last_name: m, is_active: false });
      const res = await t.staff.get(`/api/customers/?search=${m}&is_active=false`);
      expect(res.body.data.count).toBe(1);
      expect(res.body.data.results[0].id).toBe(inactive.id);
    });

    it('answers 400 for a term over 200 characters', async () => {
      const res = await t.staff.get(`/api/customers/?search=${'x'.repeat(201)}`);
      expect(res.status).toBe(400);
      expect(res.body.errors.search).toBeDefined();
    });
  });

  it('needs a token', async () => {
    expect((await t.anon.get('/api/customers/')).status).toBe(401);
  });
});

describe('contacts of a customer', () => {
  it('cannot be added to an inactive customer', async () => {
    const c = await createCustomer(t.staff, { is_active: false });
    const res = await t.staff.post('/api/contacts/', contactBody(c.id));
    expect(res.status).toBe(400);
    expect(res.body.errors.customer).toHaveLength(1);
  });
});
