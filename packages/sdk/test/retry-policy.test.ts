/**
 * The retry policy against a scripted server (test/scripted.ts): which calls are repeated, how long the client
 * waits (Retry-After, full-jitter backoff), that every attempt is bounded, and the idempotency keys it sends.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CcmApiError, type CcmClient, CcmNetworkError, type ClientOptions, createClient } from '../src/index.js';
import { backoff, DEFAULT_RETRY } from '../src/retry.js';
import { fail, ok, type ScriptedServer, startScriptedServer } from './scripted.js';
import { rejection } from './support.js';

let server: ScriptedServer;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const contact = { id: 7, email: 'a@example.com', version: 1 };
const body = { customer: 1, email: 'a@example.com', wa_number: '0771234567', tp_number: '0112345678' };

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  server.reset();
  vi.restoreAllMocks();
});

/** A signed-in client of the scripted server (its token is not a JWT, so it is never renewed before use). */
const client = (options: Partial<ClientOptions> = {}): CcmClient =>
  createClient({ baseUrl: server.url, tokens: { access: 'access', refresh: 'refresh' }, ...options });
const keys = () => server.requests.map((r) => r.headers['idempotency-key']);

describe('Retry-After', () => {
  it('429 with Retry-After: 1, then 201: the call succeeds after at least 1 s, with one key on both attempts', async () => {
    server.script(fail(429, { 'retry-after': '1' }), ok(contact, 201));
    const started = performance.now();
    const created = await client().contacts.create({ body });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(created.id).toBe(7);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/contacts/', 'POST /api/contacts/']);
    expect(keys()[0]).toMatch(UUID);
    expect(keys()[1]).toBe(keys()[0]);
  });

  it('Retry-After: 0 does not spin: 1 + retries attempts, even without a time budget', async () => {
    server.script(...Array.from({ length: 10 }, () => fail(503, { 'retry-after': '0' })));
    const error = await rejection(client({ timeoutMs: 0, retry: { retries: 3 } }).contacts.stats());
    expect((error as CcmApiError).status).toBe(503);
    expect((error as CcmApiError).retryAfter).toBe(0);
    expect(server.requests).toHaveLength(4);

    server.reset();
    server.script(...Array.from({ length: 10 }, () => fail(503, { 'retry-after': '0' })));
    await expect(client({ timeoutMs: 0 }).contacts.stats()).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1 + DEFAULT_RETRY.retries);
  });

  it('a Retry-After longer than maxRetryAfterMs fails at once, the error saying when to come back', async () => {
    server.script(fail(503, { 'retry-after': '120' }));
    const started = performance.now();
    const error = (await rejection(client().contacts.stats())) as CcmApiError;
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(CcmApiError);
    expect(error.retryAfter).toBe(120);
    expect(server.requests).toHaveLength(1);

    // The limit is the client's to choose.
    server.script(fail(429, { 'retry-after': '2' }));
    const limited = (await rejection(client({ retry: { maxRetryAfterMs: 1500 } }).contacts.stats())) as CcmApiError;
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it('a Retry-After beyond the time left to the call fails at once, not with a timeout', async () => {
    server.script(fail(503, { 'retry-after': '5' }));
    const started = performance.now();
    const error = await rejection(client({ timeoutMs: 2000 }).contacts.stats());
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toMatchObject({ kind: 'api', status: 503, retryAfter: 5 });
  });

  it('an HTTP date is honoured too', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    server.script(fail(503, { 'retry-after': inTwoSeconds }), ok({ total_contacts: 1 }));
    const started = performance.now();
    await client().contacts.stats();
    // The date has whole seconds: between 1 and 2 s from now.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests).toHaveLength(2);
  });

  it('the raw client gives the answer the server asked to wait long for, without throwing', async () => {
    server.script(fail(429, { 'retry-after': '3600' }));
    const res = await client().raw.contacts.stats();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3600');
  });
});

describe('what is retried', () => {
  it('a POST gets a key and is retried with it after a 503 and a dropped connection', async () => {
    server.script(fail(503), { drop: true }, ok(contact, 201));
    const created = await client({ retry: { minDelayMs: 5 } }).contacts.create({ body });
    expect(created.id).toBe(7);
    expect(server.requests).toHaveLength(3);
    expect(new Set(keys()).size).toBe(1);
    expect(keys()[0]).toMatch(UUID);
  });

  it('PUT, PATCH and DELETE carry a key too (PATCH is retried with it); GET carries none', async () => {
    const ccm = client({ retry: { minDelayMs: 5 } });
    server.script(fail(502), ok(contact));
    await ccm.contacts.patch({ params: { id: 7 }, body: { email: 'b@example.com' } });
    server.script(ok(contact));
    await ccm.contacts.update({ params: { id: 7 }, body });
    server.script({ status: 204 });
    await ccm.contacts.delete({ params: { id: 7 } });
    await ccm.contacts.stats();
    expect(server.requests.map((r) => r.method)).toEqual(['PATCH', 'PATCH', 'PUT', 'DELETE', 'GET']);
    const [first, retried, put, remove, get] = keys();
    expect(first).toMatch(UUID);
    expect(retried).toBe(first);
    expect(new Set([first, put, remove]).size).toBe(3);
    expect(get).toBeUndefined();
  });

  it("the caller's key: the idempotencyKey option, an Idempotency-Key header winning over it", async () => {
    const ccm = client();
    server.script(ok(contact, 201), ok(contact, 201));
    await ccm.contacts.create({ body, idempotencyKey: 'order-42' });
    await ccm.contacts.create({ body, idempotencyKey: 'ignored', headers: { 'Idempotency-Key': 'header-7' } });
    expect(keys()).toEqual(['order-42', 'header-7']);

    // A call that failed for good says which key it had, to try again later without doing it twice.
    server.script(fail(503), fail(503), fail(503));
    const error = (await rejection(ccm.contacts.create({ body, retries: 2 }))) as CcmApiError;
    expect(error.idempotencyKey).toMatch(UUID);
    expect(keys().slice(2)).toEqual([error.idempotencyKey, error.idempotencyKey, error.idempotencyKey]);
  });

  it('a keyed call told 409 with Retry-After (its first attempt still runs) comes back; a bare 409 is final', async () => {
    server.script(fail(409, { 'retry-after': '0' }), ok(contact, 201));
    await client().contacts.create({ body });
    expect(server.requests).toHaveLength(2);
    expect(keys()[1]).toBe(keys()[0]);

    server.reset();
    server.script(fail(409));
    await expect(client().contacts.create({ body })).rejects.toMatchObject({ status: 409 });
    expect(server.requests).toHaveLength(1);
  });

  it('login has no key and is not repeated after a 503 or a dropped connection, only after a 429', async () => {
    const anonymous = createClient({ baseUrl: server.url, retry: { minDelayMs: 5 } });
    server.script(fail(503), ok({}));
    await expect(anonymous.login('admin', 'secret')).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    expect(keys()).toEqual([undefined]);

    server.reset();
    server.script({ drop: true }, ok({}));
    expect(await rejection(anonymous.login('admin', 'secret'))).toBeInstanceOf(CcmNetworkError);
    expect(server.requests).toHaveLength(1);

    server.reset();
    const pair = { access: 'a2', refresh: 'r2', token_type: 'Bearer', expires_in: 300, user: { username: 'admin' } };
    server.script(fail(429, { 'retry-after': '0' }), ok(pair));
    expect((await anonymous.login('admin', 'secret')).access).toBe('a2');
    expect(server.requests).toHaveLength(2);
    expect(keys()).toEqual([undefined, undefined]);
  });

  it('refresh and logout are not repeated after a 503 either', async () => {
    const ccm = client({ retry: { minDelayMs: 5 } });
    server.script(fail(503), fail(503));
    await expect(ccm.refresh()).rejects.toMatchObject({ status: 503, operation: 'auth.refresh' });
    await expect(ccm.logout()).rejects.toMatchObject({ status: 503, operation: 'auth.logout' });
    expect(server.requests.map((r) => r.path)).toEqual(['/api/auth/token/refresh/', '/api/auth/logout/']);
    expect(keys()).toEqual([undefined, undefined]);
  });
});

describe('ccm.fetch', () => {
  it("sends a request of the caller's through the client: token, retries, key; every status resolves", async () => {
    const ccm = client({ retry: { minDelayMs: 5 } });
    server.script(fail(503), ok({ total_contacts: 2 }), fail(404));
    const res = await ccm.fetch('/api/contacts/stats/');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: { total_contacts: 2 } });
    const missing = await ccm.fetch(`${server.url}/api/contacts/1/`, { method: 'DELETE', ifMatch: 4 });
    expect(missing.status).toBe(404);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/contacts/stats/',
      'GET /api/contacts/stats/',
      'DELETE /api/contacts/1/',
    ]);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer access')).toBe(true);
    expect(server.requests[2]?.headers['if-match']).toBe('"4"');
    expect(keys()[2]).toMatch(UUID);
  });
});

describe('backoff', () => {
  it('full jitter: every wait in [0, min(maxDelayMs, minDelayMs · 2^attempt)], spread over all of it', () => {
    const retry = { ...DEFAULT_RETRY, minDelayMs: 100, maxDelayMs: 500 };
    const waits = Array.from({ length: 2000 }, () => backoff(retry, 3));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(500);
    // Full jitter reaches down to 0 (equal jitter would never go under half the step).
    expect(waits.filter((w) => w < 50).length).toBeGreaterThan(100);
    expect(waits.filter((w) => w > 450).length).toBeGreaterThan(100);
    const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
    expect(mean).toBeGreaterThan(220);
    expect(mean).toBeLessThan(280);

    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(backoff(retry, 0)).toBeCloseTo(100, 2);
    expect(backoff(retry, 1)).toBeCloseTo(200, 2);
    expect(backoff(retry, 10)).toBeCloseTo(500, 2);
  });

  it('the waits between attempts follow it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    server.script(fail(503), fail(503), ok({ total_contacts: 1 }));
    await client({ retry: { minDelayMs: 100, maxDelayMs: 1000 } }).contacts.stats();
    const [a, b, c] = server.requests.map((r) => r.at);
    // About 100 ms, then about 200 ms.
    expect((b as number) - (a as number)).toBeGreaterThanOrEqual(95);
    expect((c as number) - (b as number)).toBeGreaterThanOrEqual(195);
    expect((c as number) - (a as number)).toBeLessThan(1000);
  });
});
