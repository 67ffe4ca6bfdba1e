/**
 * verifyWebhook: requests signed with the Standard Webhooks reference library (`Webhook#sign`, as the server
 * signs them) verify into the typed payload; every way a request can be wrong is refused with its code.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, type WebhookPayload, WebhookVerificationError } from '../src/index.js';

const secretOf = (bytes: Buffer) => `whsec_${bytes.toString('base64')}`;
const SECRET = secretOf(randomBytes(32));
const OTHER_SECRET = secretOf(randomBytes(32));

const customer = {
  id: 7,
  customer_id: 'CUST000007',
  username: 'johndoe',
  email: 'john@example.com',
  first_name: 'John',
  last_name: 'Doe',
  full_name: 'John Doe',
  nic: '123456789V',
  phone_number: null,
  address: null,
  is_verified: false,
  is_active: true,
  created_at: '2026-01-02T03:04:05.000Z',
  updated_at: '2026-01-02T03:04:05.000Z',
  version: 1,
};
const EVENT = {
  id: 'evt_0123456789abcdef0123456789abcdef',
  sequence: 42,
  type: 'customer.created',
  occurred_at: '2026-01-02T03:04:05.000Z',
  actor: { type: 'user', id: 1, username: 'admin' },
  request_id: 'req-1',
  subject: { type: 'customer', id: 7 },
  data: { object: customer },
};
const PING = { id: 'msg_1', type: 'ping', occurred_at: '2026-01-02T03:04:05.000Z', data: { webhook_id: 3 } };

/** The headers of a delivery of `body`, signed with `secret` at `at` (now by default), as the server sends them. */
function signed(body: string, options: { secret?: string; at?: Date; id?: string } = {}) {
  const id = options.id ?? EVENT.id;
  const at = options.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body),
  };
}

/** The code of the WebhookVerificationError a verification throws (fails the test when it does not throw one). */
function codeOf(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    expect(WebhookVerificationError.is(error), String(error)).toBe(true);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).code;
  }
  throw new Error('expected the verification to fail');
}

describe('verifyWebhook', () => {
  it('answers the typed event of a signed body, from a string or bytes, with Node or fetch headers', () => {
    const body = JSON.stringify(EVENT);
    const headers = signed(body);
    const event: WebhookPayload = verifyWebhook(SECRET, headers, body);
    expect(event).toEqual(EVENT);
    if (event.type === 'customer.created') expect(event.data.object.customer_id).toBe('CUST000007');
    else throw new Error(`narrowed to ${event.type}`);

    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyWebhook(SECRET, shouting, Buffer.from(body))).toEqual(EVENT);
    expect(verifyWebhook(SECRET, new Headers(headers), new TextEncoder().encode(body))).toEqual(EVENT);
  });

  it('answers a ping', () => {
    const body = JSON.stringify(PING);
    expect(verifyWebhook(SECRET, signed(body, { id: PING.id }), body)).toEqual(PING);
  });

  it('refuses a body changed after signing', () => {
    const body = JSON.stringify(EVENT);
    const tampered = body.replace('john@example.com', 'eve@example.com');
    expect(codeOf(() => verifyWebhook(SECRET, signed(body), tampered))).toBe('invalid_signature');
  });

  it('refuses a signature made with another secret', () => {
    const body = JSON.stringify(EVENT);
    expect(codeOf(() => verifyWebhook(SECRET, signed(body, { secret: OTHER_SECRET }), body))).toBe('invalid_signature');
  });

  it('refuses a timestamp 6 minutes old or 6 minutes ahead, and one that is not a number', () => {
    const body = JSON.stringify(EVENT);
    const old = signed(body, { at: new Date(Date.now() - 6 * 60_000) });
    const ahead = signed(body, { at: new Date(Date.now() + 6 * 60_000) });
    expect(codeOf(() => verifyWebhook(SECRET, old, body))).toBe('timestamp_too_old');
    expect(codeOf(() => verifyWebhook(SECRET, ahead, body))).toBe('timestamp_too_new');
    const garbled = { ...signed(body), 'webhook-timestamp': 'yesterday' };
    expect(codeOf(() => verifyWebhook(SECRET, garbled, body))).toBe('invalid_timestamp');
  });

  it('refuses a request without one of the three headers', () => {
    const body = JSON.stringify(EVENT);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const headers: Record<string, string | undefined> = { ...signed(body), [name]: undefined };
      expect(
        codeOf(() => verifyWebhook(SECRET, headers, body)),
        name,
      ).toBe('missing_headers');
      const fetchHeaders = new Headers(signed(body));
      fetchHeaders.delete(name);
      expect(
        codeOf(() => verifyWebhook(SECRET, fetchHeaders, body)),
        name,
      ).toBe('missing_headers');
    }
  });

  it('accepts a rotation: two signatures, only the second made with this secret', () => {
    const body = JSON.stringify(EVENT);
    const headers = signed(body);
    const old = signed(body, { secret: OTHER_SECRET })['webhook-signature'];
    const both = { ...headers, 'webhook-signature': `${old} ${headers['webhook-signature']}` };
    expect(verifyWebhook(SECRET, both, body)).toEqual(EVENT);
    const onlyOld = { ...headers, 'webhook-signature': old };
    expect(codeOf(() => verifyWebhook(SECRET, onlyOld, body))).toBe('invalid_signature');
  });

  it('refuses a signed body that is not a payload, and keeps its JSON', () => {
    const body = JSON.stringify({ ...EVENT, type: 'customer.exploded' });
    let caught: unknown;
    try {
      verifyWebhook(SECRET, signed(body), body);
    } catch (error) {
      caught = error;
    }
    expect(WebhookVerificationError.is(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'invalid_payload', payload: { type: 'customer.exploded' } });
    const notJson = 'not json';
    expect(codeOf(() => verifyWebhook(SECRET, signed(notJson), notJson))).toBe('invalid_payload');
  });

  it('refuses to work with a secret that is not a whsec_ secret', () => {
    const body = JSON.stringify(EVENT);
    expect(codeOf(() => verifyWebhook('whsec_', signed(body), body))).toBe('invalid_secret');
    expect(codeOf(() => verifyWebhook('whsec_!!!not base64', signed(body), body))).toBe('invalid_secret');
  });
});
