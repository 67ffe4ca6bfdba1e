import { describe, expect } from 'vitest';
import { ADAPTERS, operations } from './support/adapters.js';
import { createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';

// POST /api/customers/lookup/ (customers.lookup): the customers an import's `customer` column names, by id, code
// or username, each reference answered in order.

describe.each(ADAPTERS)('customers.lookup through %s', (adapter) => {
  test('names a customer by id, code (in any case) or username; null for none', async ({ server: t }) => {
    const active = await createCustomer(t.staff);
    const inactive = await createCustomer(t.staff, { is_active: false });
    // A username of digits is read as an id: such a customer is named by its id instead.
    const digits = await createCustomer(t.staff, { username: `${990_000 + active.id}` });
    const references = [
      String(active.id),
      active.customer_id.toLowerCase(),
      active.username,
      inactive.username,
      'nobody-at-all',
      String(active.id),
      digits.username,
      'CUST999999999',
    ];
    const res = await operations(t.url, t.viewer.token).call(adapter, 'customers.lookup', { references });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const summary = { id: active.id, customer_id: active.customer_id, username: active.username, is_active: true };
    expect(res.data.customers).toEqual([
      { reference: String(active.id), customer: summary },
      { reference: active.customer_id.toLowerCase(), customer: summary },
      { reference: active.username, customer: summary },
      { reference: inactive.username, customer: expect.objectContaining({ id: inactive.id, is_active: false }) },
      { reference: 'nobody-at-all', customer: null },
      { reference: String(active.id), customer: summary },
      { reference: digits.username, customer: null },
      { reference: 'CUST999999999', customer: null },
    ]);
  });

  test('refuses an empty list, a blank reference, more than 1,000, and a caller without a token', async ({
    server: t,
  }) => {
    const call = (input: unknown, token: string | undefined) =>
      operations(t.url, token).call(adapter, 'customers.lookup', input);
    for (const references of [[], ['  '], Array.from({ length: 1001 }, (_, i) => `user${i}`), 'abc']) {
      const res = await call({ references }, t.viewer.token);
      expect(res.status, JSON.stringify(references).slice(0, 40)).toBe(400);
      expect(
        Object.keys(res.errors ?? {}).some((k) => k.startsWith('references')),
        JSON.stringify(res.errors),
      ).toBe(true);
    }
    expect((await call({ references: ['x'] }, undefined)).status).toBe(401);
  });
});
