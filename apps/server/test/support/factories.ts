import type { ContactCreate, CustomerCreate } from '@ccm/contract';
import { expect } from 'vitest';
import type { Api } from './http.js';

let seq = 0;
const next = () => {
  seq += 1;
  return seq;
};

/** The defaults with the overrides on top, typed as such (tests also override with values of the wrong type). */
type With<T, O> = Omit<T, keyof O> & O;

/** A valid, unique customer body. */
export function customerBody<O extends Record<string, unknown> = Record<never, never>>(
  overrides: O = {} as O,
): With<CustomerCreate, O> {
  const n = next();
  return {
    username: `user${n}`,
    email: `user${n}@example.com`,
    first_name: 'First',
    last_name: `Last${n}`,
    nic: `${String(100000000 + n).slice(-9)}V`,
    ...overrides,
  };
}

/** A valid, unique contact body for a customer (numbers in national form, as users type them). */
export function contactBody<O extends Record<string, unknown> = Record<never, never>>(
  customer: number,
  overrides: O = {} as O,
): With<ContactCreate, O> {
  const n = next();
  return {
    customer,
    email: `contact${n}@example.com`,
    wa_number: `077${String(1000000 + n).slice(-7)}`,
    tp_number: `011${String(2000000 + n).slice(-7)}`,
    ...overrides,
  };
}

/** Creates a customer and returns its data (fails the test when the API refuses). */
export async function createCustomer(client: Api, overrides: Record<string, unknown> = {}) {
  const res = await client.post('/api/customers/', customerBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

export async function createContact(client: Api, customer: number, overrides: Record<string, unknown> = {}) {
  const res = await client.post('/api/contacts/', contactBody(customer, overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
