import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/trpc/router.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { PASSWORDS, startTestServer, type TestServer } from './support/server.js';

// Every procedure of the tRPC router at /trpc, through @trpc/client against the live server, compared with
// the REST answer for the same data.

const MAX_LOGIN_FAILURES = 3;

let t: TestServer;
type Client = ReturnType<typeof client>;
let anon: Client;
let admin: Client;
let staff: Client;
let viewer: Client;

function client(token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${t.url}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

beforeAll(async () => {
  t = await startTestServer({ LOGIN_MAX_FAILURES: String(MAX_LOGIN_FAILURES) });
  anon = client();
  admin = client(t.admin.token);
  staff = client(t.staff.token);
  viewer = client(t.viewer.token);
});
afterAll(() => t.close());

/** The TRPCClientError a call fails with (fails the test when it succeeds). */
async function failure(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TRPCClientError<AppRouter>;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The REST answer's `data`, after checking its status. */
async function restData(path: string, status = 200) {
  const res = await t.staff.get(path);
  expect(res.status, res.text).toBe(status);
  return res.body.data;
}

/** A raw request to /trpc, to see statuses, headers and bodies as they travel. */
async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${t.url}/trpc/${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

let userSeq = 0;
const unknownUser = () => {
  userSeq += 1;
  return `nobody${userSeq}`;
};

describe('auth', () => {
  it('login answers the token pair of REST, with working tokens', async () => {
    const pair = await anon.auth.login.mutate({ username: 'staff', password: PASSWORDS.staff });
    const rest = await t.anon.post('/api/auth/token/', { username: 'staff', password: PASSWORDS.staff });
    expect(rest.status).toBe(200);
    expect(Object.keys(pair).sort()).toEqual(Object.keys(rest.body.data).sort());
    expect(pair).toMatchObject({
      token_type: 'Bearer',
      expires_in: rest.body.data.expires_in,
      user: rest.body.data.user,
    });
    expect(await client(pair.access).auth.me.query()).toEqual(rest.body.data.user);
  });

  it('login with bad credentials is UNAUTHORIZED with the REST message', async () => {
    const username = unknownUser();
    const err = await failure(anon.auth.login.mutate({ username, password: 'wrong password' }));
    const rest = await t.anon.post('/api/auth/token/', { username: unknownUser(), password: 'wrong password' });
    expect(rest.status).toBe(401);
    expect(err.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, appCode: 'unauthenticated' });
    expect(err.message).toBe(rest.body.message);
  });

  it('login is throttled by the same rule and budget as REST: TOO_MANY_REQUESTS with Retry-After', async () => {
    const username = unknownUser();
    for (let i = 0; i < MAX_LOGIN_FAILURES - 1; i++) {
      expect((await t.anon.post('/api/auth/token/', { username, password: 'wrong password' })).status).toBe(401);
    }
    const last = await failure(anon.auth.login.mutate({ username, password: 'wrong password' }));
    expect(last.data?.code).toBe('UNAUTHORIZED');
    const blocked = await raw('auth.login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'wrong password' }),
    });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(blocked.body.error.data).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      appCode: 'rate_limited',
      retryAfterSeconds: retryAfter,
    });
    expect(blocked.body.error.message).toMatch(/^Too many failed login attempts\. Try again in \d+ seconds\.$/);
  });

  it('refresh rotates the pair: the old refresh token stops working', async () => {
    const first = await anon.auth.login.mutate({ username: 'viewer', password: PASSWORDS.viewer });
    const second = await anon.auth.refresh.mutate({ refresh: first.refresh });
    expect(second.refresh).not.toBe(first.refresh);
    expect(second.user).toEqual(first.user);
    expect(await client(second.access).auth.me.query()).toEqual(first.user);
    const reused = await failure(anon.auth.refresh.mutate({ refresh: first.refresh }));
    expect(reused.data).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'unauthenticated' });
    expect(reused.message).toBe('Token is invalid or expired');
  });

  it('logout revokes the refresh token', async () => {
    const pair = await anon.auth.login.mutate({ username: 'viewer', password: PASSWORDS.viewer });
    expect(await anon.auth.logout.mutate({ refresh: pair.refresh })).toBeUndefined();
    const err = await failure(anon.auth.refresh.mutate({ refresh: pair.refresh }));
    expect(err.data?.code).toBe('UNAUTHORIZED');
  });

  it('me answers the user of the token, as REST does', async () => {
    for (const [c, api] of [
      [admin, t.admin],
      [staff, t.staff],
      [viewer, t.viewer],
    ] as const) {
      const rest = await api.get('/api/auth/me/');
      expect(await c.auth.me.query()).toEqual(rest.body.data);
    }
  });

  it('a public procedure ignores a bad token, as REST does', async () => {
    const pair = await client('not-a-token').auth.login.mutate({ username: 'staff', password: PASSWORDS.staff });
    expect(pair.user.username).toBe('staff');
    expect(await client('a.b.c').health.health.query()).toEqual({ status: 'ok' });
  });
});

describe('users and the password change', () => {
  it('list, create, get, update and revokeSessions answer what REST answers; admin only', async () => {
    const body = { username: 'trpc-user', email: 'trpc-user@example.com', password: 'trpc-password-1', role: 'viewer' };
    const made = await admin.users.create.mutate(body as never);
    expect(made).toMatchObject({ username: 'trpc-user', role: 'viewer', is_active: true });
    expect(await admin.users.get.query({ id: made.id })).toEqual(
      (await t.admin.get(`/api/users/${made.id}/`)).body.data,
    );
    const page = await admin.users.list.query({ page_size: 2 });
    const rest = (await t.admin.get('/api/users/?page_size=2')).body.data;
    expect(page).toEqual({ count: rest.count, page: 1, page_size: 2, results: rest.results });

    const pair = await anon.auth.login.mutate({ username: body.username, password: body.password });
    const patched = await admin.users.update.mutate({ id: made.id, role: 'staff' });
    expect(patched.role).toBe('staff');
    expect((await anon.auth.refresh.mutate({ refresh: pair.refresh })).user.role).toBe('staff');
    const second = await anon.auth.login.mutate({ username: body.username, password: body.password });
    await admin.users.revokeSessions.mutate({ id: made.id });
    expect((await failure(anon.auth.refresh.mutate({ refresh: second.refresh }))).data?.code).toBe('UNAUTHORIZED');
    const off = await admin.users.update.mutate({ id: made.id, is_active: false });
    expect(off.is_active).toBe(false);
    const locked = await failure(anon.auth.login.mutate({ username: body.username, password: body.password }));
    expect(locked.data?.code).toBe('UNAUTHORIZED');

    const dup = await failure(admin.users.create.mutate(body as never));
    expect(dup.data).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { username: [expect.any(String)] } });
    const me = (await t.admin.get('/api/auth/me/')).body.data.id;
    expect((await failure(admin.users.update.mutate({ id: me, is_active: false }))).data?.code).toBe('BAD_REQUEST');
    expect((await failure(admin.users.get.query({ id: 999999 }))).data?.code).toBe('NOT_FOUND');

    for (const c of [staff, viewer]) {
      expect((await failure(c.users.list.query())).data?.code).toBe('FORBIDDEN');
      expect((await failure(c.users.revokeSessions.mutate({ id: made.id }))).data?.code).toBe('FORBIDDEN');
    }
    expect((await failure(anon.users.list.query())).data?.code).toBe('UNAUTHORIZED');
  });

  it('changePassword: BAD_REQUEST for a wrong current password; a new pair, the old password fails', async () => {
    const body = { username: 'trpc-pw', email: 'trpc-pw@example.com', password: 'trpc-password-1', role: 'staff' };
    await admin.users.create.mutate(body as never);
    const pair = await anon.auth.login.mutate({ username: body.username, password: body.password });
    const own = client(pair.access);
    const wrong = await failure(
      own.auth.changePassword.mutate({ current_password: 'nope', new_password: 'x'.repeat(8) }),
    );
    expect(wrong.data).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { current_password: [expect.any(String)] } });
    const next = await own.auth.changePassword.mutate({
      current_password: body.password,
      new_password: 'trpc-password-2',
    });
    expect(next.user.username).toBe(body.username);
    expect((await failure(anon.auth.refresh.mutate({ refresh: pair.refresh }))).data?.code).toBe('UNAUTHORIZED');
    await failure(anon.auth.login.mutate({ username: body.username, password: body.password }));
    expect((await anon.auth.login.mutate({ username: body.username, password: 'trpc-password-2' })).user.role).toBe(
      'staff',
    );
    expect(
      (await failure(anon.auth.changePassword.mutate({ current_password: 'a', new_password: 'b'.repeat(8) }))).data
        ?.code,
    ).toBe('UNAUTHORIZED');
  });
});

describe('authentication and access', () => {
  it('no token: UNAUTHORIZED (401, WWW-Authenticate) with the REST message', async () => {
    const err = await failure(anon.contacts.stats.query());
    const rest = await t.anon.get('/api/contacts/stats/');
    expect(rest.status).toBe(401);
    expect(err.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, appCode: 'unauthenticated' });
    expect(err.message).toBe(rest.body.message);
    const res = await raw('contacts.stats');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(rest.headers.get('www-authenticate'));
  });

  it('a bad, a malformed or a refresh token: UNAUTHORIZED with the REST message', async () => {
    const refresh = (await anon.auth.login.mutate({ username: 'admin', password: PASSWORDS.admin })).refresh;
    for (const token of ['a.b.c', 'not-a-jwt', refresh, `${t.admin.token}x`]) {
      const err = await failure(client(token).customers.list.query());
      const rest = await t.anon.get('/api/customers/', { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).toBe(401);
      expect(err.data?.code, token).toBe('UNAUTHORIZED');
      expect(err.message).toBe(rest.body.message);
    }
  });

  it('a viewer writing: FORBIDDEN (403), before its input is read', async () => {
    const customer = await createCustomer(t.staff);
    for (const call of [
      () => viewer.contacts.create.mutate(contactBody(customer.id) as never),
      () => viewer.contacts.create.mutate({} as never),
      () => viewer.customers.delete.mutate({ id: customer.id }),
      () => viewer.contacts.bulkCreate.mutate({ contacts: [] }),
    ]) {
      const err = await failure(call());
      expect(err.data).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403, appCode: 'forbidden' });
      expect(err.message).toBe('You do not have permission to perform this action.');
    }
    expect(await restData(`/api/customers/${customer.id}/`)).toMatchObject({ id: customer.id });
  });

  it('an anonymous write: UNAUTHORIZED before its input is read', async () => {
    const err = await failure(anon.contacts.create.mutate({} as never));
    expect(err.data?.code).toBe('UNAUTHORIZED');
  });
});

describe('customers', () => {
  it('create, get, update (PUT), patch and delete answer what REST answers', async () => {
    const body = customerBody({ phone_number: '0771234567', address: ' 1 Main St ' });
    const created = await staff.customers.create.mutate(body);
    expect(created).toMatchObject({ username: body.username, phone_number: '+94771234567', address: '1 Main St' });
    expect(created.customer_id).toMatch(/^CUST\d{6}$/);
    expect(created).toEqual(await restData(`/api/customers/${created.id}/`));
    expect(await viewer.customers.get.query({ id: created.id })).toEqual(created);

    const replaced = await staff.customers.update.mutate({ id: created.id, ...customerBody({ first_name: 'Jane' }) });
    expect(replaced.first_name).toBe('Jane');
    expect(replaced.address).toBe('1 Main St');
    expect(replaced).toEqual(await restData(`/api/customers/${created.id}/`));

    const patched = await staff.customers.patch.mutate({ id: created.id, last_name: 'Doe', is_verified: true });
    expect(patched).toMatchObject({ first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe', is_verified: true });
    expect(patched).toEqual(await restData(`/api/customers/${created.id}/`));

    const contact = await createContact(t.staff, created.id);
    expect(await staff.customers.delete.mutate({ id: created.id })).toBeUndefined();
    await restData(`/api/customers/${created.id}/`, 404);
    await restData(`/api/contacts/${contact.id}/`, 404);
  });

  it('list answers the REST page without the links: count, page, page_size, results', async () => {
    for (let i = 0; i < 3; i++) await createCustomer(t.staff, { is_verified: i === 0 });
    const query = { page: 2, page_size: 2, ordering: 'username', is_active: true } as const;
    const page = await viewer.customers.list.query(query);
    const rest = await restData('/api/customers/?page=2&page_size=2&ordering=username&is_active=true');
    expect(page).toEqual({ count: rest.count, page: 2, page_size: 2, results: rest.results });
    expect(page.results).toHaveLength(2);

    const verified = await viewer.customers.list.query({ is_verified: true, search: 'user' });
    expect(verified).toEqual({
      page: 1,
      page_size: 20,
      ...withoutLinks(await restData('/api/customers/?is_verified=true&search=user')),
    });
    // No input at all: page 1 with the defaults.
    expect(await viewer.customers.list.query()).toEqual({
      page: 1,
      page_size: 20,
      ...withoutLinks(await restData('/api/customers/')),
    });
  });

  it('contacts answers the customer and its contacts, primary first, as REST does', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id);
    await createContact(t.staff, customer.id, { is_primary: true });
    const view = await viewer.customers.contacts.query({ id: customer.id });
    expect(view).toEqual(await restData(`/api/customers/${customer.id}/contacts/`));
    expect(view.contacts[0]?.is_primary).toBe(true);
  });

  it('withContacts answers the REST array as a page, the total as count', async () => {
    const res = await t.staff.get('/api/customers-with-contacts/?page=1&page_size=3');
    expect(res.status).toBe(200);
    const page = await viewer.customers.withContacts.query({ page: 1, page_size: 3 });
    expect(page).toEqual({
      count: Number(res.headers.get('x-total-count')),
      page: 1,
      page_size: 3,
      results: res.body.data,
    });
  });
});

/** A REST page body without its links. */
function withoutLinks({ next: _next, previous: _previous, ...rest }: { next: unknown; previous: unknown }) {
  return rest;
}

describe('contacts', () => {
  it('create, get, update (PUT), patch and delete answer what REST answers', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'John', last_name: 'Doe' });
    const created = await staff.contacts.create.mutate({
      customer: customer.id,
      email: ' John.Contact@Example.com ',
      wa_number: '0771234567',
      tp_number: '+94112345678',
      is_primary: true,
    });
    expect(created).toMatchObject({
      customer: customer.id,
      customer_name: 'John Doe',
      email: 'john.contact@example.com',
      wa_number: '+94771234567',
      is_primary: true,
      is_active: true,
    });
    expect(created).toEqual(await restData(`/api/contacts/${created.id}/`));
    expect(await viewer.contacts.get.query({ id: created.id })).toEqual(created);

    const replaced = await staff.contacts.update.mutate({
      id: created.id,
      email: 'john.new@example.com',
      wa_number: '0771234560',
      tp_number: '0112345670',
    });
    expect(replaced).toMatchObject({ email: 'john.new@example.com', tp_number: '+94112345670', is_primary: true });
    expect(replaced).toEqual(await restData(`/api/contacts/${created.id}/`));

    const patched = await staff.contacts.patch.mutate({ id: created.id, customer: customer.id, is_active: false });
    expect(patched).toMatchObject({ email: 'john.new@example.com', is_active: false });
    expect(patched).toEqual(await restData(`/api/contacts/${created.id}/`));

    expect(await staff.contacts.delete.mutate({ id: created.id })).toBeUndefined();
    await restData(`/api/contacts/${created.id}/`, 404);
  });

  it('list filters, searches, orders and pages as REST does', async () => {
    const customer = await createCustomer(t.staff);
    for (let i = 0; i < 3; i++) await createContact(t.staff, customer.id, { is_primary: i === 1 });
    const cases: [Parameters<Client['contacts']['list']['query']>[0], string][] = [
      [{ customer_id: customer.id }, `customer_id=${customer.id}`],
      [
        { customer_id: customer.id, is_primary: false, ordering: 'email' },
        `customer_id=${customer.id}&is_primary=false&ordering=email`,
      ],
      [{ search: 'contact', page: 2, page_size: 2, ordering: '-id' }, 'search=contact&page=2&page_size=2&ordering=-id'],
      [{ is_active: true }, 'is_active=true'],
    ];
    for (const [input, query] of cases) {
      const page = await viewer.contacts.list.query(input);
      const rest = await restData(`/api/contacts/?${query}`);
      expect(page, query).toEqual({ page: input?.page ?? 1, page_size: input?.page_size ?? 20, ...withoutLinks(rest) });
    }
  });

  it('setPrimary makes the contact primary and demotes the previous primary', async () => {
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id, { is_primary: true });
    const second = await createContact(t.staff, customer.id);
    const promoted = await staff.contacts.setPrimary.mutate({ id: second.id });
    expect(promoted).toMatchObject({ id: second.id, is_primary: true, contact_info: { is_primary: true } });
    expect(promoted).toEqual(await restData(`/api/contacts/${second.id}/`));
    expect((await restData(`/api/contacts/${first.id}/`)).is_primary).toBe(false);
    const view = await staff.customers.contacts.query({ id: customer.id });
    expect(view.contacts.filter((c) => c.is_primary).map((c) => c.id)).toEqual([second.id]);
  });

  it('toggleStatus flips is_active', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const off = await staff.contacts.toggleStatus.mutate({ id: contact.id });
    expect(off.is_active).toBe(false);
    expect(off).toEqual(await restData(`/api/contacts/${contact.id}/`));
    expect((await staff.contacts.toggleStatus.mutate({ id: contact.id })).is_active).toBe(true);
  });

  it('stats answers the six figures of REST', async () => {
    expect(await viewer.contacts.stats.query()).toEqual(await restData('/api/contacts/stats/'));
  });
});

describe('bulk create', () => {
  it('creates what is valid and reports each failed item by index, as REST does', async () => {
    const customer = await createCustomer(t.staff);
    const taken = await createContact(t.staff, customer.id);
    const [first, last] = [contactBody(customer.id, { is_primary: true }), contactBody(customer.id)];
    const items = [
      first,
      contactBody(customer.id, { email: taken.email }),
      contactBody(customer.id, { wa_number: 'not a number' }),
      { customer: customer.id },
      last,
    ];
    const result = await staff.contacts.bulkCreate.mutate({ contacts: items as never });
    expect(result.created_contacts.map((c) => c.email)).toEqual([first.email, last.email]);
    for (const c of result.created_contacts) expect(c).toEqual(await restData(`/api/contacts/${c.id}/`));
    expect(result.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(result.errors[0]?.errors).toEqual({ email: ['This customer already has a contact with this email.'] });

    // Only invalid items: nothing is created, a BAD_REQUEST with the field errors REST answers.
    const again = await t.staff.post('/api/contacts/bulk-create/', { contacts: items.slice(1, 4) });
    expect(again.status).toBe(400);
    const err = await failure(staff.contacts.bulkCreate.mutate({ contacts: items.slice(1, 4) as never }));
    expect(err.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'validation' });
    expect(err.message).toBe(again.body.message);
    expect(err.data?.fieldErrors).toEqual(again.body.errors);
    expect(err.data?.fieldErrors?.['contacts.0.email']).toEqual([
      'This customer already has a contact with this email.',
    ]);
  });

  it('an empty list is a BAD_REQUEST with the REST field error', async () => {
    const err = await failure(staff.contacts.bulkCreate.mutate({ contacts: [] }));
    const rest = await t.staff.post('/api/contacts/bulk-create/', { contacts: [] });
    expect(rest.status).toBe(400);
    expect(err.data?.fieldErrors).toEqual(rest.body.errors);
  });
});

describe('validation', () => {
  it('a duplicate e-mail: BAD_REQUEST with fieldErrors.email, the REST message', async () => {
    const customer = await createCustomer(t.staff);
    const existing = await createContact(t.staff, customer.id);
    const body = contactBody(customer.id, { email: existing.email.toUpperCase() });
    const err = await failure(staff.contacts.create.mutate(body as never));
    const rest = await t.staff.post('/api/contacts/', body);
    expect(rest.status).toBe(400);
    expect(err.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, appCode: 'validation' });
    expect(err.message).toBe(rest.body.message);
    expect(err.data?.fieldErrors).toEqual(rest.body.errors);
    expect(err.data?.fieldErrors?.email).toEqual(['This customer already has a contact with this email.']);
  });

  it('invalid input: the field errors of the contract schema, as REST gives them', async () => {
    const customer = await createCustomer(t.staff);
    const body = { customer: customer.id, email: 'not an email', wa_number: '', is_primary: 'yes' };
    const err = await failure(staff.contacts.create.mutate(body as never));
    const rest = await t.staff.post('/api/contacts/', body);
    expect(rest.status).toBe(400);
    expect(err.data?.code).toBe('BAD_REQUEST');
    expect(err.message).toBe(rest.body.message);
    expect(err.data?.fieldErrors).toEqual(rest.body.errors);
    expect(Object.keys(err.data?.fieldErrors ?? {}).sort()).toEqual(['email', 'is_primary', 'tp_number', 'wa_number']);
  });

  it('a duplicate customer field and a changed customer: the service field errors', async () => {
    const existing = await createCustomer(t.staff);
    const body = customerBody({ email: existing.email });
    const err = await failure(staff.customers.create.mutate(body));
    const rest = await t.staff.post('/api/customers/', body);
    expect(err.data?.fieldErrors).toEqual(rest.body.errors);
    expect(err.data?.fieldErrors?.email).toEqual(['A customer with this email already exists.']);

    const other = await createCustomer(t.staff);
    const contact = await createContact(t.staff, existing.id);
    const moved = await failure(staff.contacts.patch.mutate({ id: contact.id, customer: other.id }));
    expect(moved.data?.fieldErrors).toEqual({ customer: ['The customer of a contact cannot be changed.'] });
  });

  it('bad list parameters: the REST field errors', async () => {
    const err = await failure(viewer.contacts.list.query({ page_size: 500, is_active: 'maybe' as never }));
    const rest = await t.viewer.get('/api/contacts/?page_size=500&is_active=maybe');
    expect(rest.status).toBe(400);
    expect(err.data?.fieldErrors).toEqual(rest.body.errors);
  });

  it('an id that is not a positive integer: BAD_REQUEST on the id field', async () => {
    for (const id of [0, -1, 1.5, 'abc']) {
      const err = await failure(viewer.contacts.get.query({ id: id as number }));
      expect(err.data?.code, String(id)).toBe('BAD_REQUEST');
      expect(Object.keys(err.data?.fieldErrors ?? {})).toEqual(['id']);
    }
  });

  it('errors carry no stack trace', async () => {
    const res = await raw(`contacts.get?input=${encodeURIComponent(JSON.stringify({ id: -1 }))}`, {
      headers: { authorization: `Bearer ${t.viewer.token}` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.data.stack).toBeUndefined();
    expect(res.text).not.toContain('at ');
  });
});

describe('not found', () => {
  it('a missing contact or customer: NOT_FOUND with the REST message', async () => {
    for (const [call, path] of [
      [() => viewer.contacts.get.query({ id: 999_999 }), '/api/contacts/999999/'],
      [() => staff.contacts.setPrimary.mutate({ id: 999_999 }), '/api/contacts/999999/'],
      [() => staff.contacts.delete.mutate({ id: 999_999 }), '/api/contacts/999999/'],
      [() => viewer.customers.get.query({ id: 999_999 }), '/api/customers/999999/'],
      [() => viewer.customers.contacts.query({ id: 999_999 }), '/api/customers/999999/contacts/'],
      [() => staff.customers.patch.mutate({ id: 999_999, first_name: 'X' }), '/api/customers/999999/'],
    ] as const) {
      const err = await failure(call());
      const rest = await t.staff.get(path);
      expect(rest.status).toBe(404);
      expect(err.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, appCode: 'not_found' });
      expect(err.message).toBe(rest.body.message);
    }
  });

  it('a page past the end: NOT_FOUND "Invalid page."', async () => {
    const err = await failure(viewer.contacts.list.query({ page: 100_000 }));
    expect(err.data?.code).toBe('NOT_FOUND');
    expect(err.message).toBe('Invalid page.');
  });
});

describe('health', () => {
  it('health and ready answer the REST data, without a token', async () => {
    expect(await anon.health.health.query()).toEqual(await restData('/api/health/'));
    expect(await anon.health.ready.query()).toEqual(await restData('/api/ready/'));
  });
});

describe('the endpoint over HTTP', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    raw(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.staff.token}`, 'content-type': 'application/json', ...headers },
      body,
    });

  it('answers with the request id in X-Request-Id and in error data', async () => {
    const res = await raw('contacts.stats', { headers: { 'x-request-id': 'trpc-test-1' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('trpc-test-1');
    expect(res.body.error.data.requestId).toBe('trpc-test-1');
  });

  it('malformed JSON, a body that is not JSON, a body over the limit: the REST refusals', async () => {
    const malformed = await post('contacts.create', '{"customer":');
    const rest = await t.staff.post('/api/contacts/', undefined, {
      raw: '{"customer":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe(rest.body.message);
    expect(malformed.body.error.data).toMatchObject({ appCode: 'validation', fieldErrors: rest.body.errors });

    const text = await post('contacts.create', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.error.data).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', appCode: 'unsupported_media_type' });

    const big = await post('contacts.bulkCreate', JSON.stringify({ contacts: ['x'.repeat(2 * 1024 * 1024)] }));
    expect(big.status).toBe(413);
    expect(big.body.error.data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', appCode: 'payload_too_large' });
  });

  it('invalid JSON in a query input: BAD_REQUEST, not a 500', async () => {
    const res = await raw('contacts.list?input=%7Bnope', { headers: { authorization: `Bearer ${t.staff.token}` } });
    expect(res.status).toBe(400);
    expect(res.body.error.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'validation' });
  });

  it('an unknown procedure is NOT_FOUND, a query by POST METHOD_NOT_SUPPORTED, a batch BAD_REQUEST', async () => {
    const unknown = await raw('contacts.nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.data).toMatchObject({ code: 'NOT_FOUND', appCode: 'not_found' });
    const wrongMethod = await post('contacts.stats', '{}');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.data.appCode).toBe('method_not_allowed');
    const batch = await raw(`health.health,health.ready?batch=1&input=${encodeURIComponent('{}')}`);
    expect(batch.status).toBe(400);
  });

  it('an unexpected error is INTERNAL_SERVER_ERROR with no detail but the request id', async () => {
    const { contacts } = t.server.services;
    const stats = contacts.stats;
    contacts.stats = async () => {
      throw new Error('SQLITE_ERROR: no such table: secret_table');
    };
    try {
      const res = await raw('contacts.stats', {
        headers: { authorization: `Bearer ${t.staff.token}`, 'x-request-id': 'trpc-test-500' },
      });
      expect(res.status).toBe(500);
      expect(res.body.error.message).toBe('Internal server error.');
      expect(res.body.error.data).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        httpStatus: 500,
        path: 'contacts.stats',
        appCode: 'internal',
        requestId: 'trpc-test-500',
      });
      expect(res.text).not.toContain('secret_table');
    } finally {
      contacts.stats = stats;
    }
  });
});
