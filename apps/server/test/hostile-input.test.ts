import { routeEntries } from '@ccm/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from './support/adapters.js';
import { createContact, createCustomer } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// What an attacker or a careless client sends, on every database (TEST_DATABASE_URL): each gets a 4xx in the
// adapter's error format, and nothing is written.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** Operations whose input names a record by `id`. */
const byId = routeEntries()
  .filter((e) => e.route.path.includes(':id'))
  .map((e) => e.name);

describe('tRPC: an id is a positive integer, nothing else', () => {
  const notIds = [true, false, [1], '1', '0x1', '1e0', ' 1', 1.5, 0, -1, null, { id: 1 }, 2 ** 53];

  it.each(notIds.map((id) => [JSON.stringify(id), id]))(
    '%s is refused by every procedure, and nothing changes',
    async (_, id) => {
      const customer = await createCustomer(t.staff);
      const contact = await createContact(t.staff, customer.id, { is_active: true });
      const before = (await t.staff.get(`/api/contacts/${contact.id}/`)).body.data;
      const call = operations(t.url, t.admin.token).trpc;
      // Ids the coercion would have read as this contact's, or as record 1.
      for (const name of byId) {
        const res = await call(name, { id });
        expect(res.status, `${name} ${JSON.stringify(id)}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(Object.keys(res.errors ?? {}), name).toContain('id');
      }
      expect((await t.staff.get(`/api/contacts/${contact.id}/`)).body.data).toEqual(before);
      expect((await t.staff.get(`/api/customers/${customer.id}/`)).status).toBe(200);
    },
  );

  it('toggling {"id": true} no longer toggles contact 1', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id);
    const call = operations(t.url, t.staff.token).trpc;
    const before = (await t.staff.get(`/api/contacts/${first.id}/`)).body.data.is_active;
    expect((await call('contacts.toggleStatus', { id: first.id === 1 ? true : String(first.id) })).status).toBe(400);
    expect((await t.staff.get(`/api/contacts/${first.id}/`)).body.data.is_active).toBe(before);
  });
});

describe('tRPC list inputs take values, not query-string text', () => {
  const call = () => operations(t.url, t.viewer.token).trpc;

  it.each([
    ['contacts.list', { customer_id: '3' }, 'customer_id'],
    ['contacts.list', { is_active: 'true' }, 'is_active'],
    ['contacts.list', { is_primary: 1 }, 'is_primary'],
    ['contacts.list', { page: '2' }, 'page'],
    ['contacts.list', { page_size: '5' }, 'page_size'],
    ['customers.list', { is_verified: 'false' }, 'is_verified'],
    ['customers.withContacts', { page: '1' }, 'page'],
    ['users.list', { page_size: '10' }, 'page_size'],
  ] as const)('%s %j: 400 on %s', async (name, input, field) => {
    const caller = name === 'users.list' ? operations(t.url, t.admin.token).trpc : call();
    const res = await caller(name, input);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(Object.keys(res.errors ?? {})).toEqual([field]);
  });

  it('the same filters as values work, and match REST', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { is_active: false });
    const res = await call()('contacts.list', { customer_id: customer.id, is_active: false, page: 1, page_size: 5 });
    expect(res.status).toBe(200);
    const rest = await t.viewer.get(`/api/contacts/?customer_id=${customer.id}&is_active=false&page_size=5`);
    expect(res.data.results).toEqual(rest.body.data.results);
    expect(res.data.count).toBe(1);
  });
});
