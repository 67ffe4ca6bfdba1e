import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../src/http/routeTable.js';
import { createLogger } from '../src/logger.js';
import { createContact, createCustomer } from './support/factories.js';
import { PASSWORDS, startTestServer, type TestServer } from './support/server.js';

// Security headers, CORS, the request log and /metrics, on one server whose log lines the test reads.

const ALLOWED = 'https://app.example.com';
const OTHER_ALLOWED = 'http://localhost:5173';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

// biome-ignore lint/suspicious/noExplicitAny: log lines are arbitrary JSON.
type LogLine = Record<string, any>;
const rawLines: string[] = [];
const logs = (): LogLine[] => rawLines.map((l) => JSON.parse(l));
const sink = new Writable({
  write(chunk, _encoding, callback) {
    rawLines.push(...String(chunk).split('\n').filter(Boolean));
    callback();
  },
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(
    { CORS_ORIGINS: `${ALLOWED}, ${OTHER_ALLOWED}`, METRICS_TOKEN },
    { logger: createLogger('info', sink) },
  );
});
afterAll(() => t.close());

/** The request log line of the answer with this X-Request-Id (written when the answer is sent). */
async function logOf(res: { headers: Headers }): Promise<LogLine> {
  const id = res.headers.get('x-request-id');
  for (let i = 0; i < 50; i++) {
    const line = logs().find((l) => l.requestId === id && l.msg === 'request');
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request log line for ${id}`);
}

describe('security headers', () => {
  it('are on every answer: API, error and preflight alike', async () => {
    for (const res of [
      await t.anon.get('/api/health/'),
      await t.staff.get('/api/contacts/'),
      await t.anon.get('/api/contacts/'),
      await t.anon.get('/api/nope/'),
    ]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('let the docs page load its own scripts and styles, with no inline script', async () => {
    const csp = (await t.anon.get('/api/docs/')).headers.get('content-security-policy') ?? '';
    const directive = (name: string) =>
      csp
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `));
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(directive('img-src')).toBe("img-src 'self' data:");
    expect(directive('connect-src')).toBe("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });
});

describe('CORS', () => {
  it('allows a listed origin and exposes the headers clients read', async () => {
    const res = await t.staff.get('/api/contacts/', { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const h of ['x-request-id', 'x-total-count', 'link', 'retry-after', 'etag', 'idempotent-replayed']) {
      expect(exposed).toContain(h);
    }
    expect(res.headers.get('vary')).toMatch(/origin/i);
    const other = await t.staff.get('/api/contacts/', { headers: { origin: OTHER_ALLOWED } });
    expect(other.headers.get('access-control-allow-origin')).toBe(OTHER_ALLOWED);
  });

  it('sends no CORS header for an origin that is not listed, nor for a look-alike', async () => {
    for (const origin of [
      'https://evil.example.com',
      'https://app.example.com.evil.example',
      'null',
      'http://app.example.com',
    ]) {
      const res = await t.staff.get('/api/contacts/', { headers: { origin } });
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers the preflight of a listed origin with 204 and what it may send', async () => {
    const res = await t.anon.request('OPTIONS', '/api/contacts/', undefined, {
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const headers = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    // What the SDK sends with every write: safe retries and conditional edits from a browser too.
    for (const h of ['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match']) {
      expect(headers).toContain(h);
    }
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('refuses the preflight of another origin: no CORS header, the usual 405 envelope', async () => {
    const res = await t.anon.request('OPTIONS', '/api/contacts/', undefined, {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    expect(res.status).toBe(405);
    expect(res.body.success).toBe(false);
  });
});

describe('request log', () => {
  it('writes one line per request: id, method, route template, status, duration, address, user', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    const res = await t.staff.get(`/api/contacts/${contact.id}/`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const line = await logOf(res);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      requestId: 'trace-abc-123',
      method: 'GET',
      route: '/api/contacts/:id/',
      status: 200,
    });
    expect(line.durationMs).toBeTypeOf('number');
    expect(line.address).toMatch(/127\.0\.0\.1/);
    expect(line.userId).toBeTypeOf('number');
    expect(logs().filter((l) => l.requestId === 'trace-abc-123')).toHaveLength(1);
    // No URL, query, header or body field at all.
    for (const key of Object.keys(line)) {
      expect([
        'level',
        'time',
        'msg',
        'requestId',
        'method',
        'route',
        'status',
        'durationMs',
        'address',
        'userId',
      ]).toContain(key);
    }
  });

  it('logs routes, never raw URLs: ids and query strings stay out', async () => {
    const missing = await t.staff.get('/api/contacts/987654/?search=private-search-term');
    expect((await logOf(missing)).route).toBe('/api/contacts/:id/');
    expect((await logOf(missing)).status).toBe(404);
    const unknown = await t.anon.get('/api/no-such-route/55555/');
    expect(await logOf(unknown)).toMatchObject({ route: 'unmatched', status: 404 });
    const all = rawLines.join('\n');
    expect(all).not.toContain('987654');
    expect(all).not.toContain('55555');
    expect(all).not.toContain('private-search-term');
  });

  it('logs a refused request (4xx) at info', async () => {
    expect((await logOf(await t.anon.get('/api/contacts/'))).level).toBe(30);
  });

  it('never contains a password, a token or an Authorization header, after login, refresh, me and logout', async () => {
    const wrongPassword = 'Wrong-Password-Never-Logged-42';
    const secrets: string[] = [...Object.values(PASSWORDS), wrongPassword];
    for (const api of [t.admin, t.staff, t.viewer]) secrets.push(api.token as string);

    const bad = await t.anon.post('/api/auth/token/', { username: 'staff', password: wrongPassword });
    expect(bad.status).toBe(401);
    const login = await t.anon.post('/api/auth/token/', { username: 'staff', password: PASSWORDS.staff });
    expect(login.status).toBe(200);
    secrets.push(login.body.data.access, login.body.data.refresh);
    const refreshed = await t.anon.post('/api/auth/token/refresh/', { refresh: login.body.data.refresh });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.data.access, refreshed.body.data.refresh);
    const me = await t.anon.get('/api/auth/me/', {
      headers: { authorization: `Bearer ${refreshed.body.data.access}` },
    });
    expect(me.status).toBe(200);
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.Zm9yZ2VkLXNpZ25hdHVyZQ';
    secrets.push(forged);
    expect((await t.anon.get('/api/auth/me/', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const malformed = await t.anon.post('/api/auth/token/', undefined, {
      raw: `{"username":"staff","password":"${wrongPassword}"`,
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const logout = await t.anon.post('/api/auth/logout/', { refresh: refreshed.body.data.refresh });
    expect(logout.status).toBe(200);

    for (const res of [bad, login, refreshed, me, logout]) await logOf(res);
    expect(await logOf(login)).toMatchObject({ route: '/api/auth/token/', status: 200 });
    expect(await logOf(bad)).toMatchObject({ route: '/api/auth/token/', status: 401 });
    expect(await logOf(refreshed)).toMatchObject({ route: '/api/auth/token/refresh/', status: 200 });

    const all = rawLines.join('\n');
    expect(rawLines.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/bearer/i);
    expect(all).not.toMatch(/authorization/i);
    expect(all).not.toMatch(/password/i);
  });

  it('redacts secrets that some other log call might carry', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    logger.info(
      {
        body: { password: 'p1', refresh: 'r1', access: 'a1', token: 't1' },
        req: { headers: { authorization: 'Bearer b1', cookie: 'c1' } },
        headers: { authorization: 'Bearer b2' },
      },
      'something',
    );
    const text = lines.join('');
    for (const s of ['p1', 'r1', 'a1', 't1', 'b1', 'b2', 'c1']) expect(text).not.toContain(`"${s}"`);
    expect(text).toContain('[redacted]');
  });
});

describe('/metrics', () => {
  const scrape = (token?: string) =>
    fetch(`${t.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers only the METRICS_TOKEN bearer when one is configured', async () => {
    for (const res of [await scrape(), await scrape('wrong-token-0123456789'), await scrape(t.admin.token)]) {
      expect(res.status).toBe(401);
      const body = (await res.json()) as { success: boolean };
      expect(body.success).toBe(false);
    }
    const ok = await scrape(METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('counts requests and times them by method, route template and status', async () => {
    const customer = await createCustomer(t.staff);
    await t.staff.get(`/api/customers/${customer.id}/`);
    await t.staff.get(`/api/customers/${customer.id}/`);
    await t.staff.get('/api/customers/999999/');
    await t.anon.get('/api/nope/424242/');
    const text = await (await scrape(METRICS_TOKEN)).text();
    const counter = (labels: string) => {
      const m = new RegExp(`^http_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };
    expect(counter('method="GET",route="/api/customers/:id/",status="200"')).toBeGreaterThanOrEqual(2);
    expect(counter('method="GET",route="/api/customers/:id/",status="404"')).toBeGreaterThanOrEqual(1);
    expect(counter('method="POST",route="/api/customers/",status="201"')).toBeGreaterThanOrEqual(1);
    expect(counter('method="GET",route="unmatched",status="404"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/customers\/:id\/",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/customers\/:id\/",status="200"\} \d+$/m,
    );
    expect(text).toMatch(/^http_requests_in_flight \d+$/m);
    // Route labels are templates: no id and no unknown path ever becomes a label value.
    expect(text).not.toMatch(/route="[^"]*\d/);
    expect(text).not.toContain('424242');
  });

  it('includes the default process metrics', async () => {
    const text = await (await scrape(METRICS_TOKEN)).text();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}`, 'm'));
    }
  });

  it('is not part of the contract, so not of the OpenAPI document', () => {
    expect(routes.some((r) => r.path.includes('metrics'))).toBe(false);
  });
});
