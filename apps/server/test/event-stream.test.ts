import type { Event } from '@ccm/contract';
import { createTRPCClient, httpSubscriptionLink, type TRPCClientError } from '@trpc/client';
import type { inferProcedureInput, inferSubscriptionOutput } from '@trpc/server';
import { EventSource } from 'eventsource';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { unavailable } from '../src/services/index.js';
import type { eventStream } from '../src/trpc/event-stream.js';
import type { AppRouter } from '../src/trpc/router.js';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import { PASSWORDS, startTestServer, type TestServer } from './support/server.js';

// events.onChange (docs/api.md, "Live stream over tRPC"): the record of changes over tRPC's server-sent events,
// through @trpc/client's httpSubscriptionLink (with the `eventsource` package: Node 20 has no EventSource) against
// the live server: typed events as REST changes happen, resumption without repeats, the feed's access, and a
// stream that ends with its client or with the server.

let t: TestServer;
test.beforeAll(({ server }) => {
  t = server;
});

type Tracked = { id: string; data: Event };

/** A tRPC client of the subscriptions; the token goes in the connection params, or in an Authorization header. */
function streams(url: string, token?: string, via: 'params' | 'header' = 'params') {
  const fetchWithToken: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as object), authorization: `Bearer ${token}` } });
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${url}/trpc`,
        EventSource,
        connectionParams: via === 'params' && token ? { token } : undefined,
        eventSourceOptions: via === 'header' ? { fetch: fetchWithToken } : undefined,
      }),
    ],
  });
}

/** Waits for `check` to hold, polling (fails the test after `ms`). */
async function until(check: () => boolean, ms = 10_000, what = 'the condition') {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Subscribes to events.onChange: what arrives is collected. Resolves once the server has answered the
 * subscription (tRPC's `started` comes before a refusal too: wait for `error` to see one).
 */
async function listen(
  client: ReturnType<typeof streams>,
  input: Parameters<typeof client.events.onChange.subscribe>[0],
) {
  const state = { events: [] as Tracked[], error: undefined as TRPCClientError<AppRouter> | undefined, started: false };
  const subscription = client.events.onChange.subscribe(input, {
    onStarted: () => {
      state.started = true;
    },
    onData: (event) => {
      expectTypeOf(event).toEqualTypeOf<Tracked>();
      state.events.push(event);
    },
    onError: (error) => {
      state.error = error;
    },
  });
  await until(() => state.started || state.error !== undefined, 10_000, 'the stream to start');
  return { get: () => state, unsubscribe: () => subscription.unsubscribe() };
}

/** The feed's cursor now: where a test's own events start. */
async function cursorNow(server: TestServer = t): Promise<string> {
  let cursor = '';
  for (;;) {
    const res = await server.admin.get(`/api/events/?after=${cursor}&page_size=1000`);
    expect(res.status, res.text).toBe(200);
    if (res.body.data.results.length === 0) return res.body.data.next_cursor;
    cursor = res.body.data.next_cursor;
  }
}

const summary = (events: Tracked[]) => events.map((e) => `${e.data.type} ${e.data.subject.type}:${e.data.subject.id}`);

describe('events.onChange', () => {
  it('is typed in AppRouter (from the contract alone) as the server builds it', () => {
    type Built = ReturnType<typeof eventStream>;
    type Declared = AppRouter['events']['onChange'];
    expectTypeOf<inferProcedureInput<Declared>>().toEqualTypeOf<inferProcedureInput<Built>>();
    expectTypeOf<inferSubscriptionOutput<Declared>>().toEqualTypeOf<inferSubscriptionOutput<Built>>();
    expectTypeOf<inferSubscriptionOutput<Declared>>().toEqualTypeOf<Tracked>();
  });

  it('streams the typed event of a REST change to an admin (token in the connection params)', async () => {
    const stream = await listen(streams(t.url, t.admin.token), { after: await cursorNow() });
    const customer = await createCustomer(t.admin);
    await until(() => stream.get().events.length >= 1, 10_000, 'the event');
    stream.unsubscribe();
    const [event] = stream.get().events;
    expect(summary(stream.get().events)).toEqual([`customer.created customer:${customer.id}`]);
    expect(event!.id).toBe(String(event!.data.sequence));
    if (event!.data.type !== 'customer.created') throw new Error(`got ${event!.data.type}`);
    expect(event!.data.data.object).toMatchObject({ id: customer.id, username: customer.username });
    expect(event!.data.actor).toMatchObject({ type: 'user', username: 'admin' });
  });

  it('takes the token from an Authorization header too, and keeps only the asked types', async () => {
    const stream = await listen(streams(t.url, t.staff.token, 'header'), {
      after: await cursorNow(),
      types: ['contact.created'],
    });
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    await until(() => stream.get().events.length >= 1, 10_000, 'the event');
    await new Promise((r) => setTimeout(r, 500));
    stream.unsubscribe();
    expect(summary(stream.get().events)).toEqual([`contact.created contact:${contact.id}`]);
  });

  it('resumes after the last event id (or an after cursor): only later events, none repeated', async () => {
    const start = await cursorNow();
    const first = await listen(streams(t.url, t.admin.token), { after: start });
    const a = await createCustomer(t.admin);
    const b = await createCustomer(t.admin);
    await until(() => first.get().events.length >= 2, 10_000, 'two events');
    first.unsubscribe();
    const last = first.get().events.at(-1)!;
    const c = await createCustomer(t.admin);

    const resumed = await listen(streams(t.url, t.admin.token), { after: start, lastEventId: last.id });
    const fromCursor = await listen(streams(t.url, t.admin.token), { after: last.id });
    const d = await createCustomer(t.admin);
    await until(() => resumed.get().events.length >= 2 && fromCursor.get().events.length >= 2, 10_000, 'c and d');
    await new Promise((r) => setTimeout(r, 500));
    resumed.unsubscribe();
    fromCursor.unsubscribe();
    expect(summary(first.get().events)).toEqual([
      `customer.created customer:${a.id}`,
      `customer.created customer:${b.id}`,
    ]);
    const later = [`customer.created customer:${c.id}`, `customer.created customer:${d.id}`];
    expect(summary(resumed.get().events)).toEqual(later);
    expect(summary(fromCursor.get().events)).toEqual(later);
  });

  it('refuses a viewer (FORBIDDEN), no token or a bad one (UNAUTHORIZED), a bad cursor (BAD_REQUEST)', async () => {
    const refusals = await Promise.all([
      listen(streams(t.url, t.viewer.token), {}),
      listen(streams(t.url), {}),
      listen(streams(t.url, 'not.a.token'), {}),
      listen(streams(t.url, t.admin.token), { after: 'abc' }),
    ]);
    await until(() => refusals.every((r) => r.get().error !== undefined), 10_000, 'the refusals');
    expect(refusals.map((r) => r.get().error?.data?.code)).toEqual([
      'FORBIDDEN',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
    ]);
    expect(refusals[3]!.get().error?.data?.fieldErrors).toEqual({ after: [expect.any(String)] });
    for (const r of refusals) expect(r.get().events).toEqual([]);
  });

  it('ends with UNAUTHORIZED within seconds once its user is deactivated', async () => {
    const username = `streamer${Date.now()}`;
    const user = { username, email: `${username}@example.com`, password: PASSWORDS.staff, role: 'staff' };
    const made = await t.admin.post('/api/users/', user);
    expect(made.status, made.text).toBe(201);
    const login = await t.anon.post('/api/auth/token/', { username, password: PASSWORDS.staff });
    const stream = await listen(streams(t.url, login.body.data.access), { after: await cursorNow() });
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.get().error).toBeUndefined();
    const off = await t.admin.patch(`/api/users/${made.body.data.id}/`, { is_active: false });
    expect(off.status, off.text).toBe(200);
    await until(() => stream.get().error !== undefined, 12_000, 'the stream to end');
    expect(stream.get().error?.data?.code).toBe('UNAUTHORIZED');
  });
});

describe('an open stream and the server', () => {
  it('rides out a database outage: SERVICE_UNAVAILABLE ends the stream, the client resumes', async () => {
    const { events } = t.server.services;
    const feed = events.feed;
    let failures = 0;
    try {
      const stream = await listen(streams(t.url, t.admin.token), { after: await cursorNow() });
      const a = await createCustomer(t.admin);
      await until(() => stream.get().events.length === 1, 10_000, 'the first event');
      events.feed = (query) => {
        if (failures > 0) return feed(query);
        failures += 1;
        return Promise.reject(unavailable());
      };
      const b = await createCustomer(t.admin);
      await until(() => stream.get().events.length === 2, 15_000, 'the event after the outage');
      await new Promise((r) => setTimeout(r, 300));
      stream.unsubscribe();
      expect(failures).toBe(1);
      expect(stream.get().error).toBeUndefined();
      expect(summary(stream.get().events)).toEqual([
        `customer.created customer:${a.id}`,
        `customer.created customer:${b.id}`,
      ]);
    } finally {
      events.feed = feed;
    }
  });

  it('stops reading the feed once its client unsubscribes', async () => {
    const server = await startTestServer();
    try {
      const { events } = server.server.services;
      const feed = events.feed;
      let reads = 0;
      events.feed = (query) => {
        reads += 1;
        return feed(query);
      };
      const stream = await listen(streams(server.url, server.admin.token), { after: await cursorNow(server) });
      await createCustomer(server.admin);
      await until(() => stream.get().events.length === 1, 10_000, 'the event');
      expect(reads).toBeGreaterThan(0);
      stream.unsubscribe();
      await new Promise((r) => setTimeout(r, 1000));
      const after = reads;
      await new Promise((r) => setTimeout(r, 1500));
      expect(reads).toBe(after);
    } finally {
      await server.close();
    }
  });

  it('does not hold the shutdown: the server closes at once, the stream ends without tRPC’s return', async () => {
    const server = await startTestServer();
    // The server's own close, with a long grace (10 s), timed; TestServer#close calls it, then drops the database.
    const close = server.server.close.bind(server.server);
    let closedInMs = Number.NaN;
    server.server.close = async () => {
      const started = Date.now();
      await close(10_000);
      closedInMs = Date.now() - started;
    };
    let raw = '';
    let ended = false;
    try {
      const res = await fetch(`${server.url}/trpc/events.onChange?input=${encodeURIComponent('{}')}`, {
        headers: { authorization: `Bearer ${server.admin.token}`, accept: 'text/event-stream' },
      });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const reading = (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) raw += chunk.value;
        ended = true;
      })();
      await until(() => raw.includes('event: connected'), 10_000, 'the stream to connect');
      await createCustomer(server.admin);
      await until(() => /^id: \d+$/m.test(raw), 10_000, 'an event');
      await server.close();
      await reading;
    } finally {
      if (Number.isNaN(closedInMs)) await server.close();
    }
    expect(closedInMs).toBeLessThan(2_000);
    expect(ended).toBe(true);
    expect(raw).not.toMatch(/^event: return$/m);
  });
});
