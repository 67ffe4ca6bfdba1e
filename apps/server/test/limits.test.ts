import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Res } from './support/http.js';
import { PASSWORDS, startTestServer, type TestServer } from './support/server.js';

// The login throttle and the general rate limit, counted in memory (limits-redis.test.ts: in Redis). The
// server trusts the loopback proxy, so each test speaks from addresses of its own with X-Forwarded-For.

const MAX_FAILURES = 3;
const MAX_PER_ADDRESS = 6;
const WINDOW = 600;
const PER_MINUTE = 40;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    TRUST_PROXY: 'loopback',
    LOGIN_MAX_FAILURES: String(MAX_FAILURES),
    LOGIN_MAX_FAILURES_PER_ADDRESS: String(MAX_PER_ADDRESS),
    LOGIN_WINDOW_SECONDS: String(WINDOW),
    RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
  });
});
afterAll(() => t.close());

let addressSeq = 0;
/** A client address no other test uses. */
const newAddress = () => {
  addressSeq += 1;
  return `198.51.100.${addressSeq}`;
};

const login = (username: string, password: string, address: string) =>
  t.anon.post('/api/auth/token/', { username, password }, { headers: { 'x-forwarded-for': address } });

let userSeq = 0;
async function newUser(): Promise<{ username: string; password: string }> {
  userSeq += 1;
  const user = { username: `throttled${userSeq}`, password: `password-of-user-${userSeq}` };
  await t.server.services.users.create({ ...user, role: 'staff' });
  return user;
}

/** The 429 envelope with a Retry-After of at most `max` seconds. */
function expectRateLimited(res: Res, max: number) {
  expect(res.status, res.text).toBe(429);
  expect(res.body.success).toBe(false);
  expect(res.body.message).toMatch(/^Too many .*Try again in \d+ seconds\.$/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(max);
  expect(res.body.message).toContain(`in ${retryAfter} seconds`);
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

describe('login throttle per username', () => {
  it(`answers 429 with Retry-After after ${MAX_FAILURES} failures, even to the right password, from any address`, async () => {
    const user = await newUser();
    const address = newAddress();
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect((await login(user.username, 'wrong password!', address)).status).toBe(401);
    }
    const blocked = await login(user.username, user.password, address);
    expectRateLimited(blocked, WINDOW);
    expect(blocked.body.message).toMatch(/^Too many failed login attempts\./);
    expectRateLimited(await login(user.username, user.password, newAddress()), WINDOW);
    // Case variants are the same budget.
    expectRateLimited(await login(user.username.toUpperCase(), user.password, newAddress()), WINDOW);
    // Other users are not affected.
    const other = await newUser();
    expect((await login(other.username, other.password, newAddress())).status).toBe(200);
  });

  it('throttles an unknown username the same way (no hint that it does not exist)', async () => {
    const address = newAddress();
    const answers = [];
    for (let i = 0; i <= MAX_FAILURES; i++) answers.push(await login('nobody-by-this-name', 'whatever-1', address));
    expect(answers.map((r) => r.status)).toEqual([...Array(MAX_FAILURES).fill(401), 429]);
  });

  it('forgets the failures of a username after a successful login', async () => {
    const user = await newUser();
    const address = newAddress();
    for (let i = 0; i < MAX_FAILURES - 1; i++)
      expect((await login(user.username, 'nope-nope', address)).status).toBe(401);
    expect((await login(user.username, user.password, address)).status).toBe(200);
    for (let i = 0; i < MAX_FAILURES; i++)
      expect((await login(user.username, 'nope-nope', newAddress())).status).toBe(401);
    expectRateLimited(await login(user.username, 'nope-nope', newAddress()), WINDOW);
  });

  it('counts parallel guesses before checking them: none slips past the limit', async () => {
    const user = await newUser();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => login(user.username, 'parallel-guess', newAddress())),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(MAX_FAILURES).fill(401), ...Array(12 - MAX_FAILURES).fill(429)]);
  });
});

describe('login throttle per client address', () => {
  it(`answers 429 after ${MAX_PER_ADDRESS} failures from one address, whatever the usernames`, async () => {
    const address = newAddress();
    for (let i = 0; i < MAX_PER_ADDRESS; i++) {
      expect((await login(`sprayed-user-${i}`, 'Summer2024!', address)).status).toBe(401);
    }
    expectRateLimited(await login('sprayed-user-last', 'Summer2024!', address), WINDOW);
    // Even a valid account gets no password check from that address now...
    const user = await newUser();
    expectRateLimited(await login(user.username, user.password, address), WINDOW);
    // ...while everyone else still logs in.
    expect((await login(user.username, user.password, newAddress())).status).toBe(200);
  });

  it('keeps counting an address across successful logins of its own account', async () => {
    const address = newAddress();
    const mine = await newUser();
    for (let i = 0; i < MAX_PER_ADDRESS; i++) {
      expect((await login(`victim-${i}`, 'guess-guess', address)).status).toBe(401);
      if (i < MAX_PER_ADDRESS - 1) expect((await login(mine.username, mine.password, address)).status).toBe(200);
    }
    expectRateLimited(await login(`victim-x`, 'guess-guess', address), WINDOW);
  });
});

describe('general rate limit', () => {
  it(`allows ${PER_MINUTE} requests a minute per signed-in user, then 429 with Retry-After`, async () => {
    const answers: Res[] = [];
    for (let i = 0; i < PER_MINUTE; i++) answers.push(await t.viewer.get('/api/contacts/stats/'));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const refused = await t.viewer.get('/api/contacts/stats/');
    expectRateLimited(refused, 60);
    expect(refused.body.message).toMatch(/^Too many requests\./);
    // Any route, any method: the same budget.
    expectRateLimited(await t.viewer.get('/api/auth/me/'), 60);
    // Other users have their own budget.
    expect((await t.staff.get('/api/contacts/stats/')).status).toBe(200);
  });

  it('counts every token of a user together: logging in again does not reset the budget', async () => {
    const fresh = await login('viewer', PASSWORDS.viewer, newAddress());
    expect(fresh.status).toBe(200);
    const res = await t.anon.get('/api/auth/me/', { headers: { authorization: `Bearer ${fresh.body.data.access}` } });
    expectRateLimited(res, 60);
  });

  it(`allows ${PER_MINUTE} anonymous requests a minute per address`, async () => {
    const address = newAddress();
    const headers = { 'x-forwarded-for': address };
    for (let i = 0; i < PER_MINUTE; i++) expect((await t.anon.get('/api/health/', { headers })).status).toBe(200);
    expectRateLimited(await t.anon.get('/api/health/', { headers }), 60);
    expect((await t.anon.get('/api/health/', { headers: { 'x-forwarded-for': newAddress() } })).status).toBe(200);
  });

  it('counts requests with a bad token against their address', async () => {
    const headers = { 'x-forwarded-for': newAddress(), authorization: 'Bearer not.a.token' };
    for (let i = 0; i < PER_MINUTE; i++) expect((await t.anon.get('/api/contacts/', { headers })).status).toBe(401);
    expectRateLimited(await t.anon.get('/api/contacts/', { headers }), 60);
  });
});

describe('CORS by default', () => {
  it('allows no cross-origin caller when CORS_ORIGINS is empty', async () => {
    const origin = 'https://app.example.com';
    const res = await t.staff.get('/api/contacts/', { headers: { origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await t.anon.request('OPTIONS', '/api/contacts/', undefined, {
      headers: { origin, 'access-control-request-method': 'GET', 'x-forwarded-for': newAddress() },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.status).toBe(405);
  });
});
