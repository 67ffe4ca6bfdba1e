/**
 * The real server for the SDK's tests: the server's own test support (@ccm/server/testing) (an ephemeral port on 127.0.0.1, a fresh
 * database, an admin, a staff and a viewer user). One per test file: Sequelize models are global to a process.
 */
import { pathPattern, routeEntries } from '@ccm/contract';
import { PASSWORDS, startTestServer, type TestServer } from '@ccm/server/testing';
import { afterAll, beforeAll } from 'vitest';
import { type CcmClient, createClient } from '../src/index.js';

export { PASSWORDS, startTestServer, type TestServer };

/** A real server for the test file, and a client of it signed in as the admin (set before the first test). */
export function useSignedInServer(): { readonly server: TestServer; readonly ccm: CcmClient } {
  const state = {} as { server: TestServer; ccm: CcmClient };
  beforeAll(async () => {
    state.server = await startTestServer();
    state.ccm = createClient({ baseUrl: state.server.url });
    await state.ccm.login('admin', PASSWORDS.admin);
  });
  afterAll(async () => {
    await state.server?.close();
  });
  return state;
}

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
  return routeEntries().map(({ name, route }) => {
    const pattern = pathPattern(route.path);
    return {
      name,
      matches: (request: string) => {
        const [method, path = ''] = request.split(' ');
        return method === route.method && pattern.test(path);
      },
    };
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with what a call rejects with; rejects (failing the test) when the call resolves. */
export function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
}

export { contactBody, customerBody } from '@ccm/server/testing';
