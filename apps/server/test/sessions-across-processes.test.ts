import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type Adapter, operations } from './support/adapters.js';
import { freshDatabase, type TestDatabase } from './support/database.js';
import { type ServerProcess, signIn, spawnServer } from './support/process.js';

// Two server processes on one database (TEST_DATABASE_URL, or one SQLite file): a role change or a deactivation
// made through one takes effect on the other at once with Redis (REDIS_URL), and within 5 seconds without it.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Two servers sharing a database, both with `env`. */
async function pair(env: Record<string, string>): Promise<[ServerProcess, ServerProcess]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-pair-'));
  const database: TestDatabase = await freshDatabase(dir);
  cleanup.push(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const first = await spawnServer({ ...env, DATABASE_URL: database.url });
  cleanup.push(() => first.dispose());
  const second = await spawnServer({ ...env, DATABASE_URL: database.url });
  cleanup.push(() => second.dispose());
  return [first, second];
}

let seq = 0;
/** A new admin made through `a`, signed in: its access token. */
async function newAdmin(a: ServerProcess): Promise<{ id: number; token: string }> {
  seq += 1;
  const admin = await signIn(a);
  const username = `other-admin-${seq}`;
  const made = await admin.post('/api/users/', {
    username,
    email: `${username}@example.com`,
    password: 'password-123',
    role: 'admin',
  });
  expect(made.status, made.text).toBe(201);
  const login = await admin.post('/api/auth/token/', { username, password: 'password-123' });
  return { id: made.body.data.id, token: login.body.data.access };
}

/** Milliseconds until `check` holds, polling every 50 ms (fails after `limit` ms). */
async function msUntil(check: () => Promise<boolean>, limit: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limit) throw new Error(`not within ${limit} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - started;
}

async function propagation(servers: [ServerProcess, ServerProcess], adapter: Adapter, limitMs: number) {
  const [a, b] = servers;
  const changer = await signIn(a);
  const demoted = await newAdmin(a);
  const onB = operations(b.url, demoted.token);
  // B has read the user's state: it is an admin there now.
  expect((await onB.call(adapter, 'users.list')).status).toBe(200);
  expect((await changer.patch(`/api/users/${demoted.id}/`, { role: 'viewer' })).status).toBe(200);
  const demotion = await msUntil(async () => (await onB.call(adapter, 'users.list')).status === 403, limitMs);

  const deactivated = await newAdmin(a);
  const other = operations(b.url, deactivated.token);
  expect((await other.call(adapter, 'contacts.stats')).status).toBe(200);
  expect((await changer.patch(`/api/users/${deactivated.id}/`, { is_active: false })).status).toBe(200);
  const deactivation = await msUntil(async () => (await other.call(adapter, 'contacts.stats')).status === 401, limitMs);
  return { demotion, deactivation };
}

describe('with Redis: at once on the other process', () => {
  it.each(ADAPTERS)(
    'through %s',
    async (adapter) => {
      const servers = await pair({ REDIS_URL, REDIS_KEY_PREFIX: `ccm-test-${randomUUID()}` });
      const { demotion, deactivation } = await propagation(servers, adapter, 2_000);
      // A message through Redis, not the 2-4 s of the state's lifetime.
      expect(demotion).toBeLessThan(1_000);
      expect(deactivation).toBeLessThan(1_000);
    },
    60_000,
  );
});

describe('without Redis: within 5 seconds on the other process', () => {
  it.each(ADAPTERS)(
    'through %s',
    async (adapter) => {
      const servers = await pair({});
      await propagation(servers, adapter, 5_000);
    },
    60_000,
  );
});
