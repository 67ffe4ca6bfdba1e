import { routeEntries } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { operations } from './support/adapters.js';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// What an attacker or a careless client sends, on every database (TEST_DATABASE_URL): each gets a 4xx in the
// adapter's error format, and nothing is written.

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

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

describe('input that once answered 500', () => {
  const cursorOf = (ordering: string, value: string | number, id: number) =>
    Buffer.from(JSON.stringify([ordering, value, id, 0])).toString('base64url');

  it.each([
    ['-created_at', '2026-01-01T00:00:00.000Z', 2 ** 31],
    ['-id', 2 ** 31, 2 ** 31],
    ['id', 1, 2 ** 31],
    ['email', 'a@example.com', 2 ** 40],
    ['-id', 2 ** 31 + 5, 7],
  ])('a cursor beyond the id column (%s, %j, %j): 400 through both adapters', async (ordering, value, id) => {
    const cursor = cursorOf(ordering, value, id);
    const ops = operations(t.url, t.viewer.token);
    for (const answer of [
      await ops.rest('contacts.list', { ordering, cursor }),
      await ops.trpc('contacts.list', { ordering, cursor }),
    ]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.errors).toEqual({ cursor: ['Invalid cursor.'] });
    }
  });

  it.each(['gzip', 'deflate'])(
    'a body that says Content-Encoding %s but is not: 400 through both adapters',
    async (encoding) => {
      const before = (await t.staff.get('/api/customers/')).body.data.count;
      for (const path of ['/api/customers/', '/trpc/customers.create']) {
        const res = await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${t.staff.token}`,
            'content-type': 'application/json',
            'content-encoding': encoding,
          },
          body: '{"username": "plain text, not compressed"}',
        });
        expect(res.status, `${path}: ${await res.clone().text()}`).toBe(400);
        expect(await res.text()).toContain('could not be decoded');
      }
      expect((await t.staff.get('/api/customers/')).body.data.count).toBe(before);
    },
  );

  it('a gzip body that is gzip is read', async () => {
    const { gzipSync } = await import('node:zlib');
    const { customerBody } = await import('./support/factories.js');
    const res = await fetch(`${t.url}/api/customers/`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.staff.token}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify(customerBody())),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('a body nested 100,000 levels deep: 400 through both adapters, nothing written', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const before = (await t.staff.get('/api/customers/')).body.data.count;
    for (const path of [
      '/api/customers/',
      '/trpc/customers.create',
      '/api/contacts/bulk-create/',
      '/trpc/contacts.bulkCreate',
    ]) {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.staff.token}`, 'content-type': 'application/json' },
        body: `{"username": ${deep}, "contacts": ${deep}}`,
      });
      expect(res.status, path).toBe(400);
      expect(await res.text()).toContain('nested too deeply');
    }
    // A query's input, which tRPC parses itself.
    const input = encodeURIComponent(JSON.stringify({ search: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }));
    const query = await fetch(`${t.url}/trpc/contacts.list?input=${input}`, {
      headers: { authorization: `Bearer ${t.viewer.token}` },
    });
    expect(query.status).toBe(400);
    expect((await t.staff.get('/api/customers/')).body.data.count).toBe(before);
  });
});

describe('REST: each part of a request counts only where the route declares it', () => {
  it('a query string on a write changes nothing (only the body does)', async () => {
    const customer = await (await import('./support/factories.js')).createCustomer(t.staff);
    const res = await t.staff.patch(`/api/customers/${customer.id}/?is_verified=true&first_name=Injected`, {});
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ is_verified: false, first_name: customer.first_name });
  });
});
