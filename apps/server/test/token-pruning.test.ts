import { Writable } from 'node:stream';
import { QueryTypes, type Sequelize } from 'sequelize';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { rawConnection, sqlNow } from './support/database.js';
import { customerBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// Refresh tokens that can no longer be used (expired, revoked) are removed on a schedule, a bounded batch per
// run; used ones are kept until they expire, since presenting one again is how a stolen token shows. Expired
// Idempotency-Keys go the same way, and events past EVENTS_RETENTION_DAYS. On every database (TEST_DATABASE_URL).

const BATCH = 3;
// biome-ignore lint/suspicious/noExplicitAny: log lines are arbitrary JSON.
const lines: any[] = [];
const sink = new Writable({
  write(chunk, _encoding, callback) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    callback();
  },
});

let t: TestServer;
let raw: Sequelize;
beforeAll(async () => {
  t = await startTestServer(
    { MAINTENANCE_INTERVAL_SECONDS: '1', MAINTENANCE_BATCH_SIZE: String(BATCH), EVENTS_RETENTION_DAYS: '30' },
    { logger: createLogger('info', sink) },
  );
  raw = rawConnection(t.databaseUrl);
});
afterAll(async () => {
  await raw.close();
  await t.close();
});

const count = async (where: string) =>
  Number(
    (
      (await raw.query(`SELECT COUNT(*) AS n FROM refresh_tokens WHERE ${where}`, { type: QueryTypes.SELECT })) as {
        n: unknown;
      }[]
    )[0]?.n,
  );
const prunable = () => count(`expires_at < '${sqlNow()}' OR revoked_at IS NOT NULL`);
/** The maintenance runs of a task logged so far. */
const runsOf = (task: string) => lines.filter((l) => l.msg === 'maintenance' && l.task === task);
const removedBy = (task: string) => runsOf(task).reduce((sum, r) => sum + r.removed, 0);

async function login(username: string, password: string) {
  const res = await t.anon.post('/api/auth/token/', { username, password });
  expect(res.status, res.text).toBe(200);
  return res.body.data as { refresh: string; user: { id: number } };
}

it('removes expired and revoked refresh tokens, at most a batch per run, and keeps the rest', async () => {
  const made = [];
  for (const name of ['revoked', 'expired', 'kept']) {
    const res = await t.admin.post('/api/users/', {
      username: `prune-${name}`,
      email: `prune-${name}@example.com`,
      password: 'prune-password-1',
      role: 'staff',
    });
    expect(res.status).toBe(201);
    made.push(res.body.data.id as number);
  }
  const [revokedUser, expiredUser] = made;
  for (let i = 0; i < 4; i++) await login('prune-revoked', 'prune-password-1');
  expect((await t.admin.post(`/api/users/${revokedUser}/revoke-sessions/`)).status).toBe(200);
  for (let i = 0; i < 3; i++) await login('prune-expired', 'prune-password-1');
  await raw.query(`UPDATE refresh_tokens SET expires_at = '2001-01-01 00:00:00' WHERE user_id = ${expiredUser}`);
  const kept = await login('prune-kept', 'prune-password-1');
  const used = await login('prune-kept', 'prune-password-1');
  expect((await t.anon.post('/api/auth/logout/', { refresh: used.refresh })).status).toBe(200);

  // A run may already have begun: what it removed counts with what is left.
  const removedBefore = removedBy('refresh-tokens');
  const before = (await count('1 = 1')) + removedBefore;
  expect((await prunable()) + removedBefore).toBe(7);
  for (let i = 0; i < 100 && (await prunable()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await prunable()).toBe(0);
  expect(await count('1 = 1')).toBe(before - 7);

  const runs = runsOf('refresh-tokens');
  expect(runs.length).toBeGreaterThanOrEqual(Math.ceil(7 / BATCH));
  for (const run of runs) expect(run.removed).toBeLessThanOrEqual(BATCH);
  expect(removedBy('refresh-tokens')).toBe(7);

  // What was kept still works as before: the unused token refreshes; the used one is reuse (401).
  expect((await t.anon.post('/api/auth/token/refresh/', { refresh: kept.refresh })).status).toBe(200);
  expect((await t.anon.post('/api/auth/token/refresh/', { refresh: used.refresh })).status).toBe(401);
});

it('removes expired Idempotency-Keys, at most a batch per run; the key is then free for a new request', async () => {
  const keyCount = async () =>
    Number(
      (
        (await raw.query('SELECT COUNT(*) AS n FROM idempotency_keys', { type: QueryTypes.SELECT })) as { n: unknown }[]
      )[0]?.n,
    );
  for (let i = 0; i < 5; i++) {
    const res = await t.staff.post('/api/customers/', customerBody(), { headers: { 'idempotency-key': `prune-${i}` } });
    expect(res.status).toBe(201);
  }
  const fresh = await t.staff.post('/api/customers/', customerBody(), { headers: { 'idempotency-key': 'fresh' } });
  expect(fresh.status).toBe(201);
  await raw.query("UPDATE idempotency_keys SET expires_at = '2001-01-01 00:00:00' WHERE idem_key LIKE 'prune-%'");
  for (let i = 0; i < 100 && (await keyCount()) > 1; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await keyCount()).toBe(1);
  const runs = runsOf('idempotency-keys');
  expect(runs.length).toBeGreaterThanOrEqual(Math.ceil(5 / BATCH));
  for (const run of runs) expect(run.removed).toBeLessThanOrEqual(BATCH);
  expect(removedBy('idempotency-keys')).toBe(5);
  const reused = await t.staff.post('/api/customers/', customerBody(), { headers: { 'idempotency-key': 'prune-0' } });
  expect(reused.status).toBe(201);
  expect(reused.headers.get('idempotent-replayed')).toBeNull();
  const other = await t.staff.post('/api/customers/', customerBody(), { headers: { 'idempotency-key': 'fresh' } });
  expect(other.status).toBe(422);
});

it('removes events past EVENTS_RETENTION_DAYS, at most a batch per run, and keeps the newer ones', async () => {
  const eventCount = async (where: string) =>
    Number(
      (
        (await raw.query(`SELECT COUNT(*) AS n FROM events WHERE ${where}`, { type: QueryTypes.SELECT })) as {
          n: unknown;
        }[]
      )[0]?.n,
    );
  const old = [];
  for (let i = 0; i < 5; i++) old.push((await t.staff.post('/api/customers/', customerBody())).body.data.id);
  const kept = (await t.staff.post('/api/customers/', customerBody())).body.data.id;
  // Numbered (a read numbers them), then dated 2001.
  expect((await t.staff.get('/api/events/?page_size=1000')).status).toBe(200);
  await raw.query(
    `UPDATE events SET occurred_at = '2001-01-01 00:00:00' WHERE subject_type = 'customer' AND subject_id IN (${old.join(', ')})`,
  );
  for (let i = 0; i < 100 && (await eventCount("occurred_at < '2002-01-01'")) > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await eventCount("occurred_at < '2002-01-01'")).toBe(0);
  const runs = runsOf('events');
  for (const run of runs) expect(run.removed).toBeLessThanOrEqual(BATCH);
  expect(removedBy('events')).toBe(5);
  expect(await eventCount(`subject_type = 'customer' AND subject_id = ${kept}`)).toBe(1);
});

it('keeps a past-retention event while a delivery of it is pending, and prunes it once the delivery is gone', async () => {
  const eventsOf = async (id: number) =>
    (await raw.query(`SELECT id FROM events WHERE subject_type = 'customer' AND subject_id = ${id}`, {
      type: QueryTypes.SELECT,
    })) as unknown[];
  // TEST-NET-1 (RFC 5737): routed nowhere; the delivery stays pending whether or not an attempt is under way.
  const hook = await t.admin.post('/api/webhooks/', { url: 'https://192.0.2.10/hook', events: ['customer.created'] });
  expect(hook.status, hook.text).toBe(201);
  const id = (await t.staff.post('/api/customers/', customerBody())).body.data.id;
  // Numbered, which makes its delivery; then the webhook is switched off so that it stays pending.
  expect((await t.staff.get('/api/events/?page_size=1000')).status).toBe(200);
  expect((await t.admin.patch(`/api/webhooks/${hook.body.data.id}/`, { is_active: false })).status).toBe(200);
  await raw.query(
    `UPDATE events SET occurred_at = '2001-01-01 00:00:00' WHERE subject_type = 'customer' AND subject_id = ${id}`,
  );
  // Two maintenance runs at least (MAINTENANCE_INTERVAL_SECONDS=1).
  await new Promise((r) => setTimeout(r, 2500));
  expect(await eventsOf(id)).toHaveLength(1);

  // Deleting the webhook deletes its deliveries: nothing needs the event any more.
  expect((await t.admin.delete(`/api/webhooks/${hook.body.data.id}/`)).status).toBe(204);
  for (let i = 0; i < 100 && (await eventsOf(id)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await eventsOf(id)).toHaveLength(0);
});
