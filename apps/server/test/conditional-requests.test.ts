import { describe, expect, it } from 'vitest';
import { ADAPTERS, type Answer, operations } from './support/adapters.js';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// ETags and conditional requests (docs/api.md, "Retries and concurrent edits"), on every database
// (TEST_DATABASE_URL) and through both adapters: a record's version is its strong ETag, If-None-Match answers 304,
// and a stale If-Match is a 412 decided under the row's lock, so that of several editors holding the same ETag
// exactly one wins.

let t: TestServer;
test.beforeAll(({ server }) => {
  t = server;
});

const N = 6;
const statuses = (answers: Answer[]) => answers.map((a) => a.status).sort();

describe('ETag and If-None-Match (REST)', () => {
  it('GET of a contact and of a customer carries its version as a strong ETag; a write moves it on', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    for (const [path, record] of [
      [`/api/contacts/${contact.id}/`, contact],
      [`/api/customers/${customer.id}/`, customer],
    ] as const) {
      expect(record.version).toBe(1);
      const got = await t.viewer.get(path);
      expect(got.headers.get('etag')).toBe('"1"');
      const patched = await t.staff.patch(path, { email: `v2-${record.id}-${Date.now()}@example.com` });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.data.version).toBe(2);
      expect(patched.headers.get('etag')).toBe('"2"');
      expect((await t.viewer.get(path)).headers.get('etag')).toBe('"2"');
    }
  });

  it('If-None-Match with the current ETag answers 304 without a body; an older one, or a list of others, 200', async () => {
    const contact = await createContact(t.staff, (await createCustomer(t.staff)).id);
    const path = `/api/contacts/${contact.id}/`;
    for (const header of ['"1"', 'W/"1"', '"9", "1"', '*']) {
      const res = await t.viewer.get(path, { headers: { 'if-none-match': header } });
      expect(res.status, header).toBe(304);
      expect(res.text).toBe('');
      expect(res.headers.get('etag')).toBe('"1"');
    }
    await t.staff.post(`/api/contacts/${contact.id}/toggle-status/`);
    const stale = await t.viewer.get(path, { headers: { 'if-none-match': '"1"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.data.version).toBe(2);
  });

  it('lists carry each row version, the same as the record ETag', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    await t.staff.post(`/api/contacts/${contact.id}/toggle-status/`);
    const list = await t.viewer.get(`/api/contacts/?customer_id=${customer.id}`);
    expect(list.body.data.results.map((c: { version: number }) => c.version)).toEqual([2]);
    const customers = await t.viewer.get('/api/customers/?page_size=100');
    const row = customers.body.data.results.find((c: { id: number }) => c.id === customer.id);
    expect(row.version).toBe(1);
  });

  it("renaming a customer moves its contacts' versions on (their answers show its name)", async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    expect((await t.staff.patch(`/api/customers/${customer.id}/`, { first_name: 'Renamed' })).status).toBe(200);
    const after = await t.viewer.get(`/api/contacts/${contact.id}/`);
    expect(after.body.data.customer_name).toMatch(/^Renamed /);
    expect(after.headers.get('etag')).toBe('"2"');
  });
});

describe.each(ADAPTERS)('If-Match through %s', (adapter) => {
  const staff = () => operations(t.url, t.staff.token).call.bind(null, adapter);

  it(`${N} editors holding the same ETag: exactly one write wins, the others get 412 with the current ETag`, async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const call = staff();
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        call(
          'contacts.patch',
          { id: contact.id, email: `editor${i}-${contact.id}@example.com` },
          { 'if-match': '"1"' },
        ),
      ),
    );
    expect(statuses(answers)).toEqual([200, ...Array(N - 1).fill(412)]);
    const winner = answers.find((a) => a.status === 200)!;
    expect(winner.data.version).toBe(2);
    for (const lost of answers.filter((a) => a.status === 412)) {
      expect(lost.headers.get('etag')).toBe('"2"');
      if (adapter === 'rest') expect(lost.body).toMatchObject({ success: false, current_etag: '"2"' });
      else expect(lost.body.error.data).toMatchObject({ appCode: 'precondition_failed', currentEtag: '"2"' });
    }
    const now = await t.viewer.get(`/api/contacts/${contact.id}/`);
    expect(now.body.data.email).toBe(winner.data.email);
  });

  it(`${N} editors of one customer with the same ETag: one 200`, async () => {
    const customer = await createCustomer(t.staff);
    const call = staff();
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        call('customers.patch', { id: customer.id, last_name: `Editor${i}` }, { 'if-match': '"1"' }),
      ),
    );
    expect(statuses(answers)).toEqual([200, ...Array(N - 1).fill(412)]);
  });

  it('set-primary, toggle and delete refuse a stale If-Match and change nothing; the current one goes through', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id, { is_primary: false, is_active: true });
    const call = staff();
    for (const name of ['contacts.setPrimary', 'contacts.toggleStatus', 'contacts.delete']) {
      const refused = await call(name, { id: contact.id }, { 'if-match': '"7"' });
      expect(refused.status, name).toBe(412);
    }
    const unchanged = (await t.viewer.get(`/api/contacts/${contact.id}/`)).body.data;
    expect(unchanged).toMatchObject({ version: 1, is_primary: false, is_active: true });
    const toggled = await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': '"1"' });
    expect(toggled.status).toBe(200);
    expect(toggled.data).toMatchObject({ version: 2, is_active: false });
    const primary = await call('contacts.setPrimary', { id: contact.id }, { 'if-match': '"2"' });
    expect(primary.data).toMatchObject({ version: 3, is_primary: true });
    expect((await call('contacts.delete', { id: contact.id }, { 'if-match': '"2"' })).status).toBe(412);
    expect((await call('contacts.delete', { id: contact.id }, { 'if-match': '"3"' })).status).toBe(
      adapter === 'rest' ? 204 : 200,
    );
    expect((await t.viewer.get(`/api/contacts/${contact.id}/`)).status).toBe(404);
  });

  it('a customer delete with a stale If-Match keeps the customer and its contacts', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id);
    const call = staff();
    expect((await call('customers.delete', { id: customer.id }, { 'if-match': '"2"' })).status).toBe(412);
    expect((await t.viewer.get(`/api/customers/${customer.id}/contacts/`)).body.data.contacts).toHaveLength(1);
    expect((await call('customers.delete', { id: customer.id }, { 'if-match': '"1"' })).status).toBeLessThan(300);
  });

  it('"*" matches any version; a weak ETag never does; a malformed If-Match is a 400 naming the header', async () => {
    const contact = await createContact(t.staff, (await createCustomer(t.staff)).id);
    const call = staff();
    expect((await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': '*' })).status).toBe(200);
    expect((await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': 'W/"2"' })).status).toBe(412);
    expect((await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': '"1", "2"' })).status).toBe(200);
    for (const header of ['3', '"3', 'abc']) {
      const bad = await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': header });
      expect(bad.status, header).toBe(400);
      expect(bad.errors).toHaveProperty(['If-Match']);
    }
    expect((await t.viewer.get(`/api/contacts/${contact.id}/`)).body.data.version).toBe(3);
  });

  it('If-Match on a record that does not exist is a 404', async () => {
    const call = staff();
    expect((await call('contacts.patch', { id: 99999999, email: 'x@example.com' }, { 'if-match': '"1"' })).status).toBe(
      404,
    );
  });
});
