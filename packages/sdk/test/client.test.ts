import { API_VERSION } from '@ccm/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcmApiError, type CcmClient, CcmError, createClient } from '../src/index.js';
import {
  contactBody,
  contractRoutes,
  customerBody,
  PASSWORDS,
  recordingFetch,
  rejection,
  startTestServer,
  type TestServer,
} from './support.js';

let server: TestServer;
let ccm: CcmClient;
const recorder = recordingFetch();

beforeAll(async () => {
  server = await startTestServer();
  ccm = createClient({ baseUrl: server.url, fetch: recorder.fetch });
});
afterAll(async () => {
  await server?.close();
});

/** Resolves with the error a call rejects with (fails when it resolves). */
async function failure(call: Promise<unknown>): Promise<CcmApiError> {
  const error = await rejection(call);
  expect(error).toBeInstanceOf(CcmApiError);
  return error as CcmApiError;
}

describe('session', () => {
  it('login keeps the token pair and returns the user', async () => {
    const pair = await ccm.login('admin', PASSWORDS.admin);
    expect(pair.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(pair.token_type).toBe('Bearer');
    expect(await ccm.getTokens()).toEqual({ access: pair.access, refresh: pair.refresh });
    expect(await ccm.getAccessToken()).toBe(pair.access);
  });

  it('auth.me is the signed-in user', async () => {
    expect(await ccm.auth.me()).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('refresh() trades the pair for a new one', async () => {
    const before = await ccm.getTokens();
    const after = await ccm.refresh();
    expect(after.refresh).not.toBe(before?.refresh);
    expect(await ccm.getTokens()).toEqual(after);
    expect(await ccm.auth.me()).toMatchObject({ username: 'admin' });
  });
});

describe('customers', () => {
  it('create, get, list, update, patch, contacts, withContacts, delete', async () => {
    const created = await ccm.customers.create({ body: customerBody({ first_name: 'Grace', nic: '123456789v' }) });
    expect(created.customer_id).toMatch(/^CUST\d{6}$/);
    expect(created.nic).toBe('123456789V');
    expect(created.full_name).toBe(`Grace ${created.last_name}`);

    expect(await ccm.customers.get({ params: { id: created.id } })).toEqual(created);
    expect(await ccm.customers.get({ params: { id: String(created.id) } })).toEqual(created);

    const page = await ccm.customers.list({ query: { search: 'Grace', is_active: true, ordering: '-id' } });
    expect(page.count).toBe(1);
    expect(page.results[0]?.id).toBe(created.id);
    expect((await ccm.customers.list()).count).toBeGreaterThanOrEqual(1);

    const replaced = await ccm.customers.update({
      params: { id: created.id },
      body: { ...customerBody(), address: '1 Galle Road, Colombo' },
    });
    expect(replaced.address).toBe('1 Galle Road, Colombo');
    const patched = await ccm.customers.patch({ params: { id: created.id }, body: { is_verified: true } });
    expect(patched.is_verified).toBe(true);
    expect(patched.address).toBe('1 Galle Road, Colombo');

    const contact = await ccm.contacts.create({ body: contactBody(created.id, { is_primary: true }) });
    const view = await ccm.customers.contacts({ params: { id: created.id } });
    expect(view.customer.id).toBe(created.id);
    expect(view.contacts.map((c) => c.id)).toEqual([contact.id]);

    const withContacts = await ccm.customers.withContacts({ query: { page_size: 100 } });
    const mine = withContacts.find((c) => c.id === created.id);
    expect(mine?.primary_contact?.id).toBe(contact.id);
    // The total travels in a header: the raw client gives the headers.
    const raw = await ccm.raw.customers.withContacts({ query: { page_size: 1 } });
    expect(raw.status).toBe(200);
    expect(Number(raw.headers.get('x-total-count'))).toBeGreaterThanOrEqual(1);

    expect(await ccm.customers.delete({ params: { id: created.id } })).toBeUndefined();
    // The record of changes outlives the records.
    const history = await ccm.customers.history({ params: { id: created.id } });
    expect(history.results.map((e) => e.type)).toEqual([
      'customer.deleted',
      'customer.updated',
      'customer.updated',
      'customer.created',
    ]);
    const contactHistory = await ccm.contacts.history({ params: { id: contact.id }, query: { page_size: 1 } });
    expect(contactHistory.results.map((e) => e.type)).toEqual(['contact.deleted']);
    const feed = await ccm.events.list({ query: { types: 'customer.deleted', page_size: 1000 } });
    expect(feed.results.map((e) => e.subject.id)).toContain(created.id);
    const gone = await failure(ccm.customers.get({ params: { id: created.id } }));
    expect(gone.status).toBe(404);
    expect(gone.message).toBe('Customer not found.');
    expect((await failure(ccm.contacts.get({ params: { id: contact.id } }))).status).toBe(404);
  });
});

describe('contacts', () => {
  it('create, get, list, update, patch, set-primary, toggle-status, stats, bulk-create, delete', async () => {
    const customer = await ccm.customers.create({ body: customerBody() });
    const first = await ccm.contacts.create({
      body: contactBody(customer.id, { is_primary: true, wa_number: '0771234567', email: ' First@Example.com ' }),
    });
    expect(first).toMatchObject({ customer: customer.id, is_primary: true, is_active: true });
    expect(first.wa_number).toBe('+94771234567');
    expect(first.email).toBe('first@example.com');
    const second = await ccm.contacts.create({ body: contactBody(customer.id) });
    expect(second.is_primary).toBe(false);

    expect(await ccm.contacts.get({ params: { id: first.id } })).toEqual(first);

    const page = await ccm.contacts.list({
      query: { customer_id: customer.id, is_active: true, ordering: 'id', page_size: 1 },
    });
    expect(page.count).toBe(2);
    expect(page.results.map((c) => c.id)).toEqual([first.id]);
    expect(page.next).toMatch(/^http:\/\/.+page=2/);
    const primaries = await ccm.contacts.list({ query: { customer_id: String(customer.id), is_primary: 'true' } });
    expect(primaries.results.map((c) => c.id)).toEqual([first.id]);

    const updated = await ccm.contacts.update({
      params: { id: second.id },
      body: { email: 'second@example.com', wa_number: '+94 77 765 4321', tp_number: '0112345678' },
    });
    expect(updated).toMatchObject({
      email: 'second@example.com',
      wa_number: '+94777654321',
      tp_number: '+94112345678',
    });
    const patched = await ccm.contacts.patch({ params: { id: second.id }, body: { email: 'patched@example.com' } });
    expect(patched.email).toBe('patched@example.com');

    const promoted = await ccm.contacts.setPrimary({ params: { id: second.id } });
    expect(promoted.is_primary).toBe(true);
    expect((await ccm.contacts.get({ params: { id: first.id } })).is_primary).toBe(false);

    const toggled = await ccm.contacts.toggleStatus({ params: { id: first.id } });
    expect(toggled.is_active).toBe(false);
    const rawToggle = await ccm.raw.contacts.toggleStatus({ params: { id: String(first.id) } });
    expect(rawToggle.status).toBe(200);
    if (rawToggle.status === 200) expect(rawToggle.body.message).toBe('Contact activated successfully');

    const stats = await ccm.contacts.stats();
    expect(stats.total_contacts).toBeGreaterThanOrEqual(2);
    expect(Object.keys(stats).sort()).toEqual([
      'active_contacts',
      'customers_with_contacts',
      'customers_without_contacts',
      'inactive_contacts',
      'primary_contacts',
      'total_contacts',
    ]);

    const all = await ccm.contacts.bulkCreate({
      body: { contacts: [contactBody(customer.id), contactBody(customer.id)] },
    });
    expect(all.created_contacts).toHaveLength(2);
    expect(all.errors).toEqual([]);
    // 207: some created, some not; still a result, not an error.
    const some = await ccm.contacts.bulkCreate({
      body: { contacts: [contactBody(customer.id), contactBody(customer.id, { email: 'not an email' })] },
    });
    expect(some.created_contacts).toHaveLength(1);
    expect(some.errors).toEqual([{ index: 1, errors: { email: ['Enter a valid email address.'] } }]);

    const found = await ccm.customers.lookup({ body: { references: [customer.customer_id, 'nobody-at-all'] } });
    expect(found.customers.map((c) => c.customer?.id ?? null)).toEqual([customer.id, null]);
    const exported = await (await ccm.contacts.export({ query: { customer_id: customer.id } })).text();
    const count = (await ccm.contacts.list({ query: { customer_id: customer.id } })).count;
    // The header, a line per contact, and the last line's end.
    expect(exported.split('\r\n')).toHaveLength(1 + count + 1);

    expect(await ccm.contacts.delete({ params: { id: first.id } })).toBeUndefined();
    expect((await failure(ccm.contacts.get({ params: { id: first.id } }))).message).toBe('Contact not found.');
  });
});

describe('around the API', () => {
  it('the index, health, ready and the docs', async () => {
    expect(await ccm.health.index()).toMatchObject({ version: API_VERSION, docs: '/api/docs/' });
    expect(await ccm.health.health()).toEqual({ status: 'ok' });
    expect(await ccm.health.ready()).toEqual({ status: 'ready', database: 'ok' });
    const document = await ccm.docs.openapi();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).length).toBeGreaterThan(5);
    expect(await ccm.docs.page()).toMatch(/<html/i);
  });

  it('validates success bodies against the contract when asked', async () => {
    const strict = createClient({
      baseUrl: server.url,
      tokens: (await ccm.getTokens()) ?? undefined,
      validateResponses: true,
    });
    const page = await strict.contacts.list({ query: { page_size: 1 } });
    expect(page.results.length).toBeLessThanOrEqual(1);
  });
});

describe('errors', () => {
  it('400: the message, the field errors and the request id', async () => {
    const customer = await ccm.customers.create({ body: customerBody() });
    const error = await failure(
      ccm.contacts.create({ body: contactBody(customer.id, { email: 'nope', wa_number: 'call me' }) }),
    );
    expect(error).toBeInstanceOf(CcmError);
    expect(CcmApiError.is(error)).toBe(true);
    expect(error.kind).toBe('api');
    expect(error.status).toBe(400);
    expect(error.message).toBe('Validation failed.');
    expect(error.errors.email).toEqual(['Enter a valid email address.']);
    expect(error.fieldErrors('wa_number').length).toBeGreaterThan(0);
    expect(error.fieldErrors('tp_number')).toEqual([]);
    expect(error.requestId).toMatch(/^[\w.:-]+$/);
    expect(error.operation).toBe('contacts.create');
    expect(error.method).toBe('POST');
    expect(error.url).toBe(`${server.url}/api/contacts/`);

    // A duplicate is a field error from the server's own checks.
    const taken = await ccm.contacts.create({ body: contactBody(customer.id) });
    const duplicate = await failure(ccm.contacts.create({ body: contactBody(customer.id, { email: taken.email }) }));
    expect(duplicate.errors.email).toEqual(['This customer already has a contact with this email.']);
  });

  it('the request id is the one the SDK sent, or the one the caller chose', async () => {
    const error = await failure(ccm.contacts.get({ params: { id: 999999 }, headers: { 'X-Request-Id': 'trace-42' } }));
    expect(error.status).toBe(404);
    expect(error.requestId).toBe('trace-42');
  });

  it('401: not signed in, and a wrong password', async () => {
    const anonymous = createClient({ baseUrl: server.url });
    const error = await failure(anonymous.contacts.list());
    expect(error.status).toBe(401);
    expect(error.message).toBe('Authentication credentials were not provided.');

    const wrong = await failure(anonymous.login('admin', 'wrong password'));
    expect(wrong.status).toBe(401);
    expect(wrong.operation).toBe('auth.login');
    expect(wrong.message).toBe('No active account found with the given credentials');
    expect(await anonymous.getTokens()).toBeNull();
  });

  it('403 for a viewer writing, 404 for a missing contact', async () => {
    const viewer = createClient({ baseUrl: server.url });
    await viewer.login('viewer', PASSWORDS.viewer);
    const forbidden = await failure(viewer.customers.create({ body: customerBody() }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.message).toBe('You do not have permission to perform this action.');

    const missing = await failure(ccm.contacts.get({ params: { id: 987654 } }));
    expect(missing.status).toBe(404);
    expect(missing.message).toBe('Contact not found.');
    expect(missing.errors).toEqual({});
  });

  it('the raw client answers every status without throwing', async () => {
    const res = await ccm.raw.contacts.get({ params: { id: '987654' } });
    expect(res.status).toBe(404);
    if (res.status === 404) expect(res.body).toMatchObject({ success: false, message: 'Contact not found.' });
  });
});

describe('users', () => {
  it('list, create, get, update, revokeSessions; changePassword for the signed-in user', async () => {
    const made = await ccm.users.create({
      body: { username: 'sdk-user', email: 'sdk-user@example.com', password: 'sdk-password-1', role: 'viewer' },
    });
    expect(made).toMatchObject({ username: 'sdk-user', role: 'viewer', is_active: true });
    expect(await ccm.users.get({ params: { id: made.id } })).toEqual(made);
    expect((await ccm.users.list({ query: { page_size: 100 } })).results.map((u) => u.id)).toContain(made.id);
    expect((await ccm.users.update({ params: { id: made.id }, body: { role: 'staff' } })).role).toBe('staff');

    const user = createClient({ baseUrl: server.url, fetch: recorder.fetch });
    await user.login('sdk-user', 'sdk-password-1');
    const pair = await user.auth.changePassword({
      body: { current_password: 'sdk-password-1', new_password: 'sdk-password-2' },
    });
    expect(pair.user).toMatchObject({ username: 'sdk-user', role: 'staff' });
    await ccm.users.revokeSessions({ params: { id: made.id } });
    const off = await ccm.users.update({ params: { id: made.id }, body: { is_active: false } });
    expect(off.is_active).toBe(false);
    expect((await failure(user.login('sdk-user', 'sdk-password-2'))).status).toBe(401);
  });
});

describe('webhooks', () => {
  it('create (the secret once), get, list, update (rotation), delete', async () => {
    const made = await ccm.webhooks.create({
      body: { url: 'https://192.0.2.10/hook', events: ['contact.created'] },
    });
    expect(made.secret).toMatch(/^whsec_/);
    expect(await ccm.webhooks.get({ params: { id: made.id } })).not.toHaveProperty('secret');
    expect((await ccm.webhooks.list()).results.map((w) => w.id)).toContain(made.id);
    const rotated = await ccm.webhooks.update({ params: { id: made.id }, body: { rotate_secret: true } });
    expect(rotated.secret).not.toBe(made.secret);
    // Inactive: the ping waits in the list instead of going out.
    await ccm.webhooks.update({ params: { id: made.id }, body: { is_active: false } });
    const ping = await ccm.webhooks.test({ params: { id: made.id } });
    expect(ping).toMatchObject({ webhook_id: made.id, event_type: 'ping', status: 'pending' });
    const listed = await ccm.webhooks.deliveries({ params: { id: made.id }, query: { status: 'pending' } });
    expect(listed.results.map((d) => d.id)).toEqual([ping.id]);
    const again = await ccm.webhooks.retryDelivery({ params: { id: made.id, delivery_id: ping.id } });
    expect(again).toMatchObject({ id: ping.id, status: 'pending', attempts: 0 });
    expect(await ccm.webhooks.delete({ params: { id: made.id } })).toBeUndefined();
  });
});

describe('logout', () => {
  it('revokes the refresh token and forgets the tokens', async () => {
    const staff = createClient({ baseUrl: server.url, fetch: recorder.fetch });
    await staff.login('staff', PASSWORDS.staff);
    const tokens = await staff.getTokens();
    await staff.logout();
    expect(await staff.getTokens()).toBeNull();
    // The server no longer takes that refresh token.
    const res = await staff.raw.auth.refresh({ body: { refresh: tokens?.refresh ?? '' } });
    expect(res.status).toBe(401);
    // Logging out twice is fine.
    await staff.logout();
  });
});

it('every operation of the contract went through the SDK', () => {
  const missing = contractRoutes()
    .filter((route) => !recorder.requests.some(route.matches))
    .map((route) => route.name);
  expect(missing).toEqual([]);
});
