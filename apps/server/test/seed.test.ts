import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedError, seed } from '../src/seed.js';
import { noteSqlWrite } from './support/consistency.js';
import { contactBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('seed (pnpm cli seed)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await seed(t.server.store, { contacts: 1_000, customers: 200 });
    // Written around the API: the reads after it need a replica that has it (support/consistency.ts).
    noteSqlWrite(await t.server.store.position());
  });
  afterAll(() => t.close());

  it('writes exactly the contacts and customers asked for, as the API counts them', async () => {
    const stats = (await t.admin.get('/api/contacts/stats/')).body.data;
    expect(stats.total_contacts).toBe(1_000);
    expect(stats.customers_with_contacts + stats.customers_without_contacts).toBe(200);
    // Most customers have a primary contact; some contacts are inactive; a few customers have none.
    expect(stats.primary_contacts).toBeGreaterThan(stats.customers_with_contacts * 0.7);
    expect(stats.primary_contacts).toBeLessThanOrEqual(stats.customers_with_contacts);
    expect(stats.inactive_contacts).toBeGreaterThan(0);
    expect(stats.customers_without_contacts).toBeGreaterThan(0);
  });

  it('writes rows the API reads back as valid answers (ids 1..N, customer codes, E.164 numbers)', async () => {
    const contact = (await t.admin.get('/api/contacts/1000/')).body.data;
    expect(contact.wa_number).toMatch(/^\+9477\d{7}$/);
    expect(contact.tp_number).toMatch(/^\+9411[2-57]\d{6}$/);
    const customer = (await t.admin.get('/api/customers/200/')).body.data;
    expect(customer.customer_id).toBe('CUST000200');
    expect(customer.nic).toMatch(/^(\d{9}V|\d{12})$/);
    const page = await t.admin.get('/api/contacts/?search=perera&page_size=100');
    expect(page.status).toBe(200);
    expect(page.body.data.count).toBeGreaterThan(0);
  });

  it('leaves the ids to continue after the seeded ones', async () => {
    const customer = await t.admin.post('/api/customers/', {
      username: 'after.seed',
      email: 'after.seed@example.com',
      first_name: 'After',
      last_name: 'Seed',
      nic: '991234567V',
    });
    expect(customer.status).toBe(201);
    expect(customer.body.data.id).toBe(201);
    const contact = await t.admin.post('/api/contacts/', contactBody(customer.body.data.id));
    expect(contact.status).toBe(201);
    expect(contact.body.data.id).toBe(1_001);
  });

  it('refuses a database that is not empty', async () => {
    await expect(seed(t.server.store, { contacts: 10, customers: 2 })).rejects.toThrow(SeedError);
  });
});
