import { describe, expect, it } from 'vitest';
import { createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { Res } from './support/http.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** An error answer: JSON, the error envelope and nothing that leaks the server's insides. */
function expectErrorEnvelope(res: Res, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body, res.text).toBeTypeOf('object');
  expect(res.body.success).toBe(false);
  expect(res.body.message).toBeTypeOf('string');
  expect(res.body.message.length).toBeGreaterThan(0);
  for (const key of Object.keys(res.body)) expect(['success', 'message', 'errors', 'request_id']).toContain(key);
  if (res.body.errors !== undefined) {
    for (const messages of Object.values(res.body.errors)) {
      expect(Array.isArray(messages)).toBe(true);
      for (const m of messages as unknown[]) expect(m).toBeTypeOf('string');
    }
  }
  expectNoInternals(res);
}

function expectNoInternals(res: Res) {
  expect(res.text).not.toMatch(/\n\s+at /);
  expect(res.text).not.toMatch(/\bat .*:\d+:\d+/);
  expect(res.text).not.toMatch(/node_modules|\/src\/|\.ts:\d|\.js:\d/);
  expect(res.text).not.toMatch(/"stack"|SequelizeError|SQLITE_|\bSELECT\b|\bINSERT\b/);
  expect(res.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
}

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/nope/'],
    ['GET', '/api/nope'],
    ['GET', '/nope'],
    ['POST', '/'],
    ['POST', '/api/customers/1/contacts/extra/'],
    ['DELETE', '/api/contacts/1/nothing/'],
  ])('%s %s answers the 404 envelope', async (method, path) => {
    const res = await t.staff.request(method, path);
    expectErrorEnvelope(res, 404);
    expect(res.body.message).toBe('Not found.');
  });

  it('GET / leads to the docs page (a redirect), not a 404', async () => {
    const res = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/api/docs/');
  });

  it('answers 404, not 401, to an anonymous caller', async () => {
    expectErrorEnvelope(await t.anon.get('/api/does-not-exist/'), 404);
  });
});

describe('known route, wrong method', () => {
  it.each([
    ['DELETE', '/api/customers/', ['GET', 'POST']],
    ['PUT', '/api/customers', ['GET', 'POST']],
    ['POST', '/api/health/', ['GET']],
    ['DELETE', '/api/ready', ['GET']],
    ['GET', '/api/auth/token/', ['POST']],
    ['PATCH', '/api/customers-with-contacts/', ['GET']],
    ['POST', '/api/customers/1/', ['GET', 'PUT', 'PATCH', 'DELETE']],
    ['GET', '/api/contacts/1/set-primary/', ['POST']],
  ])('%s %s answers 405 with Allow', async (method, path, allowed) => {
    const res = await t.staff.request(method, path);
    expectErrorEnvelope(res, 405);
    expect(res.body.message).toBe(`Method "${method}" not allowed.`);
    const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
    for (const m of allowed) expect(allow).toContain(m);
    expect(allow).not.toContain(method);
    if (allowed.includes('GET')) expect(allow).toContain('HEAD');
  });

  it('answers 405 to an anonymous caller too', async () => {
    const res = await t.anon.request('DELETE', '/api/contacts/');
    expectErrorEnvelope(res, 405);
    expect(res.headers.get('allow')).toMatch(/POST/);
  });
});

describe('request bodies', () => {
  it.each(['{"username": "x",', '{username: "x"}', "{'a': 1}", '{"a": 1}}', 'not json at all', '"just a string"'])(
    'answers 400 for the malformed body %j',
    async (raw) => {
      const res = await t.staff.post('/api/customers/', undefined, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expectErrorEnvelope(res, 400);
      expect(res.body.message).toBe('Malformed JSON in request body.');
      expect(res.body.errors).toEqual({ non_field_errors: ['The request body is not valid JSON.'] });
    },
  );

  it('checks the token before the body: an anonymous malformed or non-JSON body is a 401', async () => {
    for (const type of ['application/json', 'text/plain']) {
      const res = await t.anon.post('/api/contacts/', undefined, { raw: '{', headers: { 'content-type': type } });
      expectErrorEnvelope(res, 401);
    }
  });

  it('answers 400 with field errors for JSON of the wrong shape', async () => {
    for (const raw of ['[]', '[1, 2]', 'null']) {
      const res = await t.staff.post('/api/customers/', undefined, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expectErrorEnvelope(res, 400);
    }
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])(
    'answers 415 for a body sent as %s',
    async (type) => {
      const res = await t.staff.post('/api/customers/', undefined, {
        raw: JSON.stringify(customerBody()),
        headers: { 'content-type': type },
      });
      expectErrorEnvelope(res, 415);
      expect(res.body.message).toBe('Unsupported media type: send application/json.');
    },
  );

  it('answers 415 for a body without a content type', async () => {
    const res = await fetch(`${t.url}/api/customers/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.staff.token}` },
      body: new Uint8Array(Buffer.from(JSON.stringify(customerBody()))),
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { success: boolean };
    expect(body.success).toBe(false);
  });

  it('accepts application/json with a charset and +json types', async () => {
    const a = await t.staff.post('/api/customers/', customerBody(), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(a.status).toBe(201);
    const b = await t.staff.post('/api/customers/', customerBody(), {
      headers: { 'content-type': 'application/vnd.api+json' },
    });
    expect(b.status).toBe(201);
  });

  it('accepts a body-less POST without a content type', async () => {
    const c = await createCustomer(t.staff);
    const contact = await createContact(t.staff, c.id);
    const res = await t.staff.post(`/api/contacts/${contact.id}/set-primary/`);
    expect(res.status).toBe(200);
  });

  it('answers 413 for a body over the default limit of 1 MiB', async () => {
    const big = { ...customerBody(), address: 'x'.repeat(1024 * 1024 + 10) };
    const res = await t.staff.post('/api/customers/', big);
    expectErrorEnvelope(res, 413);
    expect(res.body.message).toMatch(/larger than the limit/);
  });

  it('accepts a body just under the limit (and validates it)', async () => {
    const res = await t.staff.post('/api/customers/', { ...customerBody(), address: 'x'.repeat(1000 * 1000) });
    expectErrorEnvelope(res, 400);
    expect(res.body.errors.address).toBeDefined();
  });
});

describe('X-Request-Id', () => {
  it('is on every response', async () => {
    const c = await createCustomer(t.staff);
    const responses = [
      await t.staff.get('/api/customers/'),
      await t.staff.get(`/api/customers/${c.id}/`),
      await t.anon.get('/api/health/'),
      await t.anon.get('/api/customers/'),
      await t.viewer.post('/api/customers/', customerBody()),
      await t.staff.get('/api/nope/'),
      await t.staff.request('DELETE', '/api/customers/'),
      await t.staff.post('/api/customers/', {}),
      await t.staff.post('/api/customers/', undefined, { raw: '{', headers: { 'content-type': 'application/json' } }),
      await t.staff.post('/api/customers/', undefined, { raw: 'x', headers: { 'content-type': 'text/plain' } }),
      await t.staff.delete(`/api/customers/${c.id}/`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 401, 403, 404, 405, 400, 400, 415, 204]);
    const seen = new Set<string>();
    for (const r of responses) {
      const id = r.headers.get('x-request-id');
      expect(id).toMatch(REQUEST_ID);
      seen.add(id!);
    }
    expect(seen.size).toBe(responses.length);
  });

  it.each(['abc-123', 'req_1.2:3', 'A'.repeat(128), '6f1c1f3e-8a8b-4a51-9d43-6d1d5a3e2b1c'])(
    'echoes the valid incoming id %j',
    async (id) => {
      const ok = await t.staff.get('/api/customers/', { headers: { 'x-request-id': id } });
      expect(ok.headers.get('x-request-id')).toBe(id);
      const err = await t.staff.get('/api/nope/', { headers: { 'x-request-id': id } });
      expect(err.headers.get('x-request-id')).toBe(id);
    },
  );

  it.each([
    ['with spaces', 'has some spaces'],
    ['of 300 characters', 'x'.repeat(300)],
    ['of 129 characters', 'y'.repeat(129)],
    ['with a slash', 'a/b'],
    ['with angle brackets', '<script>'],
    ['with a quote', 'a"b'],
  ])('replaces an incoming id %s', async (_label, id) => {
    const res = await t.staff.get('/api/health/', { headers: { 'x-request-id': id } });
    expect(res.status).toBe(200);
    const answered = res.headers.get('x-request-id');
    expect(answered).not.toBe(id);
    expect(answered).toMatch(REQUEST_ID);
  });
});

describe('trailing slashes', () => {
  it('every read route answers with and without it', async () => {
    const c = await createCustomer(t.staff);
    const contact = await createContact(t.staff, c.id);
    const paths = [
      '/api/customers',
      `/api/customers/${c.id}`,
      `/api/customers/${c.id}/contacts`,
      '/api/customers-with-contacts',
      '/api/contacts',
      `/api/contacts/${contact.id}`,
      '/api/contacts/stats',
      '/api/auth/me',
      '/api/health',
      '/api/ready',
    ];
    for (const p of paths) {
      const without = await t.staff.get(p);
      const withSlash = await t.staff.get(`${p}/`);
      expect(without.status, p).toBe(200);
      expect(withSlash.status, `${p}/`).toBe(200);
      expect(without.body.message, p).toBe(withSlash.body.message);
    }
  });

  it('write routes answer with and without it', async () => {
    const c = await createCustomer(t.staff);
    const contact = await createContact(t.staff, c.id);
    expect((await t.staff.post('/api/customers', customerBody())).status).toBe(201);
    expect((await t.staff.patch(`/api/customers/${c.id}`, { first_name: 'A' })).status).toBe(200);
    expect((await t.staff.post(`/api/contacts/${contact.id}/set-primary`)).status).toBe(200);
    expect((await t.staff.post(`/api/contacts/${contact.id}/toggle-status`)).status).toBe(200);
    expect((await t.anon.post('/api/auth/token', { username: 'staff', password: 'wrong' })).status).toBe(401);
    expect((await t.staff.delete(`/api/contacts/${contact.id}`)).status).toBe(204);
    expect((await t.staff.delete(`/api/customers/${c.id}`)).status).toBe(204);
  });
});

describe('HEAD', () => {
  it('answers wherever GET does, with no body', async () => {
    for (const path of ['/api/health/', '/api/customers/']) {
      const res = await t.staff.request('HEAD', path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toBe('');
      expect(res.headers.get('x-request-id'), path).toMatch(REQUEST_ID);
    }
  });
});

describe('JSON answers', () => {
  it('say their type with its charset and their length in bytes, beyond ASCII too; HEAD says the same', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'ශ්‍රීමතී', last_name: 'Café' });
    const path = `/api/customers/${customer.id}/`;
    const res = await t.staff.get(path);
    expect(res.status).toBe(200);
    expect(res.body.data.first_name).toBe('ශ්‍රීමතී');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
    const head = await t.staff.request('HEAD', path);
    expect(head.text).toBe('');
    expect(head.headers.get('content-length')).toBe(res.headers.get('content-length'));
    expect(head.headers.get('etag')).toBe(res.headers.get('etag'));
  });

  it('a GET whose If-None-Match holds the ETag is a 304 without a body; another ETag, a 200 with it', async () => {
    const customer = await createCustomer(t.staff);
    const path = `/api/customers/${customer.id}/`;
    const etag = (await t.staff.get(path)).headers.get('etag')!;
    const res = await t.staff.get(path, { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
    const other = await t.staff.get(path, { headers: { 'if-none-match': '"999"' } });
    expect(other.status).toBe(200);
    expect(other.body.data.id).toBe(customer.id);
    expect(Number(other.headers.get('content-length'))).toBe(Buffer.byteLength(other.text));
  });

  it('a query string asked again gets the same answer; a bad one between is refused and changes nothing', async () => {
    const query = '/api/customers/?page_size=2&ordering=-id';
    const first = await t.staff.get(query);
    expect(first.status).toBe(200);
    expectErrorEnvelope(await t.staff.get('/api/customers/?page_size=abc'), 400);
    expectErrorEnvelope(await t.staff.get('/api/customers/?page_size=abc'), 400);
    const again = await t.staff.get(query);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await t.staff.get('/api/customers/?page_size=1&ordering=-id')).body.data.results).toHaveLength(1);
  });
});

describe('health and readiness', () => {
  it('GET /api/health/ answers without a token', async () => {
    const res = await t.anon.get('/api/health/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'OK', data: { status: 'ok' } });
  });

  it('GET /api/ready/ answers without a token once the database is reachable', async () => {
    const res = await t.anon.get('/api/ready/');
    expect(res.status).toBe(200);
    // With TEST_READ_REPLICA_URL (docs/testing.md) the answer lists the replica too.
    expect(res.body).toMatchObject({ success: true, message: 'Ready', data: { status: 'ready', database: 'ok' } });
  });

  it('ignore a bad Authorization header', async () => {
    for (const path of ['/api/health/', '/api/ready/']) {
      const res = await t.anon.get(path, { headers: { authorization: 'Bearer not.a.token' } });
      expect(res.status, path).toBe(200);
    }
  });

  it('the API routes need a token', async () => {
    const res = await t.anon.get('/api/contacts/');
    expectErrorEnvelope(res, 401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('headers', () => {
  it('never sends X-Powered-By', async () => {
    const responses = [
      await t.anon.get('/api/health/'),
      await t.staff.get('/api/customers/'),
      await t.staff.get('/api/nope/'),
      await t.staff.request('DELETE', '/api/customers/'),
      await t.anon.get('/api/customers/'),
    ];
    for (const r of responses) expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('sends no ETag on JSON answers but a versioned record (no hashing of every answer)', async () => {
    for (const path of ['/api/health/', '/api/ready/', '/api/customers/', '/api/contacts/']) {
      const res = await t.staff.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(res.headers.get('etag'), path).toBeNull();
    }
  });

  it('answers 200 again to a conditional request (no 304 from a weak ETag)', async () => {
    const res = await t.staff.get('/api/customers/', { headers: { 'if-none-match': '*' } });
    expect(res.status).toBe(200);
  });
});

describe('error responses', () => {
  it('never carry a stack trace or SQL', async () => {
    const c = await createCustomer(t.staff);
    const cases: [Res, number][] = [
      [await t.staff.get('/api/customers/99999999/'), 404],
      [await t.staff.get('/api/customers/abc/'), 404],
      [await t.staff.get('/api/customers/99999999999999999999/'), 404],
      [await t.staff.get('/api/contacts/?is_active=maybe'), 400],
      [await t.staff.get('/api/contacts/?page_size=1000'), 400],
      [await t.staff.get('/api/contacts/?ordering=DROP%20TABLE'), 400],
      [await t.staff.get('/api/customers/?search=%27%3B%20DROP%20TABLE%20customers%3B--&page=99'), 404],
      [await t.staff.post('/api/customers/', { ...customerBody(), username: c.username }), 400],
      [await t.staff.post('/api/customers/', { username: 1, email: [], nic: {}, first_name: null }), 400],
      [
        await t.staff.post('/api/contacts/', {
          customer: 99999999,
          email: 'a@b.co',
          wa_number: '0771234567',
          tp_number: '0112345678',
        }),
        400,
      ],
      [await t.staff.put(`/api/customers/${c.id}/`, { email: 'x' }), 400],
      [await t.anon.get('/api/customers/'), 401],
      [await t.anon.get('/api/customers/', { headers: { authorization: 'Bearer a.b.c' } }), 401],
      [await t.viewer.delete(`/api/customers/${c.id}/`), 403],
    ];
    for (const [res, status] of cases) expectErrorEnvelope(res, status);
  });

  it('a path id that is not a positive integer is a 404 on every id route', async () => {
    for (const path of ['/api/customers/0/', '/api/customers/-1/', '/api/customers/1.5/', '/api/contacts/x/']) {
      expectErrorEnvelope(await t.staff.get(path), 404);
    }
    expectErrorEnvelope(await t.staff.post('/api/contacts/abc/set-primary/'), 404);
    expectErrorEnvelope(await t.staff.patch('/api/customers/1e2/', { first_name: 'X' }), 404);
  });

  it('a path id with a malformed %-escape is a 404, not a 500', async () => {
    expectErrorEnvelope(await t.staff.get('/api/contacts/%E0%A4%A/'), 404);
    expectErrorEnvelope(await t.staff.delete('/api/customers/%ZZ/'), 404);
  });
});
