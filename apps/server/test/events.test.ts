import { describe, expect, it } from 'vitest';
import { ADAPTERS, operations } from './support/adapters.js';
import { rawConnection } from './support/database.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// The record of changes (docs/api.md, "Change history"), on every database and through both adapters: each write
// appends exactly its events, in its own transaction, under its caller and request id; a write that fails appends
// none; the feed gives every event once, in order, to a reader that follows next_cursor while writers run.

let t: TestServer;
test.beforeAll(({ server }) => {
  t = server;
});

// biome-ignore lint/suspicious/noExplicitAny: events are read as JSON
type Ev = any;

/** The feed's cursor now: where a test's own events will start. */
async function cursorNow(): Promise<string> {
  let cursor = '';
  for (;;) {
    const res = await t.staff.get(`/api/events/?after=${cursor}&page_size=1000`);
    expect(res.status, res.text).toBe(200);
    if (res.body.data.results.length === 0) return res.body.data.next_cursor;
    cursor = res.body.data.next_cursor;
  }
}

async function eventsAfter(cursor: string): Promise<Ev[]> {
  const res = await t.staff.get(`/api/events/?after=${cursor}&page_size=1000`);
  expect(res.status, res.text).toBe(200);
  return res.body.data.results;
}

/**
 * Makes the database refuse the events of requests whose id starts with `refuse-event` (a trigger on SQLite, a
 * CHECK constraint elsewhere); answers how to undo it.
 */
async function refuseEvents(): Promise<() => Promise<void>> {
  const db = rawConnection(t.databaseUrl);
  const sqlite = t.databaseUrl.startsWith('sqlite:');
  await db.query(
    sqlite
      ? `CREATE TRIGGER refuse_events BEFORE INSERT ON events WHEN NEW.request_id LIKE 'refuse-event%'
         BEGIN SELECT RAISE(ABORT, 'refused'); END`
      : `ALTER TABLE events ADD CONSTRAINT refuse_events CHECK (request_id IS NULL OR request_id NOT LIKE 'refuse-event%')`,
  );
  return async () => {
    await db.query(sqlite ? 'DROP TRIGGER refuse_events' : 'ALTER TABLE events DROP CONSTRAINT refuse_events');
    await db.close();
  };
}

const summary = (events: Ev[]) => events.map((e) => `${e.type} ${e.subject.type}:${e.subject.id}`);

describe.each(ADAPTERS)('through %s', (adapter) => {
  const staff = () => operations(t.url, t.staff.token).call.bind(null, adapter);

  it('every contact write appends exactly its events, under its caller and request id', async () => {
    const call = staff();
    const customer = await createCustomer(t.staff);
    const first = await createContact(t.staff, customer.id, { is_primary: true });
    const start = await cursorNow();
    const created = await call('contacts.create', contactBody(customer.id, { is_primary: false }));
    const id = created.data.id;
    await call('contacts.patch', { id, email: `changed-${id}@example.com` });
    await call('contacts.patch', { id }); // nothing changes: no event
    await call('contacts.setPrimary', { id });
    await call('contacts.toggleStatus', { id });
    await call('contacts.delete', { id });
    const events = await eventsAfter(start);
    expect(summary(events)).toEqual([
      `contact.created contact:${id}`,
      `contact.updated contact:${id}`,
      `contact.updated contact:${first.id}`,
      `contact.primary_changed contact:${id}`,
      `contact.deactivated contact:${id}`,
      `contact.deleted contact:${id}`,
    ]);
    for (const e of events) {
      expect(e.actor).toEqual({ type: 'user', id: expect.any(Number), username: 'staff' });
      expect(e.id).toMatch(/^evt_[0-9a-f]{32}$/);
    }
    expect(events[0].request_id).toBe(created.headers.get('x-request-id'));
    expect(events[1].data.changes).toEqual({
      email: { before: created.data.email, after: `changed-${id}@example.com` },
    });
    expect(events[2].data.changes).toEqual({ is_primary: { before: true, after: false } });
    expect(events[5].data.object).toMatchObject({ id, email: `changed-${id}@example.com`, is_active: false });
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('parallel creates by two callers (committed together on SQLite): each event names its own caller and request', async () => {
    const customer = await createCustomer(t.staff);
    const callers = [
      { username: 'staff', call: staff() },
      { username: 'admin', call: operations(t.url, t.admin.token).call.bind(null, adapter) },
    ];
    const start = await cursorNow();
    const made = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const { username, call } = callers[i % 2]!;
        return { username, res: await call('contacts.create', contactBody(customer.id, { is_primary: false })) };
      }),
    );
    const events = await eventsAfter(start);
    expect(events).toHaveLength(made.length);
    for (const { username, res } of made) {
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      const own = events.filter((e) => e.subject.id === res.data.id);
      expect(own.map((e) => e.type)).toEqual(['contact.created']);
      expect(own[0].actor.username).toBe(username);
      expect(own[0].request_id).toBe(res.headers.get('x-request-id'));
      expect(own[0].data.object).toEqual(res.data);
    }
  });

  it('a customer delete records its contacts as deleted too; their histories outlive them', async () => {
    const call = staff();
    const customer = await createCustomer(t.staff);
    const a = await createContact(t.staff, customer.id);
    const b = await createContact(t.staff, customer.id);
    await call('customers.patch', { id: customer.id, first_name: 'Renamed' });
    const start = await cursorNow();
    await call('customers.delete', { id: customer.id });
    expect(summary(await eventsAfter(start)).sort()).toEqual(
      [
        `contact.deleted contact:${a.id}`,
        `contact.deleted contact:${b.id}`,
        `customer.deleted customer:${customer.id}`,
      ].sort(),
    );
    const history = await call('customers.history', { id: customer.id });
    expect(history.status).toBe(200);
    const types = (adapter === 'rest' ? history.data.results : history.data.results).map((e: Ev) => e.type);
    expect(types).toEqual(['customer.deleted', 'customer.updated', 'customer.created']);
    const contactHistory = await call('contacts.history', { id: a.id });
    expect(contactHistory.data.results.map((e: Ev) => e.type)).toEqual(['contact.deleted', 'contact.created']);
    expect((await call('contacts.history', { id: 2147483000 })).status).toBe(404);
  });

  it('user changes are recorded, a password change as redacted: no password or hash in any event', async () => {
    const admin = operations(t.url, t.admin.token).call.bind(null, adapter);
    const start = await cursorNow();
    const username = `audited-${adapter}`;
    const made = await admin('users.create', {
      username,
      email: `${username}@example.com`,
      password: 'first-password-1',
      role: 'viewer',
    });
    expect(made.status, JSON.stringify(made.body)).toBeLessThan(300);
    const id = made.data.id;
    await admin('users.update', { id, role: 'staff' });
    const login = await t.anon.post('/api/auth/token/', { username, password: 'first-password-1' });
    const own = operations(t.url, login.body.data.access).call.bind(null, adapter);
    const changed = await own('auth.changePassword', {
      current_password: 'first-password-1',
      new_password: 'second-password-2',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const events = await eventsAfter(start);
    expect(summary(events)).toEqual([`user.created user:${id}`, `user.updated user:${id}`, `user.updated user:${id}`]);
    expect(events[1].data.changes).toEqual({ role: { before: 'viewer', after: 'staff' } });
    expect(events[2].data.changes).toEqual({ password: { before: '[redacted]', after: '[redacted]' } });
    expect(events[2].actor).toEqual({ type: 'user', id, username });
    expect(JSON.stringify(events)).not.toMatch(/first-password|second-password|argon2|password_hash/);
  });

  it('a write that fails appends nothing', async () => {
    const call = staff();
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const start = await cursorNow();
    expect((await call('contacts.create', contactBody(customer.id, { email: contact.email }))).status).toBe(400);
    expect((await call('contacts.toggleStatus', { id: contact.id }, { 'if-match': '"9"' })).status).toBe(412);
    expect((await call('customers.create', customerBody({ username: customer.username }))).status).toBe(400);
    expect((await call('contacts.delete', { id: 2147483000 })).status).toBe(404);
    expect(await eventsAfter(start)).toEqual([]);
  });

  it('a change whose event the database refuses does not commit either', async () => {
    const call = staff();
    const customer = await createCustomer(t.staff);
    const kept = await createContact(t.staff, customer.id);
    const undo = await refuseEvents();
    try {
      const refused = { 'x-request-id': `refuse-event-${adapter}` };
      expect((await call('contacts.create', contactBody(customer.id), refused)).status).toBe(500);
      expect((await call('contacts.patch', { id: kept.id, email: `x${kept.email}` }, refused)).status).toBe(500);
    } finally {
      await undo();
    }
    const res = await t.staff.get(`/api/customers/${customer.id}/contacts/`);
    expect(res.body.data.contacts.map((c: { email: string }) => c.email)).toEqual([kept.email]);
  });
  it('a create that fails beside others (in one group on SQLite) fails alone: the others commit', async () => {
    const call = staff();
    const customer = await createCustomer(t.staff);
    const refusedAt = 17;
    const undo = await refuseEvents();
    let answers: Awaited<ReturnType<typeof call>>[];
    try {
      answers = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          call(
            'contacts.create',
            contactBody(customer.id),
            i === refusedAt ? { 'x-request-id': `refuse-event-group-${adapter}` } : {},
          ),
        ),
      );
    } finally {
      await undo();
    }
    expect(answers.map((a) => a.status)).toEqual(answers.map((_, i) => (i === refusedAt ? 500 : answers[0]!.status)));
    expect(answers[0]!.status).toBeLessThan(300);
    const res = await t.staff.get(`/api/customers/${customer.id}/contacts/`);
    const stored = res.body.data.contacts.map((c: { id: number }) => c.id).sort();
    expect(stored).toEqual(
      answers
        .filter((a) => a.status < 300)
        .map((a) => a.data.id)
        .sort(),
    );
  });
});

describe('the feed', () => {
  it('a reader following next_cursor while 8 writers run sees every event once, in order', async () => {
    const customer = await createCustomer(t.staff);
    const start = await cursorNow();
    let writing = true;
    const made: number[] = [];
    const writers = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 6; i++) {
        const res = await t.staff.post('/api/contacts/', contactBody(customer.id));
        expect(res.status, res.text).toBe(201);
        made.push(res.body.data.id);
      }
    });
    const seen: Ev[] = [];
    const reader = (async () => {
      let cursor = start;
      for (let quiet = 0; quiet < 2; ) {
        const res = await t.staff.get(`/api/events/?after=${cursor}&page_size=7&types=contact.created`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.results);
        cursor = res.body.data.next_cursor;
        if (!writing && res.body.data.results.length === 0) quiet += 1;
      }
    })();
    await Promise.all(writers);
    writing = false;
    await reader;
    const sequences = seen.map((e) => e.sequence);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(seen.map((e) => e.subject.id).sort()).toEqual([...made].sort());
  });

  it('wait=N answers as soon as an event comes', async () => {
    const customer = await createCustomer(t.staff);
    const start = await cursorNow();
    const began = Date.now();
    const waiting = t.staff.get(`/api/events/?after=${start}&wait=10`);
    await new Promise((r) => setTimeout(r, 300));
    await createContact(t.staff, customer.id);
    const res = await waiting;
    expect(res.body.data.results.map((e: Ev) => e.type)).toEqual(['contact.created']);
    expect(Date.now() - began).toBeLessThan(8000);
  });

  it('refuses a malformed cursor or type; viewers may not read it', async () => {
    expect((await t.staff.get('/api/events/?after=abc')).status).toBe(400);
    expect((await t.staff.get('/api/events/?types=contact.nope')).status).toBe(400);
    expect((await t.viewer.get('/api/events/')).status).toBe(403);
  });
});
