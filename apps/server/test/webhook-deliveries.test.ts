import { type Event, type WebhookDelivery, WebhookPayloadSchema } from '@ccm/contract';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../src/services/deliveries/send.js';
import { ADAPTERS, operations } from './support/adapters.js';
import { contactBody, createCustomer } from './support/factories.js';
import { type Answer, type Received, type Receiver, startReceiver } from './support/receiver.js';
import { startTestServer, type TestServer } from './support/server.js';

// Webhook deliveries (docs/api.md, "Webhooks"), on every database, to real local endpoints: signed as the Standard
// Webhooks reference library verifies, retried on the schedule with one webhook-id, in order per record, never
// redirected, ended by a timeout; the admin routes that list, retry and ping, through both adapters.

let t: TestServer;
let receiver: Receiver;
/** What the endpoint answers, by path: each test has its own. */
const answers = new Map<string, (r: Received, n: number) => Answer>();

beforeAll(async () => {
  receiver = await startReceiver((r) => {
    const same = receiver.received.filter((x) => x.path === r.path).length - 1;
    return answers.get(r.path)?.(r, same) ?? { status: 200 };
  });
  t = await startTestServer({
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '0.1,0.1,0.1',
    WEBHOOK_TIMEOUT_MS: '1000',
    // 7.2 s: the other tests' failures end well within it.
    WEBHOOK_DISABLE_AFTER_HOURS: '0.002',
  });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const admin = () => operations(t.url, t.admin.token);
const at = (path: string) => receiver.received.filter((r) => r.path === path);

/** Registers a webhook at a path of the receiver; answers its id and secret. */
async function register(path: string, events: string[] = ['*']) {
  const made = await admin().rest('webhooks.create', { url: receiver.url(path), events });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { id: made.data.id as number, secret: made.data.secret as string };
}

/** The payload of a received request, verified with the reference library and parsed with the contract. */
function verified(r: Received, secret: string) {
  const payload = new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
  return WebhookPayloadSchema.parse(payload);
}

describe('a delivery', () => {
  // First in the file: with no webhook active yet, new events are numbered only every few seconds, so the change
  // made before the webhook is registered is numbered after it.
  it('is made for the changes after its webhook was registered, not for one before it numbered later', async () => {
    const path = '/registered-after';
    const before = await createCustomer(t.staff);
    await register(path, ['customer.created']);
    const after = await createCustomer(t.staff);
    const got = await receiver.waitFor(() => (at(path).length > 0 ? at(path) : undefined), 15_000);
    const subjects = got.map((r) => (JSON.parse(r.body) as Event).subject.id);
    expect(subjects).toEqual([after.id]);
    expect(subjects).not.toContain(before.id);
  });

  it('is signed as the Standard Webhooks reference library verifies, with the event as the feed shows it', async () => {
    const path = '/signed';
    const { secret } = await register(path, ['customer.created']);
    const customer = await createCustomer(t.staff);
    const [r] = await receiver.waitFor(() => (at(path).length > 0 ? at(path) : undefined));
    const payload = verified(r!, secret) as Event;
    expect(payload).toMatchObject({ type: 'customer.created', subject: { type: 'customer', id: customer.id } });
    expect(r!.headers['webhook-id']).toBe(payload.id);
    expect(r!.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(r!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    const feed = await t.admin.get(`/api/events/?after=${payload.sequence - 1}&page_size=1`);
    expect(feed.body.data.results[0]).toEqual(payload);
    expect(() =>
      new Webhook(`whsec_${Buffer.from('not the secret').toString('base64')}`).verify(
        r!.body,
        r!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('that fails 3 times then succeeds reaches the endpoint 4 times with one webhook-id, and says so', async () => {
    const path = '/flaky';
    answers.set(path, (_, n) => ({ status: n < 3 ? 500 : 204 }));
    const { id, secret } = await register(path, ['customer.created']);
    await createCustomer(t.staff);
    const got = await receiver.waitFor(() => (at(path).length >= 4 ? at(path) : undefined));
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of got) verified(r, secret);
    const list = await waitForDelivery(id, (d) => d.status === 'succeeded');
    expect(list).toMatchObject({ attempts: 4, response_status: 204, last_error: null, next_attempt_at: null });
    expect(at(path)).toHaveLength(4);
  });

  it('follows the order of sequence per record, each waiting for the one before', async () => {
    const path = '/ordered';
    // Slow and failing at first: a later event of the same record must still wait for the earlier one.
    answers.set(path, (_, n) => ({ status: n === 0 ? 503 : 200, delayMs: 30 }));
    const { secret } = await register(path, ['customer.created', 'customer.updated']);
    const customer = await createCustomer(t.staff);
    for (let i = 0; i < 5; i++) {
      expect((await t.staff.patch(`/api/customers/${customer.id}/`, { first_name: `Name${i}` })).status).toBe(200);
    }
    const got = await receiver.waitFor(() => (at(path).length >= 7 ? at(path) : undefined));
    const sequences = got.map((r) => (verified(r, secret) as Event).sequence);
    expect(sequences[0]).toBe(sequences[1]);
    const delivered = sequences.slice(1);
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
    expect(new Set(delivered).size).toBe(6);
  });

  it('is not redirected: a 3xx is a failure and the Location is never called', async () => {
    const path = '/moved';
    answers.set(path, () => ({ status: 302, headers: { location: receiver.url('/moved-here') } }));
    const { id } = await register(path, ['customer.created']);
    await createCustomer(t.staff);
    const d = await waitForDelivery(id, (x) => x.status === 'failed');
    expect(d).toMatchObject({ attempts: 4, response_status: 302 });
    expect(d.last_error).toMatch(/redirect not followed/);
    expect(at('/moved-here')).toHaveLength(0);
  });

  it('ends after WEBHOOK_TIMEOUT_MS without an answer, and is retried', async () => {
    const path = '/slow';
    answers.set(path, (_, n) => ({ status: 200, delayMs: n === 0 ? 3000 : 0 }));
    const { id } = await register(path, ['customer.created']);
    await createCustomer(t.staff);
    const d = await waitForDelivery(id, (x) => x.status === 'succeeded');
    expect(d.attempts).toBe(2);
    expect(at(path)).toHaveLength(2);
  });
});

/** Polls a webhook's deliveries until the newest matches. */
async function waitForDelivery(webhookId: number, done: (d: WebhookDelivery) => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await admin().rest('webhooks.deliveries', { id: webhookId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const newest = res.data.results[0] as WebhookDelivery | undefined;
    if (newest && done(newest)) return newest;
    if (Date.now() > until) throw new Error(`delivery not done: ${JSON.stringify(res.data.results)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(ADAPTERS)('the delivery routes through %s', (adapter) => {
  const call = (name: string, input?: unknown) => operations(t.url, t.admin.token).call(adapter, name, input);

  it('test sends a signed ping; deliveries lists it; retry sends it again with the same webhook-id', async () => {
    const path = `/ping-${adapter}`;
    const { id, secret } = await register(path, ['user.created']);
    const pinged = await call('webhooks.test', { id });
    expect(pinged.status, JSON.stringify(pinged.body)).toBe(adapter === 'rest' ? 202 : 200);
    expect(pinged.data).toMatchObject({ webhook_id: id, event_type: 'ping', status: 'pending', attempts: 0 });
    const [r] = await receiver.waitFor(() => (at(path).length > 0 ? at(path) : undefined));
    expect(verified(r!, secret)).toMatchObject({ type: 'ping', id: pinged.data.event_id, data: { webhook_id: id } });
    const done = await waitForDelivery(id, (d) => d.status === 'succeeded');

    const again = await call('webhooks.retryDelivery', { id, delivery_id: done.id });
    expect(again.status, JSON.stringify(again.body)).toBe(adapter === 'rest' ? 202 : 200);
    expect(again.data).toMatchObject({ id: done.id, status: 'pending' });
    const both = await receiver.waitFor(() => (at(path).length >= 2 ? at(path) : undefined));
    expect(both.map((x) => x.headers['webhook-id'])).toEqual([pinged.data.event_id, pinged.data.event_id]);
    const listed = await call('webhooks.deliveries', { id, status: 'pending' });
    expect(listed.status).toBe(200);
  });

  it('answer 404 for a webhook or delivery that is not there, 400 for a bad status filter', async () => {
    const { id } = await register(`/missing-${adapter}`, ['user.created']);
    expect((await call('webhooks.deliveries', { id: 999999 })).status).toBe(404);
    expect((await call('webhooks.test', { id: 999999 })).status).toBe(404);
    expect((await call('webhooks.retryDelivery', { id, delivery_id: 999999 })).status).toBe(404);
    const bad = await call('webhooks.deliveries', { id, status: 'sent' });
    expect(bad.status).toBe(400);
    expect(bad.errors?.status).toBeDefined();
  });

  it('are for admins only', async () => {
    const { id } = await register(`/access-${adapter}`, ['user.created']);
    for (const token of [t.staff.token, t.viewer.token]) {
      const res = await operations(t.url, token).call(adapter, 'webhooks.test', { id });
      expect(res.status).toBe(403);
    }
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled after WEBHOOK_DISABLE_AFTER_HOURS, says why, and is sent to again once enabled by hand', async () => {
    const path = '/down';
    let up = false;
    answers.set(path, () => ({ status: up ? 200 : 500 }));
    const { id } = await register(path, ['user.created']);
    const until = Date.now() + 30_000;
    let hook = (await admin().rest('webhooks.get', { id })).data;
    while (hook.is_active) {
      expect(Date.now()).toBeLessThan(until);
      await admin().rest('webhooks.test', { id });
      await new Promise((r) => setTimeout(r, 500));
      hook = (await admin().rest('webhooks.get', { id })).data;
    }
    expect(hook.disabled_reason).toMatch(/^Every delivery failed for [\d.]+ hours; disabled at /);
    const sent = at(path).length;
    const waiting = await admin().rest('webhooks.test', { id });
    await new Promise((r) => setTimeout(r, 1000));
    expect(at(path)).toHaveLength(sent);

    up = true;
    const enabled = await admin().rest('webhooks.update', { id, is_active: true });
    expect(enabled.data).toMatchObject({ is_active: true, disabled_reason: null });
    await receiver.waitFor(() =>
      at(path).some((r) => r.headers['webhook-id'] === waiting.data.event_id) ? true : undefined,
    );
  });
});

describe('a rotated secret', () => {
  it('signs beside the new one for a day: a receiver with either verifies', async () => {
    const path = '/rotated';
    const { id, secret: old } = await register(path, ['customer.created']);
    const rotated = await admin().rest('webhooks.update', { id, rotate_secret: true });
    await admin().rest('webhooks.test', { id });
    const [r] = await receiver.waitFor(() => (at(path).length > 0 ? at(path) : undefined));
    expect(String(r!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(r!, rotated.data.secret).type).toBe('ping');
    expect(verified(r!, old).type).toBe('ping');
  });
});

describe('sending', () => {
  it('refuses a host that resolves to a private address when they are not allowed (checked at connection time)', async () => {
    const before = receiver.received.length;
    const port = new URL(receiver.url()).port;
    const refused = await post(`http://localhost:${port}/private`, {}, '{}', {
      timeoutMs: 1000,
      allowPrivateNetworks: false,
    });
    expect(refused.error).toMatch(/private/);
    const literal = await post(`http://127.0.0.1:${port}/private`, {}, '{}', {
      timeoutMs: 1000,
      allowPrivateNetworks: false,
    });
    expect(literal.error).toMatch(/private/);
    expect(receiver.received.length).toBe(before);
  });

  it('posts a body change by each adapter makes (REST and tRPC writes alike)', async () => {
    const path = '/adapters';
    const { secret } = await register(path, ['contact.created']);
    const customer = await createCustomer(t.staff);
    const rest = await operations(t.url, t.staff.token).rest('contacts.create', contactBody(customer.id));
    const trpc = await operations(t.url, t.staff.token).trpc('contacts.create', contactBody(customer.id));
    const got = await receiver.waitFor(() => (at(path).length >= 2 ? at(path) : undefined));
    const ids = got.map((r) => ((verified(r, secret) as Event).data.object as { id: number }).id).sort();
    expect(ids).toEqual([rest.data.id, trpc.data.id].sort());
  });
});
