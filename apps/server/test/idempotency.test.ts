import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, type Answer, operations } from './support/adapters.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Idempotency-Key (docs/api.md, "Retries and concurrent edits"), on every database (TEST_DATABASE_URL) and through
// both adapters: a write repeated with its key runs once and every repeat gets its answer; a key reused for another
// request is a 422; a repeat while the first still runs a 409 with Retry-After.

let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => `test-${randomUUID()}`;
const contactsWithEmail = async (email: string) =>
  Number(
    (
      (await raw.query('SELECT COUNT(*) AS n FROM contacts WHERE email = ?', {
        replacements: [email],
        type: QueryTypes.SELECT,
      })) as { n: unknown }[]
    )[0]?.n,
  );

/** Calls until the answer is not a 409 (a repeat of a request still running), waiting as Retry-After says. */
async function untilSettled(call: () => Promise<Answer>): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await call();
    if (answer.status !== 409 || attempt >= 20) return answer;
    const wait = Number(answer.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    await sleep(wait * 1000);
  }
}

describe.each(ADAPTERS)('through %s', (adapter) => {
  const staff = () => operations(t.url, t.staff.token).call.bind(null, adapter);
  const created = adapter === 'rest' ? 201 : 200;

  it('20 parallel creates with one key make one contact, and every one of them gets its answer', async () => {
    const customer = await createCustomer(t.staff);
    const body = contactBody(customer.id);
    const headers = { 'idempotency-key': key() };
    const call = staff();
    const first = await Promise.all(Array.from({ length: 20 }, () => call('contacts.create', body, headers)));
    for (const a of first) expect([created, 409], JSON.stringify(a.body)).toContain(a.status);
    for (const busy of first.filter((a) => a.status === 409)) expect(busy.headers.get('retry-after')).toBe('1');
    const answers = await Promise.all(
      first.map((a) => (a.status === 409 ? untilSettled(() => call('contacts.create', body, headers)) : a)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(created));
    expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await contactsWithEmail(body.email)).toBe(1);
  });

  it('a repeated toggle runs once; a repeated delete answers as the first did, not 404', async () => {
    const contact = await createContact(t.staff, (await createCustomer(t.staff)).id, { is_active: true });
    const call = staff();
    const toggle = { 'idempotency-key': key() };
    const once = await call('contacts.toggleStatus', { id: contact.id }, toggle);
    const again = await call('contacts.toggleStatus', { id: contact.id }, toggle);
    expect([once.data.is_active, again.data.is_active]).toEqual([false, false]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await t.viewer.get(`/api/contacts/${contact.id}/`)).body.data.is_active).toBe(false);
    const remove = { 'idempotency-key': key() };
    const deleted = await call('contacts.delete', { id: contact.id }, remove);
    const repeated = await call('contacts.delete', { id: contact.id }, remove);
    expect([deleted.status, repeated.status]).toEqual(adapter === 'rest' ? [204, 204] : [200, 200]);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
  });

  it('the same key with another request is a 422; another user may use the same key for its own request', async () => {
    const customer = await createCustomer(t.staff);
    const call = staff();
    const headers = { 'idempotency-key': key() };
    expect((await call('contacts.create', contactBody(customer.id), headers)).status).toBe(created);
    const other = await call('contacts.create', contactBody(customer.id), headers);
    expect(other.status).toBe(422);
    expect(other.message).toMatch(/another request/);
    const otherPath = await call('customers.create', customerBody(), headers);
    expect(otherPath.status).toBe(422);
    const admin = operations(t.url, t.admin.token).call.bind(null, adapter);
    expect((await admin('contacts.create', contactBody(customer.id), headers)).status).toBe(created);
  });

  it("a request's final error is its answer too: a repeat gets the same 404 or 412, replayed", async () => {
    const call = staff();
    const headers = { 'idempotency-key': key() };
    const missing = await call('contacts.patch', { id: 99999999, email: 'gone@example.com' }, headers);
    const again = await call('contacts.patch', { id: 99999999, email: 'gone@example.com' }, headers);
    expect([missing.status, again.status]).toEqual([404, 404]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const contact = await createContact(t.staff, (await createCustomer(t.staff)).id);
    const stale = { 'idempotency-key': key(), 'if-match': '"5"' };
    expect((await call('contacts.toggleStatus', { id: contact.id }, stale)).status).toBe(412);
    const replayed = await call('contacts.toggleStatus', { id: contact.id }, stale);
    expect(replayed.status).toBe(412);
    expect(replayed.headers.get('etag')).toBe('"1"');
  });

  it('a user created again with its key gets the user back, not "name taken" (the service reads before it writes)', async () => {
    const admin = operations(t.url, t.admin.token).call.bind(null, adapter);
    const body = {
      username: `idem-${adapter}-${Date.now()}`,
      email: `idem-${adapter}@example.com`,
      password: 'a-password-1',
      role: 'viewer',
    };
    const headers = { 'idempotency-key': key() };
    const first = await admin('users.create', body, headers);
    const again = await admin('users.create', body, headers);
    expect([first.status, again.status]).toEqual([created, created]);
    expect(again.data).toEqual(first.data);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a bulk create repeated with its key answers the same contacts and writes them once', async () => {
    const customer = await createCustomer(t.staff);
    const valid = contactBody(customer.id);
    const items = [valid, contactBody(customer.id), { customer: customer.id }];
    const headers = { 'idempotency-key': key() };
    const call = staff();
    const first = await call('contacts.bulkCreate', { contacts: items }, headers);
    const second = await call('contacts.bulkCreate', { contacts: items }, headers);
    expect(first.status).toBe(adapter === 'rest' ? 207 : 200);
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    expect(await contactsWithEmail(valid.email)).toBe(1);
  });

  it('keys of 1 to 255 printable characters; anything else is a 400 naming the header, and nothing runs', async () => {
    const customer = await createCustomer(t.staff);
    const call = staff();
    // Keys are the user's: one character per adapter, so that this test's two runs do not share them.
    const shortest = adapter === 'rest' ? 'r' : 't';
    expect((await call('contacts.create', contactBody(customer.id), { 'idempotency-key': shortest })).status).toBe(
      created,
    );
    const longest = shortest.repeat(255);
    expect((await call('contacts.create', contactBody(customer.id), { 'idempotency-key': longest })).status).toBe(
      created,
    );
    for (const bad of ['k'.repeat(256), 'tab\there']) {
      const body = contactBody(customer.id);
      const refused = await call('contacts.create', body, { 'idempotency-key': bad });
      expect(refused.status, bad).toBe(400);
      expect(refused.errors).toHaveProperty(['Idempotency-Key']);
      expect(await contactsWithEmail(body.email)).toBe(0);
    }
  });

  it('sign-in ignores the key: its answer holds tokens, which are never stored', async () => {
    const anon = operations(t.url).call.bind(null, adapter);
    const headers = { 'idempotency-key': key() };
    const a = await anon('auth.login', { username: 'viewer', password: 'viewer-password-1' }, headers);
    const b = await anon('auth.login', { username: 'viewer', password: 'viewer-password-1' }, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    const stored = (await raw.query('SELECT answer FROM idempotency_keys', { type: QueryTypes.SELECT })) as {
      answer: string | null;
    }[];
    expect(stored.some((r) => r.answer?.includes(a.data.refresh))).toBe(false);
  });
});

describe('across adapters', () => {
  it('a key used over REST gives its answer to the same request over tRPC', async () => {
    const customer = await createCustomer(t.staff);
    const ops = operations(t.url, t.staff.token);
    const body = contactBody(customer.id);
    const headers = { 'idempotency-key': key() };
    const rest = await ops.rest('contacts.create', body, headers);
    const trpc = await ops.trpc('contacts.create', body, headers);
    expect(trpc.data).toEqual(rest.data);
    expect(trpc.headers.get('idempotent-replayed')).toBe('true');
  });
});
