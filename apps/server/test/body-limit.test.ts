import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// A file of its own: the Sequelize models are bound to one database per process, so one server per file.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ BODY_LIMIT: '1kb' });
});
afterAll(() => t.close());

describe('BODY_LIMIT', () => {
  it('answers 413 in the error envelope over the configured limit', async () => {
    const res = await t.staff.post('/api/customers/', { ...customerBody(), address: 'x'.repeat(1100) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ success: false, message: 'Request body is larger than the limit of 1024 bytes.' });
    expect(res.headers.get('x-request-id')).toMatch(/^[\w.:-]{1,128}$/);
  });

  it('checks the token first: an anonymous oversized body is a 401', async () => {
    const res = await t.anon.post('/api/contacts/', { email: 'x'.repeat(2000) });
    expect(res.status).toBe(401);
    expect(res.body.success).toBe(false);
  });

  it("a viewer's oversized write is a 403: the role is checked before the body", async () => {
    const res = await t.viewer.post('/api/contacts/', { email: 'x'.repeat(2000) });
    expect(res.status).toBe(403);
  });

  it('accepts a body that fits', async () => {
    const res = await t.staff.post('/api/customers/', { ...customerBody(), address: 'x'.repeat(400) });
    expect(res.status).toBe(201);
    expect(res.body.data.address).toBe('x'.repeat(400));
  });
});
