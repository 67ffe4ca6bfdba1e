import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyHeader } from './support/consistency.js';
import { createCustomer } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// Absolute links (`next`/`previous` of a page, `Link` of customers-with-contacts) never take their origin from a
// raw client header: from PUBLIC_URL, from a trusted proxy's allowed host, or this server's own address. tRPC's
// pages carry page numbers and cursors, no URLs: REST only. On every database (TEST_DATABASE_URL).

/** A GET with headers fetch() will not send (Host); answers the status, headers and parsed body. */
function get(url: string, path: string, headers: Record<string, string>) {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON and assert on it.
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }>((resolve, reject) => {
    // The newest consistency token of the test's clients, as one SDK session sends it (support/consistency.ts).
    const req = http.get(`${url}${path}`, { headers: { ...consistencyHeader(url), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}

const servers: TestServer[] = [];
async function server(env: Record<string, string> = {}) {
  const t = await startTestServer(env);
  servers.push(t);
  for (let i = 0; i < 3; i++) await createCustomer(t.staff);
  return t;
}
afterAll(() => Promise.all(servers.map((t) => t.close())));

const hostile = { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' };

/** The origins of every absolute link the customer list and customers-with-contacts answer with. */
async function linkOrigins(t: TestServer, headers: Record<string, string>) {
  const auth = { authorization: `Bearer ${t.viewer.token}` };
  const list = await get(t.url, '/api/customers/?page_size=1&page=2', { ...auth, ...headers });
  const view = await get(t.url, '/api/customers-with-contacts/?page_size=1&page=2', { ...auth, ...headers });
  expect(list.status).toBe(200);
  expect(view.status).toBe(200);
  const links = [list.body.data.next, list.body.data.previous, ...String(view.headers.link).match(/<[^>]+>/g)!];
  expect(links).toHaveLength(4);
  return new Set(links.map((l: string) => new URL(l.replace(/[<>]/g, '')).origin));
}

describe('absolute links', () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await server();
  });

  it('ignore Host and X-Forwarded-* from a client: this server’s own address', async () => {
    expect(await linkOrigins(plain, hostile)).toEqual(new Set([plain.url]));
  });

  it('come from PUBLIC_URL, path prefix included, whatever the request says', async () => {
    const t = await server({ PUBLIC_URL: 'https://api.example.com/ccm/' });
    expect(await linkOrigins(t, hostile)).toEqual(new Set(['https://api.example.com']));
    const res = await get(t.url, '/api/customers/?page_size=1', { authorization: `Bearer ${t.viewer.token}` });
    expect(res.body.data.next).toBe('https://api.example.com/ccm/api/customers/?page_size=1&page=2');
  });

  it('come from a trusted proxy only for an allowed host', async () => {
    const t = await server({ TRUST_PROXY: 'loopback', ALLOWED_HOSTS: 'ccm.example.com' });
    const proxied = { 'x-forwarded-host': 'ccm.example.com', 'x-forwarded-proto': 'https' };
    expect(await linkOrigins(t, proxied)).toEqual(new Set(['https://ccm.example.com']));
    expect(await linkOrigins(t, hostile)).toEqual(new Set([t.url]));
    expect(await linkOrigins(t, { host: 'ccm.example.com:8443' })).toEqual(new Set(['http://ccm.example.com:8443']));
  });

  it('a malformed PUBLIC_URL is a configuration error', async () => {
    await expect(startTestServer({ PUBLIC_URL: 'ftp://example.com' })).rejects.toThrow(/PUBLIC_URL/);
  });
});
