import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CcmApiError,
  type CcmClient,
  CcmError,
  CcmNetworkError,
  CcmTimeoutError,
  createClient,
  type Tokens,
} from '../src/index.js';
import { contactBody, customerBody, PASSWORDS, rejection, startTestServer, type TestServer } from './support.js';

/**
 * A small proxy on 127.0.0.1 in front of the real server. Each rule fails the next N requests of a method and path
 * with a status (503...), a dropped connection or no answer at all; everything else is forwarded.
 */
type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'drop' }
  | { kind: 'hang' }
  /** Forwarded, and the connection dropped once the server has answered: done, but the client never hears. */
  | { kind: 'lose-answer' };
interface Rule {
  method: string;
  path: string;
  times: number;
  fault: Fault;
}

let server: TestServer;
let proxy: http.Server;
let proxyUrl: string;
let rules: Rule[] = [];
let seen: string[] = [];
/** The Idempotency-Key of each request the proxy saw, by `METHOD /path`. */
let keys: { request: string; key: string | undefined }[] = [];
let tokens: Tokens;
const hanging = new Set<http.ServerResponse>();

const count = (method: string, path: string) => seen.filter((s) => s === `${method} ${path}`).length;
const keysOf = (method: string, path: string) =>
  keys.filter((k) => k.request === `${method} ${path}`).map((k) => k.key);
const failNext = (method: string, path: string, times: number, fault: Fault) =>
  rules.push({ method, path, times, fault });

beforeAll(async () => {
  server = await startTestServer();
  const target = new URL(server.url);
  proxy = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push(`${req.method} ${path}`);
    const key = req.headers['idempotency-key'];
    keys.push({ request: `${req.method} ${path}`, key: typeof key === 'string' ? key : undefined });
    const rule = rules.find((r) => r.method === req.method && r.path === path && r.times > 0);
    if (rule) {
      rule.times -= 1;
      const { fault } = rule;
      if (fault.kind === 'drop') return req.socket.destroy();
      if (fault.kind === 'hang') return void hanging.add(res);
      if (fault.kind === 'lose-answer') return forward(req, res, target, true);
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      return void res.end(fault.body ?? JSON.stringify({ success: false, message: 'Service unavailable (proxy).' }));
    }
    forward(req, res, target, false);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const login = createClient({ baseUrl: server.url });
  const pair = await login.login('admin', PASSWORDS.admin);
  tokens = { access: pair.access, refresh: pair.refresh };
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await server?.close();
});

beforeEach(() => {
  rules = [];
  seen = [];
  keys = [];
});

/** Sends the request on to the real server, and its answer back (or, `lose`, drops the connection instead). */
function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL, lose: boolean) {
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      if (lose) {
        answer.resume();
        answer.on('end', () => res.socket?.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** A client through the proxy, with short backoff delays so that the tests stay quick. */
const through = (options: Partial<Parameters<typeof createClient>[0]> = {}): CcmClient =>
  createClient({ baseUrl: proxyUrl, tokens, retry: { minDelayMs: 20, maxDelayMs: 200 }, ...options });

describe('retries', () => {
  it('a GET answered 503 once is retried and succeeds', async () => {
    failNext('GET', '/api/contacts/stats/', 1, { kind: 'status', status: 503 });
    const stats = await through().contacts.stats();
    expect(stats.total_contacts).toBeGreaterThanOrEqual(0);
    expect(count('GET', '/api/contacts/stats/')).toBe(2);
  });

  it('502 and 504 are retried too, with the same request id', async () => {
    failNext('GET', '/api/customers/', 1, { kind: 'status', status: 502, body: '<html>Bad gateway</html>' });
    failNext('GET', '/api/customers/', 1, { kind: 'status', status: 504 });
    const ids: string[] = [];
    const ccm = through({
      fetch: (input, init) => {
        ids.push((init.headers as Record<string, string>)['x-request-id'] ?? '');
        return fetch(input, init);
      },
    });
    await ccm.customers.list();
    expect(count('GET', '/api/customers/')).toBe(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('a dropped connection on a GET is retried', async () => {
    failNext('GET', '/api/auth/me/', 1, { kind: 'drop' });
    expect(await through().auth.me()).toMatchObject({ username: 'admin' });
    expect(count('GET', '/api/auth/me/')).toBe(2);
  });

  it('PUT and DELETE are retried (idempotent)', async () => {
    const direct = createClient({ baseUrl: server.url, tokens });
    const customer = await direct.customers.create({ body: customerBody() });
    const path = `/api/customers/${customer.id}/`;
    failNext('PUT', path, 1, { kind: 'status', status: 503 });
    failNext('DELETE', path, 1, { kind: 'status', status: 503 });
    const ccm = through();
    await ccm.customers.update({ params: { id: customer.id }, body: { ...customerBody(), first_name: 'Put' } });
    await ccm.customers.delete({ params: { id: customer.id } });
    expect(count('PUT', path)).toBe(2);
    expect(count('DELETE', path)).toBe(2);
  });

  it('a POST is retried with its idempotency key: 503 and a dropped connection, one contact created', async () => {
    const direct = createClient({ baseUrl: server.url, tokens });
    const customer = await direct.customers.create({ body: customerBody() });
    failNext('POST', '/api/contacts/', 1, { kind: 'status', status: 503 });
    failNext('POST', '/api/contacts/', 1, { kind: 'drop' });
    const created = await through().contacts.create({ body: contactBody(customer.id) });
    expect(count('POST', '/api/contacts/')).toBe(3);
    expect(new Set(keysOf('POST', '/api/contacts/')).size).toBe(1);
    const page = await direct.contacts.list({ query: { customer_id: customer.id } });
    expect(page.results.map((c) => c.id)).toEqual([created.id]);
  });

  it('a POST whose answer was lost after the server made the contact: the retry gets that contact, no second one', async () => {
    const direct = createClient({ baseUrl: server.url, tokens });
    const customer = await direct.customers.create({ body: customerBody() });
    failNext('POST', '/api/contacts/', 1, { kind: 'lose-answer' });
    const created = await through().contacts.create({ body: contactBody(customer.id) });
    expect(count('POST', '/api/contacts/')).toBe(2);
    const page = await direct.contacts.list({ query: { customer_id: customer.id } });
    expect(page.results.map((c) => c.id)).toEqual([created.id]);
  });

  it('a POST without a key (login) is not repeated after a 503 or a dropped connection', async () => {
    failNext('POST', '/api/auth/token/', 1, { kind: 'status', status: 503 });
    const anonymous = createClient({ baseUrl: proxyUrl, retry: { minDelayMs: 20 } });
    await expect(anonymous.login('admin', PASSWORDS.admin)).rejects.toMatchObject({ status: 503 });
    failNext('POST', '/api/auth/token/', 1, { kind: 'drop' });
    const dropped = await rejection(anonymous.login('admin', PASSWORDS.admin));
    expect(dropped).toBeInstanceOf(CcmNetworkError);
    expect((dropped as CcmNetworkError).kind).toBe('network');
    expect((dropped as CcmNetworkError).operation).toBe('auth.login');
    expect(count('POST', '/api/auth/token/')).toBe(2);
    expect(keysOf('POST', '/api/auth/token/')).toEqual([undefined, undefined]);
  });

  it('PATCH is retried too, with its key', async () => {
    const direct = createClient({ baseUrl: server.url, tokens });
    const customer = await direct.customers.create({ body: customerBody() });
    const path = `/api/customers/${customer.id}/`;
    failNext('PATCH', path, 1, { kind: 'status', status: 503 });
    const patched = await through().customers.patch({ params: { id: customer.id }, body: { is_verified: true } });
    expect(patched.is_verified).toBe(true);
    expect(count('PATCH', path)).toBe(2);
    expect(new Set(keysOf('PATCH', path)).size).toBe(1);
  });

  it('gives up after the configured retries with the last error; `retries: 0` per call disables them', async () => {
    failNext('GET', '/api/contacts/', 10, { kind: 'status', status: 503 });
    const error = await rejection(through({ retry: { retries: 3, minDelayMs: 10 } }).contacts.list());
    expect((error as CcmApiError).status).toBe(503);
    expect(count('GET', '/api/contacts/')).toBe(4);

    seen = [];
    await expect(through().contacts.list({ retries: 0 })).rejects.toMatchObject({ status: 503 });
    expect(count('GET', '/api/contacts/')).toBe(1);
    await expect(through({ retry: false }).contacts.list()).rejects.toMatchObject({ status: 503 });
    expect(count('GET', '/api/contacts/')).toBe(2);
  });

  it('honours Retry-After to the second', async () => {
    failNext('GET', '/api/health/', 1, { kind: 'status', status: 503, headers: { 'retry-after': '1' } });
    const again = performance.now();
    await through({ retry: { minDelayMs: 1, maxDelayMs: 2 } }).health.health();
    expect(performance.now() - again).toBeGreaterThanOrEqual(1000);
    expect(count('GET', '/api/health/')).toBe(2);
  });

  it('a non-JSON error page becomes a CcmApiError with the status as message', async () => {
    failNext('GET', '/api/contacts/stats/', 5, {
      kind: 'status',
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>upstream down</html>',
    });
    const error = (await rejection(through({ retry: false }).contacts.stats())) as CcmApiError;
    expect(error.status).toBe(502);
    expect(error.message).toBe('HTTP 502 Bad Gateway');
    expect(error.body).toBe('<html>upstream down</html>');
  });
});

describe('time limits', () => {
  it('a call that gets no answer fails with CcmTimeoutError after timeoutMs', async () => {
    failNext('GET', '/api/contacts/', 1, { kind: 'hang' });
    const started = Date.now();
    const error = await rejection(through().contacts.list({ timeoutMs: 300 }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(CcmTimeoutError);
    expect(CcmError.is(error) && error.kind).toBe('timeout');
    expect((error as CcmTimeoutError).timeoutMs).toBe(300);
    expect((error as CcmTimeoutError).url).toBe(`${proxyUrl}/api/contacts/`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
  });

  it("the client's timeoutMs applies to every call, retries included", async () => {
    failNext('GET', '/api/customers/', 100, { kind: 'status', status: 503 });
    const started = Date.now();
    const error = await rejection(
      through({ timeoutMs: 400, retry: { retries: 100, minDelayMs: 50, maxDelayMs: 100 } }).customers.list(),
    );
    expect(error).toBeInstanceOf(CcmTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("the caller's AbortSignal cancels a call (rejecting with its reason)", async () => {
    failNext('GET', '/api/contacts/', 1, { kind: 'hang' });
    const controller = new AbortController();
    const call = through().contacts.list({ signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await rejection(call);
    expect((error as Error).name).toBe('AbortError');
    expect(CcmError.is(error)).toBe(false);
  });

  it('an unreachable server is a CcmNetworkError (after the retries of a GET)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(
      createClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { retries: 1, minDelayMs: 10 } }).health.health(),
    );
    expect(error).toBeInstanceOf(CcmNetworkError);
    expect((error as CcmNetworkError).message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/health\/ failed/);
  });
});
