import { contract } from '@ccm/contract';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { User } from '../src/db/models/index.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import { type Api, api, type Res } from './support/http.js';
import { JWT_SECRET, PASSWORDS, type TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const BAD_CREDENTIALS = 'No active account found with the given credentials';
const NOT_PROVIDED = 'Authentication credentials were not provided.';
const FORBIDDEN = 'You do not have permission to perform this action.';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** The error envelope of the API, with the given status (and message when given). */
function expectError(res: Res, status: number, message?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(res.body.success).toBe(false);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message.length).toBeGreaterThan(0);
  expect(res.body).not.toHaveProperty('data');
  if (message !== undefined) expect(res.body.message).toBe(message);
}

/** A 401 as the API gives it: the envelope plus a Bearer challenge. */
function expect401(res: Res, message?: string) {
  expectError(res, 401, message);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
/** The three parts of a compact JWT. */
function jwtParts(token: string): [string, string, string] {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  return parts as [string, string, string];
}
const decodeJwt = (token: string) => {
  const [header, payload] = jwtParts(token);
  return { header: decodePart(header), payload: decodePart(payload) };
};

/** GET /api/contacts/ with a raw Authorization header. */
const contactsWithHeader = (authorization: string) => t.anon.get('/api/contacts/', { headers: { authorization } });

/** GET /api/contacts/ with the given bearer token. */
const contactsWith = (token: string) => api(t.url, token).get('/api/contacts/');

async function login(username: string, password: string) {
  return t.anon.post('/api/auth/token/', { username, password });
}

async function loginOk(role: keyof typeof PASSWORDS) {
  const res = await login(role, PASSWORDS[role]);
  expect(res.status, res.text).toBe(200);
  return res.body.data as {
    access: string;
    refresh: string;
    token_type: string;
    expires_in: number;
    user: { id: number; username: string; email: string; role: string };
  };
}

const refresh = (token: string) => t.anon.post('/api/auth/token/refresh/', { refresh: token });
const logout = (token: string) => t.anon.post('/api/auth/logout/', { refresh: token });

const encoder = new TextEncoder();
const nowSec = () => Math.floor(Date.now() / 1000);

interface ForgeOptions {
  secret?: string;
  alg?: string;
  issuer?: string;
  audience?: string;
  iat?: number;
  exp?: number;
  claims?: Record<string, unknown>;
  sub?: string;
}

/** Signs a token ourselves; with no options it is a valid access token for the viewer (the control case). */
async function forge(user: { id: number; username: string; role: string }, o: ForgeOptions = {}) {
  const now = nowSec();
  return new SignJWT({ role: user.role, username: user.username, typ: 'access', ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(o.sub ?? String(user.id))
    .setJti(crypto.randomUUID())
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 600)
    .setIssuer(o.issuer ?? 'ccm')
    .setAudience(o.audience ?? 'ccm-api')
    .sign(encoder.encode(o.secret ?? JWT_SECRET));
}

/** Everything a write could change, as an admin sees it. */
async function snapshot() {
  const [customers, contacts, stats, withContacts] = await Promise.all([
    t.admin.get('/api/customers/?page_size=100&ordering=id'),
    t.admin.get('/api/contacts/?page_size=100&ordering=id'),
    t.admin.get('/api/contacts/stats/'),
    t.admin.get('/api/customers-with-contacts/?page_size=100'),
  ]);
  for (const r of [customers, contacts, stats, withContacts]) expect(r.status, r.text).toBe(200);
  return {
    customers: customers.body.data,
    contacts: contacts.body.data,
    stats: stats.body.data,
    withContacts: withContacts.body.data,
  };
}

interface Route {
  name: string;
  method: string;
  path: string;
  access: string;
}

/** Every route of the contract, flattened. */
function contractRoutes(): Route[] {
  const out: Route[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      const v = value as Record<string, unknown>;
      const name = prefix ? `${prefix}.${key}` : key;
      if (typeof v.method === 'string' && typeof v.path === 'string') {
        out.push({ name, method: v.method, path: v.path, access: (v.metadata as { access: string }).access });
      } else {
        walk(v, name);
      }
    }
  };
  walk(contract as unknown as Record<string, unknown>, '');
  return out;
}

/** A fixture of one customer with a primary contact and a second, non-primary one. */
async function fixture() {
  const customer = await createCustomer(t.staff);
  const primary = await createContact(t.staff, customer.id, { is_primary: true });
  const other = await createContact(t.staff, customer.id, { is_primary: false });
  return { customer, primary, other };
}

const withoutCustomer = (body: Record<string, unknown>) => {
  const { customer: _c, ...rest } = body;
  return rest;
};

interface Write {
  name: string;
  method: string;
  /** The contract's path pattern, to check that the list covers every write route. */
  pattern: string;
  path: string;
  body?: unknown;
  ok: number;
}

/** One call of every write route on a fixture, each with a valid body, in an order in which all can succeed. */
function writes(fx: Awaited<ReturnType<typeof fixture>>): Write[] {
  const c = fx.customer.id;
  return [
    {
      name: 'create customer',
      method: 'POST',
      pattern: '/api/customers/',
      path: '/api/customers/',
      body: customerBody(),
      ok: 201,
    },
    {
      name: 'replace customer',
      method: 'PUT',
      pattern: '/api/customers/:id/',
      path: `/api/customers/${c}/`,
      body: customerBody({ first_name: 'Replaced' }),
      ok: 200,
    },
    {
      name: 'patch customer',
      method: 'PATCH',
      pattern: '/api/customers/:id/',
      path: `/api/customers/${c}/`,
      body: { last_name: 'Patched' },
      ok: 200,
    },
    {
      name: 'create contact',
      method: 'POST',
      pattern: '/api/contacts/',
      path: '/api/contacts/',
      body: contactBody(c),
      ok: 201,
    },
    {
      name: 'replace contact',
      method: 'PUT',
      pattern: '/api/contacts/:id/',
      path: `/api/contacts/${fx.other.id}/`,
      body: withoutCustomer(contactBody(c)),
      ok: 200,
    },
    {
      name: 'patch contact',
      method: 'PATCH',
      pattern: '/api/contacts/:id/',
      path: `/api/contacts/${fx.other.id}/`,
      body: { email: `patched-${fx.other.id}@example.com` },
      ok: 200,
    },
    {
      name: 'set primary',
      method: 'POST',
      pattern: '/api/contacts/:id/set-primary/',
      path: `/api/contacts/${fx.other.id}/set-primary/`,
      ok: 200,
    },
    {
      name: 'toggle status',
      method: 'POST',
      pattern: '/api/contacts/:id/toggle-status/',
      path: `/api/contacts/${fx.primary.id}/toggle-status/`,
      ok: 200,
    },
    {
      name: 'bulk create',
      method: 'POST',
      pattern: '/api/contacts/bulk-create/',
      path: '/api/contacts/bulk-create/',
      body: { contacts: [contactBody(c), contactBody(c)] },
      ok: 201,
    },
    {
      name: 'delete contact',
      method: 'DELETE',
      pattern: '/api/contacts/:id/',
      path: `/api/contacts/${fx.primary.id}/`,
      ok: 204,
    },
    {
      name: 'delete customer',
      method: 'DELETE',
      pattern: '/api/customers/:id/',
      path: `/api/customers/${c}/`,
      ok: 204,
    },
  ];
}

const send = (client: Api, w: { method: string; path: string; body?: unknown }) =>
  client.request(w.method, w.path, w.body);

// ---------------------------------------------------------------------------------------------------------------

describe('login', () => {
  it('answers 200 with a token pair and the user, for every role', async () => {
    for (const role of ['admin', 'staff', 'viewer'] as const) {
      const res = await login(role, PASSWORDS[role]);
      expect(res.status, res.text).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.message).toBe('Login successful');
      const data = res.body.data;
      expect(Object.keys(data).sort()).toEqual(['access', 'expires_in', 'refresh', 'token_type', 'user']);
      expect(data.token_type).toBe('Bearer');
      expect(data.expires_in).toBe(15 * 60);
      expect(data.access).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(data.refresh).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(data.access).not.toBe(data.refresh);
      expect(data.user).toEqual({
        id: expect.any(Number),
        username: role,
        email: expect.any(String),
        role,
      });
      // The user object never leaks the password hash or other internals.
      expect(JSON.stringify(data)).not.toMatch(/argon2|password/i);
    }
  });

  it('gives wrong password and unknown user the same 401', async () => {
    const wrong = await login('staff', 'not-the-password');
    const unknown = await login('nobody-by-this-name', 'not-the-password');
    expect401(wrong, BAD_CREDENTIALS);
    expect401(unknown, BAD_CREDENTIALS);
    expect(wrong.body).toEqual(unknown.body);
    // The right password with a different case of username is an unknown user, not a match.
    expect401(await login('STAFF', PASSWORDS.staff), BAD_CREDENTIALS);
  });

  it('spends comparable time on an unknown user and on a wrong password', async () => {
    const time = async (username: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        const res = await login(username, 'not-the-password');
        samples.push(performance.now() - start);
        expect(res.status).toBe(401);
      }
      return samples.sort((a, b) => a - b)[2] as number;
    };
    const wrongPassword = await time('staff');
    const unknownUser = await time('nobody-by-this-name');
    // Without a decoy hash an unknown user would answer many times faster; a loose bound keeps this stable.
    expect(unknownUser).toBeGreaterThan(wrongPassword * 0.3);
  });

  it('refuses an inactive user with the same message, and its refresh token stops working', async () => {
    await t.server.services.users.create({ username: 'leaver', password: 'leaver-password-1', role: 'staff' });
    const ok = await login('leaver', 'leaver-password-1');
    expect(ok.status, ok.text).toBe(200);
    const { access, refresh: refreshToken } = ok.body.data;

    await User.update({ isActive: false }, { where: { username: 'leaver' } });
    expect401(await login('leaver', 'leaver-password-1'), BAD_CREDENTIALS);
    expect401(await refresh(refreshToken));
    expect401(await api(t.url, access).get('/api/auth/me/'));
  });

  it('answers 400 with field errors for missing, blank or mistyped fields', async () => {
    const missing = await t.anon.post('/api/auth/token/', {});
    expectError(missing, 400);
    expect(missing.body.errors).toEqual({
      username: ['This field is required.'],
      password: ['This field is required.'],
    });

    const noPassword = await t.anon.post('/api/auth/token/', { username: 'staff' });
    expectError(noPassword, 400);
    expect(noPassword.body.errors).toEqual({ password: ['This field is required.'] });

    const blank = await t.anon.post('/api/auth/token/', { username: '', password: '' });
    expectError(blank, 400);
    expect(blank.body.errors.username).toEqual([expect.any(String)]);
    expect(blank.body.errors.password).toEqual([expect.any(String)]);

    const typed = await t.anon.post('/api/auth/token/', { username: 42, password: ['x'] });
    expectError(typed, 400);
    expect(Object.keys(typed.body.errors).sort()).toEqual(['password', 'username']);
    for (const messages of Object.values(typed.body.errors)) {
      expect(Array.isArray(messages)).toBe(true);
      expect((messages as string[]).length).toBeGreaterThan(0);
    }

    const notJson = await t.anon.post('/api/auth/token/', undefined, {
      raw: '{"username": "staff",',
      headers: { 'content-type': 'application/json' },
    });
    expectError(notJson, 400);
  });

  it('answers a GET on the login route with 405 and Allow: POST', async () => {
    const res = await t.anon.get('/api/auth/token/');
    expectError(res, 405);
    expect(res.headers.get('allow')).toMatch(/POST/);
  });
});

describe('access token', () => {
  it('carries sub, jti, iat, exp, iss, aud and typ "access", signed with HS256', async () => {
    const pair = await loginOk('staff');
    const { header, payload } = decodeJwt(pair.access);
    expect(header.alg).toBe('HS256');
    expect(payload.sub).toBe(String(pair.user.id));
    expect(typeof payload.jti).toBe('string');
    expect(payload.jti.length).toBeGreaterThanOrEqual(16);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(Math.abs(payload.iat - nowSec())).toBeLessThanOrEqual(5);
    expect(payload.exp - payload.iat).toBe(pair.expires_in);
    expect(payload.iss).toBe('ccm');
    expect(payload.aud).toBe('ccm-api');
    expect(payload.typ).toBe('access');
    expect(payload.role).toBe('staff');
  });

  it('gives every token its own jti, and the refresh token typ "refresh"', async () => {
    const a = await loginOk('viewer');
    const b = await loginOk('viewer');
    const jtis = [a.access, a.refresh, b.access, b.refresh].map((tok) => decodeJwt(tok).payload.jti);
    expect(new Set(jtis).size).toBe(4);
    const r = decodeJwt(a.refresh).payload;
    expect(r.typ).toBe('refresh');
    expect(r.sub).toBe(String(a.user.id));
    expect(r.iss).toBe('ccm');
    expect(r.aud).toBe('ccm-api');
    expect(r.exp).toBeGreaterThan(decodeJwt(a.access).payload.exp);
  });
});

describe('GET /api/auth/me/', () => {
  it('returns the signed-in user, for every role', async () => {
    for (const role of ['admin', 'staff', 'viewer'] as const) {
      const pair = await loginOk(role);
      const res = await api(t.url, pair.access).get('/api/auth/me/');
      expect(res.status, res.text).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toEqual(pair.user);
      // Without the trailing slash too.
      const bare = await api(t.url, pair.access).get('/api/auth/me');
      expect(bare.status).toBe(200);
      expect(bare.body.data).toEqual(pair.user);
    }
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await t.anon.get('/api/auth/me/');
    expect401(res, NOT_PROVIDED);
    expect(res.body).toEqual({ success: false, message: NOT_PROVIDED });
  });

  it('answers 401 for a valid signature on a user that does not exist', async () => {
    const token = await forge({ id: 999_999, username: 'ghost', role: 'admin' });
    expect401(await api(t.url, token).get('/api/auth/me/'));
  });
});

describe('refresh and logout', () => {
  it('trades a refresh token for a new working pair', async () => {
    const first = await loginOk('staff');
    const res = await refresh(first.refresh);
    expect(res.status, res.text).toBe(200);
    expect(res.body.success).toBe(true);
    const next = res.body.data;
    expect(next.token_type).toBe('Bearer');
    expect(next.expires_in).toBe(15 * 60);
    expect(next.user).toEqual(first.user);
    expect(next.access).not.toBe(first.access);
    expect(next.refresh).not.toBe(first.refresh);
    expect(decodeJwt(next.access).payload.typ).toBe('access');
    expect(decodeJwt(next.refresh).payload.typ).toBe('refresh');

    const me = await api(t.url, next.access).get('/api/auth/me/');
    expect(me.status).toBe(200);
    expect(me.body.data).toEqual(first.user);
    // The new refresh token works in turn.
    expect((await refresh(next.refresh)).status).toBe(200);
  });

  it('spends the old refresh token (rotation)', async () => {
    const first = await loginOk('staff');
    expect((await refresh(first.refresh)).status).toBe(200);
    expect401(await refresh(first.refresh));
  });

  it('revokes the whole chain when a rotated refresh token is presented again', async () => {
    const first = await loginOk('viewer');
    const second = (await refresh(first.refresh)).body.data;
    const third = (await refresh(second.refresh)).body.data;
    expect(third.refresh).toEqual(expect.any(String));

    // Another session of the same user is a different chain.
    const otherSession = await loginOk('viewer');

    // The stolen first token comes back: refused, and the newest token of its chain dies with it.
    expect401(await refresh(first.refresh));
    expect401(await refresh(third.refresh));
    expect401(await refresh(second.refresh));

    const other = await refresh(otherSession.refresh);
    expect(other.status, other.text).toBe(200);
  });

  it('treats parallel refreshes of one token as reuse: at most one succeeds and no token of the chain survives', async () => {
    for (let round = 0; round < 5; round++) {
      const first = await loginOk('staff');
      const results = await Promise.all([refresh(first.refresh), refresh(first.refresh), refresh(first.refresh)]);
      const winners = results.filter((r) => r.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const r of results.filter((r) => r.status !== 200)) expect401(r);
      // Whoever won, the chain was reused, so nothing issued from it may refresh any more.
      for (const w of winners) expect401(await refresh(w.body.data.refresh));
      expect401(await refresh(first.refresh));
    }
  });

  it('logout makes the refresh token stop working, and leaves other sessions alone', async () => {
    const session = await loginOk('staff');
    const other = await loginOk('staff');
    const res = await logout(session.refresh);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Logged out successfully', data: null });
    expect401(await refresh(session.refresh));
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it('refuses a logged-out token that was refreshed before (no resurrection)', async () => {
    const first = await loginOk('staff');
    const second = (await refresh(first.refresh)).body.data;
    expect((await logout(second.refresh)).status).toBe(200);
    expect401(await refresh(second.refresh));
    expect401(await refresh(first.refresh));
  });

  it('answers 401 for an access token, a garbage or a forged token given as a refresh token', async () => {
    const pair = await loginOk('staff');
    expect401(await refresh(pair.access));
    expect401(await refresh('garbage'));
    const forged = await new SignJWT({ typ: 'refresh' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(pair.user.id))
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .setIssuer('ccm')
      .setAudience('ccm-api')
      .sign(encoder.encode(JWT_SECRET));
    // Correctly signed, but the server never issued that jti.
    expect401(await refresh(forged));
    expect401(await logout(pair.access));
    // The real refresh token was not harmed by any of this.
    expect((await refresh(pair.refresh)).status).toBe(200);
  });

  it('answers 400 with field errors for a missing refresh field', async () => {
    for (const path of ['/api/auth/token/refresh/', '/api/auth/logout/']) {
      const res = await t.anon.post(path, {});
      expectError(res, 400);
      expect(res.body.errors).toEqual({ refresh: ['This field is required.'] });
    }
  });
});

describe('token attacks on GET /api/contacts/', () => {
  let viewer: { id: number; username: string; role: string };
  let viewerAccess: string;
  beforeAll(async () => {
    const pair = await loginOk('viewer');
    viewer = pair.user;
    viewerAccess = pair.access;
  });

  it('control: the real token and a token we sign with the test secret both work', async () => {
    expect((await contactsWith(viewerAccess)).status).toBe(200);
    expect((await contactsWith(await forge(viewer))).status).toBe(200);
  });

  it('garbage token', async () => {
    expect401(await contactsWith('garbage'));
    expect401(await contactsWith('a.b.c'));
    expect401(await contactsWith('%%%.%%%.%%%'));
  });

  it('"Bearer" with no token, an empty header, or another scheme', async () => {
    expect401(await contactsWithHeader('Bearer'));
    expect401(await contactsWithHeader('Bearer '));
    expect401(await contactsWithHeader(' '));
    expect401(await contactsWithHeader(`Basic ${Buffer.from('viewer:x').toString('base64')}`));
    expect401(await contactsWithHeader(viewerAccess));
    expect401(await contactsWithHeader(`Bearer ${viewerAccess} extra`));
  });

  it('tampered signature', async () => {
    const [h, p, s] = jwtParts(viewerAccess);
    const mid = Math.floor(s.length / 2);
    const flipped = s.slice(0, mid) + (s[mid] === 'A' ? 'B' : 'A') + s.slice(mid + 1);
    expect401(await contactsWith(`${h}.${p}.${flipped}`));
    expect401(await contactsWith(`${h}.${p}.`));
    expect401(await contactsWith(`${h}.${p}.${s.split('').reverse().join('')}`));
  });

  it('tampered payload (role changed to admin) with the original signature', async () => {
    const [h, p, s] = jwtParts(viewerAccess);
    const payload = decodePart(p);
    expect(payload.role).toBe('viewer');
    const tampered = `${h}.${b64url({ ...payload, role: 'admin' })}.${s}`;
    expect401(await contactsWith(tampered));
    // Nor can it write.
    const customer = await createCustomer(t.staff);
    expect401(await api(t.url, tampered).delete(`/api/customers/${customer.id}/`));
    expect((await t.admin.get(`/api/customers/${customer.id}/`)).status).toBe(200);
  });

  it('expired token', async () => {
    const now = nowSec();
    expect401(await contactsWith(await forge(viewer, { iat: now - 3600, exp: now - 60 })));
    // Just past the 5 s leeway.
    expect401(await contactsWith(await forge(viewer, { iat: now - 3600, exp: now - 10 })));
  });

  it('accepts a token that expired within the clock leeway', async () => {
    const now = nowSec();
    expect((await contactsWith(await forge(viewer, { iat: now - 600, exp: now - 1 }))).status).toBe(200);
  });

  it('alg: none token', async () => {
    const now = nowSec();
    const payload = {
      sub: String(viewer.id),
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 600,
      iss: 'ccm',
      aud: 'ccm-api',
      typ: 'access',
      role: 'admin',
      username: viewer.username,
    };
    for (const alg of ['none', 'None', 'NONE']) {
      const header = b64url({ alg, typ: 'JWT' });
      expect401(await contactsWith(`${header}.${b64url(payload)}.`));
      // With the real token's signature attached.
      expect401(await contactsWith(`${header}.${b64url(payload)}.${jwtParts(viewerAccess)[2]}`));
    }
  });

  it('another HMAC algorithm with the right secret', async () => {
    expect401(await contactsWith(await forge(viewer, { alg: 'HS512' })));
  });

  it('a refresh token used as an access token', async () => {
    const pair = await loginOk('viewer');
    expect401(await contactsWith(pair.refresh));
    expect401(await api(t.url, pair.refresh).get('/api/auth/me/'));
  });

  it('wrong audience or issuer', async () => {
    expect401(await contactsWith(await forge(viewer, { audience: 'some-other-api' })));
    expect401(await contactsWith(await forge(viewer, { issuer: 'someone-else' })));
  });

  it('a token signed with another secret', async () => {
    expect401(await contactsWith(await forge(viewer, { secret: 'another-secret-that-is-long-enough-9876543210' })));
    expect401(await contactsWith(await forge(viewer, { secret: JWT_SECRET.slice(0, -1) })));
  });

  it('a correctly signed token with a missing or wrong type, role or subject', async () => {
    expect401(await contactsWith(await forge(viewer, { claims: { typ: undefined } })));
    expect401(await contactsWith(await forge(viewer, { claims: { typ: 'refresh' } })));
    expect401(await contactsWith(await forge(viewer, { claims: { role: 'superuser' } })));
    expect401(await contactsWith(await forge(viewer, { claims: { role: undefined } })));
    expect401(await contactsWith(await forge(viewer, { sub: 'viewer' })));
  });

  it('a well-formed token whose payload is not JSON (401, not 500)', async () => {
    const res = await contactsWith('eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln');
    expect401(res);
    expect(res.body.errors).toBeUndefined();
  });
});

describe('roles', () => {
  const routes = contractRoutes();
  const concrete = (path: string, ids: { customer: number; contact: number }) =>
    path.startsWith('/api/customers/')
      ? path.replace(':id', String(ids.customer))
      : path.replace(':id', String(ids.contact));

  it('the contract marks what it should as public, read and write', () => {
    const byName = Object.fromEntries(routes.map((r) => [r.name, r.access]));
    expect(routes.length).toBeGreaterThanOrEqual(22);
    for (const name of ['auth.login', 'auth.refresh', 'auth.logout', 'health.health', 'health.ready']) {
      expect(byName[name], name).toBe('public');
    }
    for (const r of routes) {
      if (r.access === 'public') continue;
      // User administration is the admins'; changing one's own password is any signed-in user's (users.test.ts).
      if (r.name.startsWith('users.') || r.name.startsWith('webhooks.')) expect(r.access, r.name).toBe('admin');
      else if (r.name === 'auth.changePassword') expect(r.access, r.name).toBe('read');
      // The feed of every change, with who made it, is for those who make changes (events.test.ts).
      else if (r.name === 'events.list') expect(r.access, r.name).toBe('write');
      // A lookup sends its up to 1,000 references in a body, but only reads (customer-lookup.test.ts).
      else if (r.name === 'customers.lookup') expect(r.access, r.name).toBe('read');
      else expect(r.access, r.name).toBe(r.method === 'GET' ? 'read' : 'write');
    }
  });

  it('viewer can read every read route', async () => {
    const fx = await fixture();
    const reads = routes.filter((r) => r.access === 'read' && r.method === 'GET');
    expect(reads.map((r) => r.name).sort()).toEqual(
      [
        'auth.me',
        'contacts.export',
        'contacts.get',
        'contacts.history',
        'contacts.list',
        'contacts.stats',
        'customers.contacts',
        'customers.get',
        'customers.history',
        'customers.list',
        'customers.withContacts',
      ].sort(),
    );
    for (const r of reads) {
      const res = await t.viewer.get(concrete(r.path, { customer: fx.customer.id, contact: fx.other.id }));
      expect(res.status, `${r.name}: ${res.text}`).toBe(200);
      // The export is a file, not an envelope (export.test.ts).
      if (r.name === 'contacts.export') expect(res.text).toMatch(/^customer,email,/);
      else expect(res.body.success).toBe(true);
    }
    const one = await t.viewer.get(`/api/contacts/${fx.other.id}/`);
    expect(one.body.data.id).toBe(fx.other.id);
  });

  it('viewer gets 403 on every write route, and the database is unchanged', async () => {
    const fx = await fixture();
    const list = writes(fx);
    const covered = new Set(list.map((w) => `${w.method} ${w.pattern}`));
    const contractWrites = routes
      .filter((r) => r.access === 'write' && r.method !== 'GET')
      .map((r) => `${r.method} ${r.path}`);
    expect([...covered].sort()).toEqual([...new Set(contractWrites)].sort());

    const before = await snapshot();
    for (const w of list) {
      const res = await send(t.viewer, w);
      expectError(res, 403, FORBIDDEN);
      expect(res.body).toEqual({ success: false, message: FORBIDDEN });
      expect(await snapshot(), `${w.name} changed the database`).toEqual(before);
    }
    // The specific rows are untouched.
    const primary = await t.admin.get(`/api/contacts/${fx.primary.id}/`);
    expect(primary.body.data).toEqual(fx.primary);
    const other = await t.admin.get(`/api/contacts/${fx.other.id}/`);
    expect(other.body.data).toEqual(fx.other);
    const customer = await t.admin.get(`/api/customers/${fx.customer.id}/`);
    expect(customer.body.data).toEqual(fx.customer);
  });

  for (const role of ['staff', 'admin'] as const) {
    it(`${role} can call every write route`, async () => {
      const client = t[role];
      const fx = await fixture();
      for (const w of writes(fx)) {
        const res = await send(client, w);
        expect(res.status, `${w.name}: ${res.text}`).toBe(w.ok);
        if (w.ok === 204) expect(res.text).toBe('');
        else expect(res.body.success).toBe(true);
      }
      // The writes took effect.
      expect((await client.get(`/api/customers/${fx.customer.id}/`)).status).toBe(404);
      expect((await client.get(`/api/contacts/${fx.other.id}/`)).status).toBe(404);
    });
  }

  it('anonymous requests get 401 on every non-public route', async () => {
    const fx = await fixture();
    const before = await snapshot();
    const guarded = routes.filter((r) => r.access !== 'public');
    expect(guarded.length).toBeGreaterThanOrEqual(19);
    for (const r of guarded) {
      const path = concrete(r.path, { customer: fx.customer.id, contact: fx.other.id });
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      for (const p of [path, path.replace(/\/$/, '')]) {
        const res = await t.anon.request(r.method, p, body);
        expect401(res, NOT_PROVIDED);
        expect(res.body, r.name).toEqual({ success: false, message: NOT_PROVIDED });
      }
    }
    // And with real, valid bodies: still 401, nothing written.
    for (const w of writes(fx)) expect401(await send(t.anon, w), NOT_PROVIDED);
    expect(await snapshot()).toEqual(before);
  });

  it('health, ready and login are public', async () => {
    const health = await t.anon.get('/api/health/');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ success: true, data: { status: 'ok' } });
    const ready = await t.anon.get('/api/ready/');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ success: true, data: { status: 'ready', database: 'ok' } });
    const loginRes = await login('viewer', PASSWORDS.viewer);
    expect(loginRes.status).toBe(200);
    for (const path of ['/api/health', '/api/ready']) expect((await t.anon.get(path)).status).toBe(200);
  });

  it('checks auth before body validation: viewer gets 403, anonymous 401, for an invalid body', async () => {
    const fx = await fixture();
    const before = await snapshot();
    const invalid: { method: string; path: string; body: unknown }[] = [
      { method: 'POST', path: '/api/customers/', body: {} },
      { method: 'PUT', path: `/api/customers/${fx.customer.id}/`, body: { email: 'not-an-email' } },
      { method: 'PATCH', path: `/api/customers/${fx.customer.id}/`, body: { nic: 12 } },
      { method: 'POST', path: '/api/contacts/', body: { customer: 'x', email: 'nope' } },
      { method: 'PUT', path: `/api/contacts/${fx.other.id}/`, body: {} },
      { method: 'PATCH', path: `/api/contacts/${fx.other.id}/`, body: { wa_number: 'abc' } },
      { method: 'POST', path: '/api/contacts/bulk-create/', body: { contacts: 'not a list' } },
      { method: 'POST', path: '/api/contacts/bulk-create/', body: {} },
    ];
    for (const w of invalid) {
      expectError(await send(t.viewer, w), 403, FORBIDDEN);
      expect401(await send(t.anon, w), NOT_PROVIDED);
      // Staff gets past auth and meets the validation, which shows the bodies are indeed invalid.
      expectError(await send(t.staff, w), 400);
    }
    expect(await snapshot()).toEqual(before);
  });
});
