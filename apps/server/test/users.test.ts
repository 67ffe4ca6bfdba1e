import { describe, expect, it } from 'vitest';
import { createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import { type Api, api, type Res } from './support/http.js';
import type { TestServer } from './support/server.js';

// User administration (admin only) and the password change, over REST against the live server.

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const FORBIDDEN = 'You do not have permission to perform this action.';
const NOT_PROVIDED = 'Authentication credentials were not provided.';
const BAD_CREDENTIALS = 'No active account found with the given credentials';
const PASSWORD = 'initial-password-1';

function expectError(res: Res, status: number, message?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body.success).toBe(false);
  if (message !== undefined) expect(res.body.message).toBe(message);
}

let seq = 0;
/** A new user through the API; answers its account as the API gives it. */
async function newUser(role: 'admin' | 'staff' | 'viewer' = 'viewer', password = PASSWORD) {
  seq += 1;
  const body = { username: `user${seq}`, email: `user${seq}@example.com`, password, role };
  const res = await t.admin.post('/api/users/', body);
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: number; username: string; role: string; is_active: boolean };
}

const login = (username: string, password = PASSWORD) => t.anon.post('/api/auth/token/', { username, password });
const refresh = (token: string) => t.anon.post('/api/auth/token/refresh/', { refresh: token });

/** Signs in; answers the pair and a client with its access token. */
async function session(username: string, password = PASSWORD) {
  const res = await login(username, password);
  expect(res.status, res.text).toBe(200);
  return { pair: res.body.data as { access: string; refresh: string }, client: api(t.url, res.body.data.access) };
}

async function idOf(username: string): Promise<number> {
  const res = await t.admin.get('/api/users/?page_size=100');
  const user = res.body.data.results.find((u: { username: string }) => u.username === username);
  expect(user, username).toBeDefined();
  return user.id;
}

describe('access', () => {
  it('every users route: admin succeeds, staff and viewer get 403, anonymous 401', async () => {
    const target = await newUser();
    const routes: Array<{ method: string; path: string; body?: unknown; ok: number }> = [
      { method: 'GET', path: '/api/users/', ok: 200 },
      {
        method: 'POST',
        path: '/api/users/',
        body: { username: 'access-check', email: 'access@example.com', password: PASSWORD, role: 'staff' },
        ok: 201,
      },
      { method: 'GET', path: `/api/users/${target.id}/`, ok: 200 },
      { method: 'PATCH', path: `/api/users/${target.id}/`, body: { role: 'staff' }, ok: 200 },
      { method: 'POST', path: `/api/users/${target.id}/revoke-sessions/`, ok: 200 },
    ];
    for (const r of routes) {
      expectError(await t.anon.request(r.method, r.path, r.body), 401, NOT_PROVIDED);
      for (const who of [t.staff, t.viewer]) expectError(await who.request(r.method, r.path, r.body), 403, FORBIDDEN);
      const res = await t.admin.request(r.method, r.path, r.body);
      expect(res.status, `${r.method} ${r.path}: ${res.text}`).toBe(r.ok);
      expect(res.body.success).toBe(true);
    }
    // Nothing the refused calls asked for happened before the admin's.
    expect((await t.admin.get('/api/users/?page_size=100')).body.data.count).toBe(5);
    expectError(await t.anon.post('/api/auth/password/', { current_password: 'x', new_password: 'y'.repeat(8) }), 401);
  });

  it('the list is paginated like the others, oldest first, without password hashes', async () => {
    const res = await t.admin.get('/api/users/?page_size=2');
    expect(res.status).toBe(200);
    expect(res.body.data.results).toHaveLength(2);
    expect(res.body.data.count).toBeGreaterThanOrEqual(3);
    expect(res.body.data.next).toMatch(/page=2/);
    expect(res.body.data.previous).toBeNull();
    expect(res.body.data.results[0]).toMatchObject({ username: 'admin', role: 'admin', is_active: true });
    expect(Object.keys(res.body.data.results[0]).sort()).toEqual(
      ['created_at', 'email', 'id', 'is_active', 'role', 'updated_at', 'username'].sort(),
    );
    expectError(await t.admin.get('/api/users/?page=999'), 404, 'Invalid page.');
    expectError(await t.admin.get('/api/users/?page_size=0'), 400);
  });
});

describe('create', () => {
  it('the new user can sign in with its role', async () => {
    const user = await newUser('staff');
    expect(user).toMatchObject({ role: 'staff', is_active: true });
    const { pair } = await session(user.username);
    expect((pair as unknown as { user: { role: string } }).user.role).toBe('staff');
  });

  it('validation errors name the fields', async () => {
    const missing = await t.admin.post('/api/users/', {});
    expectError(missing, 400);
    expect(Object.keys(missing.body.errors).sort()).toEqual(['email', 'password', 'role', 'username']);
    const bad = await t.admin.post('/api/users/', {
      username: 'ok-name',
      email: 'not-an-email',
      password: 'short',
      role: 'root',
    });
    expectError(bad, 400);
    expect(bad.body.errors.password).toEqual(['At least 8 characters.']);
    expect(bad.body.errors.email).toBeDefined();
    expect(bad.body.errors.role).toBeDefined();
    expect(bad.body.errors.username).toBeUndefined();
    expectError(
      await t.admin.post('/api/users/', {
        username: 'a b',
        email: 'x@example.com',
        password: PASSWORD,
        role: 'viewer',
      }),
      400,
    );
  });

  it('a duplicate username is a 400 on username', async () => {
    const res = await t.admin.post('/api/users/', {
      username: 'staff',
      email: 'another@example.com',
      password: PASSWORD,
      role: 'viewer',
    });
    expectError(res, 400);
    expect(res.body.errors).toEqual({ username: ['A user with that username already exists.'] });
  });
});

describe('update', () => {
  it('404 for a missing user, 400 for a bad role or flag', async () => {
    expectError(await t.admin.patch('/api/users/999999/', { role: 'staff' }), 404, 'User not found.');
    expectError(await t.admin.get('/api/users/999999/'), 404);
    expectError(await t.admin.post('/api/users/999999/revoke-sessions/'), 404);
    const user = await newUser();
    const bad = await t.admin.patch(`/api/users/${user.id}/`, { role: 'root', is_active: 'no' });
    expectError(bad, 400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['is_active', 'role']);
    expect((await t.admin.get(`/api/users/${user.id}/`)).body.data).toMatchObject({ role: 'viewer', is_active: true });
  });

  it('an admin cannot demote or deactivate itself (400), and nothing changes', async () => {
    const me = await idOf('admin');
    for (const body of [
      { role: 'staff' },
      { role: 'viewer' },
      { is_active: false },
      { role: 'admin', is_active: false },
    ]) {
      expectError(await t.admin.patch(`/api/users/${me}/`, body), 400);
    }
    const same = await t.admin.patch(`/api/users/${me}/`, { role: 'admin', is_active: true });
    expect(same.status).toBe(200);
    expect(same.body.data).toMatchObject({ role: 'admin', is_active: true });
    expect((await t.admin.get('/api/auth/me/')).status).toBe(200);
  });

  it('a role change takes effect at once, for the tokens in hand too', async () => {
    const user = await newUser('viewer');
    const { pair, client } = await session(user.username);
    expectError(await client.post('/api/customers/', customerBody()), 403);
    const patched = await t.admin.patch(`/api/users/${user.id}/`, { role: 'staff' });
    expect(patched.body.data.role).toBe('staff');
    // Access is checked against the current role, not the one the token was issued with.
    expect((await client.post('/api/customers/', customerBody())).status).toBe(201);
    const renewed = await refresh(pair.refresh);
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body.data.user.role).toBe('staff');
    const again = await session(user.username);
    expect((await again.client.get('/api/auth/me/')).body.data.role).toBe('staff');
    // And back down: every token in hand is a viewer's again.
    await t.admin.patch(`/api/users/${user.id}/`, { role: 'viewer' });
    for (const token of [pair.access, renewed.body.data.access, again.pair.access]) {
      expectError(await api(t.url, token).post('/api/customers/', customerBody()), 403, FORBIDDEN);
    }
  });

  it('a demoted admin loses admin power at once: it can neither list users nor mint an admin', async () => {
    const user = await newUser('admin');
    const { client } = await session(user.username);
    expect((await client.get('/api/users/')).status).toBe(200);
    expect((await t.admin.patch(`/api/users/${user.id}/`, { role: 'viewer' })).status).toBe(200);
    expectError(await client.get('/api/users/'), 403, FORBIDDEN);
    const minted = await client.post('/api/users/', {
      username: `minted${user.id}`,
      email: `minted${user.id}@example.com`,
      password: PASSWORD,
      role: 'admin',
    });
    expectError(minted, 403, FORBIDDEN);
    expectError(await client.patch(`/api/users/${user.id}/`, { role: 'admin' }), 403, FORBIDDEN);
  });
});

describe('deactivation', () => {
  it('locks the user out at once: login, refresh and the access tokens in hand all 401', async () => {
    const user = await newUser('staff');
    const { pair, client } = await session(user.username);
    expect((await client.get('/api/contacts/')).status).toBe(200);
    const res = await t.admin.patch(`/api/users/${user.id}/`, { is_active: false });
    expect(res.status).toBe(200);
    expect(res.body.data.is_active).toBe(false);

    expectError(await login(user.username), 401, BAD_CREDENTIALS);
    expectError(await refresh(pair.refresh), 401);
    expectError(await client.get('/api/auth/me/'), 401);
    expectError(await client.get('/api/contacts/'), 401);

    // Reactivated: it signs in again; the old refresh and access tokens stay dead.
    const back = await t.admin.patch(`/api/users/${user.id}/`, { is_active: true });
    expect(back.body.data.is_active).toBe(true);
    expectError(await refresh(pair.refresh), 401);
    expectError(await client.get('/api/contacts/'), 401);
    const fresh = await session(user.username);
    expect((await fresh.client.get('/api/contacts/')).status).toBe(200);
  });
});

describe('revoke sessions', () => {
  it("ends every session of the user, refresh and access tokens alike, and only that user's", async () => {
    const user = await newUser();
    const a = await session(user.username);
    const b = await session(user.username);
    const other = await newUser();
    const bystander = await session(other.username);
    const res = await t.admin.post(`/api/users/${user.id}/revoke-sessions/`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Sessions revoked successfully', data: null });
    expectError(await refresh(a.pair.refresh), 401);
    expectError(await refresh(b.pair.refresh), 401);
    // The access tokens in hand end with them.
    expectError(await a.client.get('/api/contacts/'), 401);
    expectError(await b.client.get('/api/contacts/'), 401);
    expect((await bystander.client.get('/api/contacts/')).status).toBe(200);
    expect((await refresh(bystander.pair.refresh)).status).toBe(200);
    // A new login works.
    const c = await session(user.username);
    expect((await refresh(c.pair.refresh)).status).toBe(200);
  });
});

describe('password change', () => {
  it('needs the right current password and a long enough new one (400)', async () => {
    const user = await newUser('viewer');
    const { client } = await session(user.username);
    const wrong = await client.post('/api/auth/password/', {
      current_password: 'not-the-password',
      new_password: 'new-password-1',
    });
    expectError(wrong, 400);
    expect(wrong.body.errors).toEqual({ current_password: ['The current password is not correct.'] });
    const short = await client.post('/api/auth/password/', { current_password: PASSWORD, new_password: 'short' });
    expectError(short, 400);
    expect(short.body.errors.new_password).toEqual(['At least 8 characters.']);
    expectError(await client.post('/api/auth/password/', {}), 400);
    // Still the old password.
    await session(user.username);
  });

  it('the new password works, the old one fails, and every other session ends, access tokens included', async () => {
    const user = await newUser('staff');
    const mine = await session(user.username);
    const elsewhere = await session(user.username);
    const res = await mine.client.post('/api/auth/password/', {
      current_password: PASSWORD,
      new_password: 'brand-new-password',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ token_type: 'Bearer', user: { username: user.username } });

    expectError(await login(user.username), 401, BAD_CREDENTIALS);
    await session(user.username, 'brand-new-password');
    expectError(await refresh(elsewhere.pair.refresh), 401);
    expectError(await refresh(mine.pair.refresh), 401);
    expectError(await elsewhere.client.get('/api/contacts/'), 401);
    expectError(await mine.client.get('/api/contacts/'), 401);
    // The pair it answered carries on the caller's session.
    const next = await refresh(res.body.data.refresh);
    expect(next.status).toBe(200);
    expect((await api(t.url, next.body.data.access).get('/api/auth/me/')).body.data.username).toBe(user.username);
  });

  it('any role may change its own password', async () => {
    for (const role of ['viewer', 'staff', 'admin'] as const) {
      const user = await newUser(role);
      const { client } = await session(user.username);
      const res = await client.post('/api/auth/password/', {
        current_password: PASSWORD,
        new_password: `${role}-pw-2026`,
      });
      expect(res.status, `${role}: ${res.text}`).toBe(200);
    }
  });
});

describe('unaffected', () => {
  it('the other routes still work for the test users', async () => {
    const customer = await createCustomer(t.staff);
    expect((await (t.viewer as Api).get(`/api/customers/${customer.id}/`)).status).toBe(200);
  });
});
