import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usernameKey } from '../src/services/limits.js';
import { api } from './support/http.js';
import { type ServerProcess, spawnServer } from './support/process.js';
import { PASSWORDS, startTestServer, type TestServer } from './support/server.js';

// Two server processes on one Redis (REDIS_URL; a Redis server must be running, TEST_REDIS_URL picks it):
// this test's own server, and a second one started as a separate process. They count against the same
// budgets. Each run has a key prefix of its own, removed at the end.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `ccm-test-${randomUUID()}`;
const MAX_FAILURES = 3;
const WINDOW = 300;
const PER_MINUTE = 30;
const env = {
  REDIS_URL,
  REDIS_KEY_PREFIX: PREFIX,
  TRUST_PROXY: 'loopback',
  LOGIN_MAX_FAILURES: String(MAX_FAILURES),
  LOGIN_WINDOW_SECONDS: String(WINDOW),
  RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
};

let a: TestServer;
let b: ServerProcess;
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((err: Error) => {
    throw new Error(`these tests need Redis at ${REDIS_URL} (start redis-server): ${err.message}`);
  });
  [a, b] = await Promise.all([startTestServer(env), spawnServer(env)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.dispose()]);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const login = (url: string, username: string, password: string, address: string) =>
  api(url).post('/api/auth/token/', { username, password }, { headers: { 'x-forwarded-for': address } });

describe('limits shared through Redis', () => {
  it('blocks on one server a username that failed on the other, with Retry-After', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect((await login(a.url, 'admin', 'not the password', `203.0.113.${i + 1}`)).status).toBe(401);
    }
    // The count is in Redis, under the prefix, keyed by a digest of the username, expiring with the window.
    const key = `${PREFIX}:login-user:${usernameKey('admin')}`;
    expect(await redis.get(key)).toBe(String(MAX_FAILURES));
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW);

    const res = await login(b.url, 'admin', PASSWORDS.admin, '203.0.113.99');
    expect(res.status, res.text).toBe(429);
    expect(res.body.success).toBe(false);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
    expect(await redis.get(key)).toBe(String(MAX_FAILURES + 1));
  });

  it('shares one request budget per user between the servers', async () => {
    // The admin token from the first server is valid on the second (same JWT_SECRET, and an active admin with
    // that id in both databases); the budget is the user's.
    const onA = a.admin;
    const onB = api(b.url, a.admin.token);
    for (let i = 0; i < PER_MINUTE; i++) {
      const res = await (i % 2 === 0 ? onA : onB).get('/api/contacts/stats/');
      expect(res.status).toBe(200);
    }
    const sub = JSON.parse(Buffer.from(String(a.admin.token).split('.')[1] as string, 'base64url').toString()).sub;
    expect(await redis.get(`${PREFIX}:requests:user:${sub}`)).toBe(String(PER_MINUTE));
    for (const server of [onA, onB]) {
      const res = await server.get('/api/contacts/stats/');
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
  });
});

describe('when Redis cannot be reached', () => {
  it('starts anyway, says so, and counts in its own memory', async () => {
    const c = await spawnServer({ ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      expect(c.logs().some((l) => l.level === 50 && /Redis unreachable/.test(l.msg))).toBe(true);
      expect((await api(c.url).get('/api/health/')).status).toBe(200);
      const statuses = [];
      for (let i = 0; i <= MAX_FAILURES; i++) {
        statuses.push((await login(c.url, 'admin', 'not the password', '192.0.2.1')).status);
      }
      expect(statuses).toEqual([...Array(MAX_FAILURES).fill(401), 429]);
    } finally {
      await c.dispose();
    }
  }, 120_000);
});
