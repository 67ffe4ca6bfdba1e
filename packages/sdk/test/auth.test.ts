import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CcmApiError,
  createClient,
  decodeJwtTimes,
  MemoryTokenStore,
  type TokenStore,
  type Tokens,
} from '../src/index.js';
import { PASSWORDS, recordingFetch, sleep, startTestServer, type TestServer } from './support.js';

/** Access tokens live 2 seconds here, so that tests can wait for one to expire. */
let server: TestServer;
const REFRESH = '/api/auth/token/refresh/';

beforeAll(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL: '2' });
});
afterAll(async () => {
  await server?.close();
});

/** Waits until `token` is past its `exp` (and a little more). */
async function waitForExpiry(token: string) {
  const { exp } = decodeJwtTimes(token);
  expect(exp).toBeDefined();
  await sleep(Math.max(0, (exp as number) * 1000 - Date.now()) + 150);
}

describe('token renewal', () => {
  it('a call after the access token expired succeeds: the token is renewed first, once', async () => {
    const recorder = recordingFetch();
    const ccm = createClient({ baseUrl: server.url, fetch: recorder.fetch });
    const { access, expires_in } = await ccm.login('admin', PASSWORDS.admin);
    expect(expires_in).toBe(2);
    await waitForExpiry(access);

    expect(await ccm.auth.me()).toMatchObject({ username: 'admin' });
    expect(recorder.count('POST', REFRESH)).toBe(1);
    expect((await ccm.getTokens())?.access).not.toBe(access);
    // The new token is used as is until it is close to its own expiry.
    await ccm.contacts.stats();
    expect(recorder.count('POST', REFRESH)).toBe(1);
  });

  it('concurrent calls after expiry wait for one renewal', async () => {
    const recorder = recordingFetch();
    const ccm = createClient({ baseUrl: server.url, fetch: recorder.fetch });
    const { access } = await ccm.login('staff', PASSWORDS.staff);
    await waitForExpiry(access);

    const results = await Promise.all([
      ...Array.from({ length: 8 }, () => ccm.auth.me()),
      ccm.contacts.list(),
      ccm.contacts.stats(),
      ccm.customers.list({ query: { page_size: 5 } }),
    ]);
    expect(results).toHaveLength(11);
    expect(recorder.count('POST', REFRESH)).toBe(1);
    expect(recorder.count('GET', '/api/auth/me/')).toBe(8);
  });

  it('a 401 on a token the client thought valid renews the session and retries once, for all concurrent calls', async () => {
    const login = createClient({ baseUrl: server.url });
    const { refresh } = await login.login('admin', PASSWORDS.admin);
    const recorder = recordingFetch();
    // An access token the server refuses (revoked, signed with an old key, a skewed clock...).
    const ccm = createClient({ baseUrl: server.url, fetch: recorder.fetch, tokens: { access: 'not-a-jwt', refresh } });

    const users = await Promise.all(Array.from({ length: 6 }, () => ccm.auth.me()));
    expect(users.every((u) => u.username === 'admin')).toBe(true);
    expect(recorder.count('POST', REFRESH)).toBe(1);
    // Each call: one 401, one retry.
    expect(recorder.count('GET', '/api/auth/me/')).toBe(12);

    // A POST refused with 401 is sent again too: the server did nothing with it.
    await ccm.setTokens({ access: 'not-a-jwt', refresh: (await ccm.getTokens())?.refresh ?? '' });
    const customer = await ccm.customers.create({
      body: { username: 'renewed', email: 'renewed@example.com', first_name: 'R', last_name: 'N', nic: '991234567V' },
    });
    expect(customer.username).toBe('renewed');
    expect(recorder.count('POST', '/api/customers/')).toBe(2);
    expect(recorder.count('POST', REFRESH)).toBe(2);
  });

  it('a refused refresh token ends the session: tokens cleared, onSessionExpired called once, a 401 thrown', async () => {
    const expired: CcmApiError[] = [];
    const ccm = createClient({
      baseUrl: server.url,
      tokens: { access: 'not-a-jwt', refresh: 'not-a-refresh-token' },
      onSessionExpired: (error) => expired.push(error),
    });
    const errors = await Promise.all([ccm.auth.me(), ccm.contacts.stats()].map((p) => p.catch((e: unknown) => e)));
    for (const error of errors) {
      expect(CcmApiError.is(error)).toBe(true);
      expect((error as CcmApiError).status).toBe(401);
    }
    expect(expired).toHaveLength(1);
    expect(expired[0]?.operation).toBe('auth.refresh');
    expect(await ccm.getTokens()).toBeNull();
    // Signed out now: the next call goes without a token.
    await expect(ccm.auth.me()).rejects.toMatchObject({
      status: 401,
      message: 'Authentication credentials were not provided.',
    });
  });

  it('logout waits for a renewal in flight, then revokes the newest refresh token', async () => {
    const recorder = recordingFetch();
    const written: (Tokens | null)[] = [];
    const store = new MemoryTokenStore();
    const ccm = createClient({
      baseUrl: server.url,
      fetch: recorder.fetch,
      tokenStore: {
        get: () => store.get(),
        set: (tokens) => {
          written.push(tokens);
          store.set(tokens);
        },
      },
    });
    const { access } = await ccm.login('admin', PASSWORDS.admin);
    await waitForExpiry(access);
    const call = ccm.auth.me();
    while (recorder.count('POST', REFRESH) === 0) await sleep(1);
    await ccm.logout();
    await call;
    expect(await ccm.getTokens()).toBeNull();
    expect(recorder.count('POST', REFRESH)).toBe(1);
    expect(recorder.count('POST', '/api/auth/logout/')).toBe(1);
    // Stored: the login pair, the renewed pair, then nothing. The renewed refresh token was revoked.
    expect(written.map((t) => t === null)).toEqual([false, false, true]);
    const res = await ccm.raw.auth.refresh({ body: { refresh: written[1]?.refresh ?? '' } });
    expect(res.status).toBe(401);
  });
});

describe('token store', () => {
  /** An async store, as a database or a keychain would be. */
  class SlowStore implements TokenStore {
    saved: Tokens | null = null;
    writes = 0;
    async get() {
      await sleep(5);
      return this.saved;
    }
    async set(tokens: Tokens | null) {
      await sleep(5);
      this.saved = tokens;
      this.writes += 1;
    }
  }

  it('keeps the session in a store of the app, shared by a second client (a restart)', async () => {
    const store = new SlowStore();
    const first = createClient({ baseUrl: server.url, tokenStore: store });
    await first.login('viewer', PASSWORDS.viewer);
    expect(store.saved?.access).toBeTruthy();

    const recorder = recordingFetch();
    const second = createClient({ baseUrl: server.url, tokenStore: store, fetch: recorder.fetch });
    await waitForExpiry(store.saved?.access ?? '');
    const before = store.saved;
    expect(await second.auth.me()).toMatchObject({ username: 'viewer' });
    expect(recorder.count('POST', REFRESH)).toBe(1);
    expect(store.saved).not.toEqual(before);
    await second.logout();
    expect(store.saved).toBeNull();
  });

  it('starts from a given token pair', async () => {
    const source = createClient({ baseUrl: server.url });
    const pair = await source.login('staff', PASSWORDS.staff);
    const ccm = createClient({ baseUrl: server.url, tokens: { access: pair.access, refresh: pair.refresh } });
    expect(await ccm.auth.me()).toMatchObject({ username: 'staff' });
  });
});
