import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, operations } from './support/adapters.js';
import { customerBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// One canonical form for a username, for the lookup, the login throttle and uniqueness, compared the same way
// on every database (TEST_DATABASE_URL): MariaDB's PAD SPACE collations once let `"admin "` sign in as `admin`
// past the lockout that `admin` was under.

const MAX_FAILURES = 5;
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
});
afterAll(() => t.close());

let seq = 0;
async function newUser() {
  seq += 1;
  const user = { username: `canon-${seq}`, password: `password-of-${seq}` };
  await t.server.services.users.create({ ...user, role: 'staff' });
  return user;
}

describe.each(ADAPTERS)('through %s', (adapter) => {
  const login = (username: string, password: string) =>
    operations(t.url).call(adapter, 'auth.login', { username, password });

  it(`after ${MAX_FAILURES} wrong passwords, the name with spaces around it is locked out too`, async () => {
    const user = await newUser();
    for (let i = 0; i < MAX_FAILURES; i++) expect((await login(user.username, 'wrong-password')).status).toBe(401);
    for (const variant of [user.username, `${user.username} `, ` ${user.username}`, `${user.username}\t`]) {
      const res = await login(variant, user.password);
      expect(res.status, JSON.stringify(variant)).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('a login trims the name it is given; it is otherwise exact (case, inner characters)', async () => {
    const user = await newUser();
    expect((await login(`  ${user.username} `, user.password)).status).toBe(200);
    expect((await login(user.username.toUpperCase(), user.password)).status).toBe(401);
    expect((await login(`${user.username}\u00a0x`, user.password)).status).toBe(401);
  });

  it('a username with a space around it is refused at creation, for users and customers', async () => {
    const call = operations(t.url, t.admin.token).call;
    for (const username of [' spaced', 'spaced ', 'spaced\t']) {
      const res = await call(adapter, 'users.create', {
        username,
        email: 'spaced@example.com',
        password: 'spaced-password-1',
        role: 'staff',
      });
      expect(res.status, JSON.stringify(username)).toBe(400);
      expect(Object.keys(res.errors ?? {})).toEqual(['username']);
      const customer = await call(adapter, 'customers.create', customerBody({ username }));
      expect(customer.status, JSON.stringify(username)).toBe(400);
      expect(Object.keys(customer.errors ?? {})).toEqual(['username']);
    }
  });

  it('a NUL in the username is a 400, not a 500', async () => {
    const res = await login('adm\u0000in', 'whatever-password');
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.errors?.username).toEqual(['Null characters are not allowed.']);
  });
});
