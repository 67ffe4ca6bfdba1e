import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createContact, createCustomer } from './support/factories.js';
import type { Res } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

// The SQL statements each read route sends, counted through Sequelize's logging (DATABASE_LOGGING sends every
// statement to console.log, which is spied on before the server opens its database). A route that starts
// sending one statement per row, or a count over a join, shows here first.
const statements: string[] = [];
let t: TestServer;
let contactId: number;
let customerId: number;

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const line = String(args[0]);
    if (line.startsWith('Executing (')) statements.push(line);
  });
  t = await startTestServer({ DATABASE_LOGGING: 'true' });
  for (let i = 0; i < 6; i++) {
    const customer = await createCustomer(t.staff);
    customerId = customer.id;
    for (let j = 0; j < 3; j++) contactId = (await createContact(t.staff, customer.id, { is_primary: j === 0 })).id;
  }
});
afterAll(async () => {
  await t.close();
  vi.restoreAllMocks();
});

/** The statements one request sends (the answer must be a 200). */
async function count(request: () => Promise<Res>): Promise<number> {
  statements.length = 0;
  const res = await request();
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return statements.length;
}

describe('SQL statements per read route', () => {
  it('a contact: one', async () => {
    expect(await count(() => t.viewer.get(`/api/contacts/${contactId}/`))).toBe(1);
  });

  it('a page of contacts: two (the page and the total), filtered, ordered or deep', async () => {
    expect(await count(() => t.viewer.get('/api/contacts/'))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/?page=2&page_size=5&ordering=email'))).toBe(2);
    expect(await count(() => t.viewer.get(`/api/contacts/?customer_id=${customerId}&is_active=true`))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/?search=example'))).toBe(2);
  });

  it('customers with contacts: three, whatever the page size', async () => {
    expect(await count(() => t.viewer.get('/api/customers-with-contacts/?page_size=1'))).toBe(3);
    expect(await count(() => t.viewer.get('/api/customers-with-contacts/?page_size=6'))).toBe(3);
  });

  it("a customer's contacts: two; the statistics: one", async () => {
    expect(await count(() => t.viewer.get(`/api/customers/${customerId}/contacts/`))).toBe(2);
    expect(await count(() => t.viewer.get('/api/contacts/stats/'))).toBe(1);
  });
});
