import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../src/services/outbound.js';
import { ADAPTERS, operations } from './support/adapters.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Webhook endpoints (docs/api.md, "Webhooks"), on every database and through both adapters: admin only; the signing
// secret is answered once (on creation, on rotation) and a rotation keeps the old one for 24 hours; URLs that lead to
// the server's own network are refused (the fixture's server does not allow private networks).

let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

/** A public address literal (TEST-NET-1, RFC 5737: routed nowhere): accepted without a lookup. */
const PUBLIC_URL = 'https://192.0.2.10/hooks/ccm';

describe.each(ADAPTERS)('through %s', (adapter) => {
  const admin = () => operations(t.url, t.admin.token).call.bind(null, adapter);
  const created = adapter === 'rest' ? 201 : 200;

  it('create answers the secret once; get and list never show it; PATCH rotates it, keeping the old one a day', async () => {
    const call = admin();
    const made = await call('webhooks.create', { url: PUBLIC_URL, events: ['contact.created', 'customer.created'] });
    expect(made.status, JSON.stringify(made.body)).toBe(created);
    expect(made.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(made.data).toMatchObject({ url: PUBLIC_URL, is_active: true, disabled_reason: null, description: '' });
    const got = await call('webhooks.get', { id: made.data.id });
    expect(got.data).not.toHaveProperty('secret');
    const listed = await call('webhooks.list', {});
    expect(listed.data.results.find((w: { id: number }) => w.id === made.data.id)).not.toHaveProperty('secret');

    const patched = await call('webhooks.update', { id: made.data.id, events: ['*'], description: 'CRM sync' });
    expect(patched.data).toMatchObject({ events: ['*'], description: 'CRM sync' });
    expect(patched.data).not.toHaveProperty('secret');
    const rotated = await call('webhooks.update', { id: made.data.id, rotate_secret: true });
    expect(rotated.data.secret).toMatch(/^whsec_/);
    expect(rotated.data.secret).not.toBe(made.data.secret);
    const [row] = (await raw.query('SELECT secret, previous_secret, previous_secret_until FROM webhooks WHERE id = ?', {
      replacements: [made.data.id],
      type: QueryTypes.SELECT,
    })) as { secret: string; previous_secret: string; previous_secret_until: string | Date }[];
    expect(row).toMatchObject({ secret: rotated.data.secret, previous_secret: made.data.secret });
    const overlap = new Date(row!.previous_secret_until).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);

    expect((await call('webhooks.delete', { id: made.data.id })).status).toBeLessThan(300);
    expect((await call('webhooks.get', { id: made.data.id })).status).toBe(404);
  });

  it('refuses URLs of the server network, other schemes and unknown event types, with a 400 on the field', async () => {
    const call = admin();
    for (const url of [
      'http://127.0.0.1:8000/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:192.168.0.1]/hook',
      'ftp://93.184.215.14/hook',
      'not a url',
    ]) {
      const res = await call('webhooks.create', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.errors, url).toHaveProperty('url');
    }
    const bad = await call('webhooks.create', { url: PUBLIC_URL, events: ['contact.nope'] });
    expect(bad.status).toBe(400);
    expect((await call('webhooks.create', { url: PUBLIC_URL, events: [] })).status).toBe(400);
  });

  it('creating a webhook ignores Idempotency-Key: its answer holds the secret, which is never stored', async () => {
    const call = admin();
    const headers = { 'idempotency-key': `webhook-${adapter}-${Date.now()}` };
    const first = await call('webhooks.create', { url: PUBLIC_URL, events: ['*'] }, headers);
    const second = await call('webhooks.create', { url: PUBLIC_URL, events: ['*'] }, headers);
    expect([first.status, second.status]).toEqual([created, created]);
    expect(second.data.id).not.toBe(first.data.id);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const stored = (await raw.query('SELECT answer FROM idempotency_keys', { type: QueryTypes.SELECT })) as {
      answer: string | null;
    }[];
    expect(stored.some((r) => r.answer?.includes(first.data.secret))).toBe(false);
  });

  it('is for admins only', async () => {
    const staff = operations(t.url, t.staff.token).call.bind(null, adapter);
    expect((await staff('webhooks.list', {})).status).toBe(403);
    expect((await staff('webhooks.create', { url: PUBLIC_URL, events: ['*'] })).status).toBe(403);
  });
});

describe('private addresses', () => {
  it('are recognised in every form', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});
