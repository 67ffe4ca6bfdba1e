/**
 * The real server for the SDK's tests: apps/server's own test helper (an ephemeral port on 127.0.0.1, a fresh
 * database, an admin, a staff and a viewer user). One per test file: Sequelize models are global to a process.
 */
import { type ContactCreate, type CustomerCreate, contract } from '@ccm/contract';
import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';

export { PASSWORDS, startTestServer, type TestServer } from '../../../apps/server/test/support/server.js';

/** A `fetch` that records `METHOD /path/` of every request (for counting refreshes and covered routes). */
export function recordingFetch() {
  const requests: string[] = [];
  const fetch = (input: string, init: RequestInit) => {
    requests.push(`${init.method ?? 'GET'} ${new URL(input).pathname}`);
    return globalThis.fetch(input, init);
  };
  return {
    fetch,
    requests,
    count: (method: string, path: string) => requests.filter((r) => r === `${method} ${path}`).length,
  };
}

/** Every route of the contract, by name (`contacts.list`), with a matcher of recorded requests. */
export function contractRoutes(): { name: string; matches: (request: string) => boolean }[] {
  const out: { name: string; matches: (request: string) => boolean }[] = [];
  const walk = (router: AppRouter, prefix: string) => {
    for (const [key, value] of Object.entries(router)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (isAppRoute(value)) {
        const route = value as AppRoute;
        const pattern = new RegExp(`^${route.method} ${route.path.replace(/:[^/]+/g, '[^/]+')}$`);
        out.push({ name, matches: (request) => pattern.test(request) });
      } else walk(value, name);
    }
  };
  walk(contract, '');
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let seq = 0;
/** A valid, unique customer body. */
export function customerBody(overrides: Partial<CustomerCreate> = {}): CustomerCreate {
  seq += 1;
  return {
    username: `sdkuser${seq}`,
    email: `sdkuser${seq}@example.com`,
    first_name: 'Ada',
    last_name: `Lovelace${seq}`,
    nic: `${String(200000000 + seq).slice(-9)}V`,
    ...overrides,
  };
}

/** A valid, unique contact body (numbers in national form, as users type them). */
export function contactBody(customer: number, overrides: Partial<ContactCreate> = {}): ContactCreate {
  seq += 1;
  return {
    customer,
    email: `sdkcontact${seq}@example.com`,
    wa_number: `077${String(3000000 + seq).slice(-7)}`,
    tp_number: `011${String(4000000 + seq).slice(-7)}`,
    ...overrides,
  };
}
