import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, rawConnection, type TestDatabase } from './support/database.js';
import { contactBody, customerBody } from './support/factories.js';
import type { Api } from './support/http.js';
import { type ServerProcess, signIn, spawnServer } from './support/process.js';
import { type Receiver, startReceiver } from './support/receiver.js';

// Webhook deliveries across processes, on every database (TEST_DATABASE_URL): a server SIGKILLed in the middle of
// 1,000 deliveries loses none of them once a server runs again (its claims run out and are sent again), and two
// servers on one database share the deliveries without ever sending one twice.

const EVENTS = 1000;
const env = (database: TestDatabase) => ({
  DATABASE_URL: database.url,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // A short timeout: a claim lasts the timeout and 5 s more.
  WEBHOOK_TIMEOUT_MS: '1000',
  LOG_LEVEL: 'warn',
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(name: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ccm-${name}-`));
  const database = await freshDatabase(dataDir);
  const receiver = await startReceiver(() => ({ status: 200, delayMs: 2 }));
  cleanup.push(async () => {
    await receiver.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { database, receiver };
}

async function spawn(database: TestDatabase): Promise<ServerProcess> {
  const p = await spawnServer(env(database));
  cleanup.push(() => p.dispose());
  return p;
}

/** A webhook for contact.created, then 1,000 contacts made in four bulk requests; answers the webhook's secret. */
async function registerAndCreate(admin: Api, receiver: Receiver): Promise<string> {
  const hook = await admin.post('/api/webhooks/', { url: receiver.url(), events: ['contact.created'] });
  expect(hook.status, hook.text).toBe(201);
  for (let i = 0; i < 4; i++) {
    const customer = await admin.post('/api/customers/', customerBody());
    const contacts = Array.from({ length: EVENTS / 4 }, () => contactBody(customer.body.data.id));
    const res = await admin.post('/api/contacts/bulk-create/', { contacts });
    expect(res.status, res.text).toBe(201);
  }
  return hook.body.data.secret;
}

/** The ids of the contact.created events the database holds. */
async function eventIds(databaseUrl: string): Promise<string[]> {
  const raw = rawConnection(databaseUrl);
  try {
    const rows = (await raw.query("SELECT event_id FROM events WHERE type = 'contact.created'", {
      type: QueryTypes.SELECT,
    })) as { event_id: string }[];
    return rows.map((r) => r.event_id);
  } finally {
    await raw.close();
  }
}

const distinctIds = (receiver: Receiver) => new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));

describe('webhook deliveries across processes', () => {
  it('SIGKILL during 1,000 deliveries: after a restart every event has reached the endpoint', async () => {
    const { database, receiver } = await setUp('hook-crash');
    const first = await spawn(database);
    const secret = await registerAndCreate(await signIn(first), receiver);
    await receiver.waitFor((r) => (r.length >= 150 ? true : undefined), 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = distinctIds(receiver).size;
    expect(before).toBeLessThan(EVENTS);

    await spawn(database);
    const expected = await eventIds(database.url);
    expect(expected).toHaveLength(EVENTS);
    await receiver.waitFor(() => (distinctIds(receiver).size >= EVENTS ? true : undefined), 90_000);
    expect([...distinctIds(receiver)].sort()).toEqual([...expected].sort());
    const sample = receiver.received.at(-1)!;
    expect(() => new Webhook(secret).verify(sample.body, sample.headers as Record<string, string>)).not.toThrow();
  }, 180_000);

  it('two servers on one database share 1,000 deliveries and send each exactly once', async () => {
    const { database, receiver } = await setUp('hook-pair');
    const first = await spawn(database);
    await spawn(database);
    await registerAndCreate(await signIn(first), receiver);
    await receiver.waitFor(() => (distinctIds(receiver).size >= EVENTS ? true : undefined), 90_000);
    // Past any claim's lease (6 s): nothing more comes.
    await new Promise((r) => setTimeout(r, 7000));
    expect(receiver.received).toHaveLength(EVENTS);
    expect(distinctIds(receiver).size).toBe(EVENTS);
  }, 180_000);
});
