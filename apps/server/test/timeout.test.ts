import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, operations } from './support/adapters.js';
import { customerBody } from './support/factories.js';
import { lockWrites } from './support/lock.js';
import { startTestServer, type TestServer } from './support/server.js';

// REQUEST_TIMEOUT_MS: a request still unanswered after it gets the 503 envelope. The slow handler is real:
// a write that waits for a lock the test holds on the database. Each adapter answers in its own error format.

const TIMEOUT_MS = 1500;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(() => t.close());

const MESSAGE = 'The server took too long to answer. Please try again.';

/** The 503 in each adapter's own error format: a tRPC client reads `error.data`, a REST one the envelope. */
const expectedBody = {
  rest: { success: false, message: MESSAGE },
  trpc: {
    error: {
      message: MESSAGE,
      code: -32603,
      data: {
        code: 'SERVICE_UNAVAILABLE',
        httpStatus: 503,
        path: 'customers.create',
        appCode: 'unavailable',
        retryAfterSeconds: expect.any(Number),
        requestId: expect.any(String),
      },
    },
  },
};

describe('request timeout', () => {
  it.each(ADAPTERS)(
    'answers 503 in the %s error format when a handler takes longer than REQUEST_TIMEOUT_MS',
    async (adapter) => {
      const lock = await lockWrites(t.databaseUrl);
      let released = false;
      try {
        const started = Date.now();
        const res = await operations(t.url, t.staff.token).call(adapter, 'customers.create', customerBody());
        const took = Date.now() - started;
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.body).toEqual(expectedBody[adapter]);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.headers.get('x-request-id')).toBeTruthy();
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(took).toBeLessThan(TIMEOUT_MS + 5000);
        await lock.release();
        released = true;
      } finally {
        if (!released) await lock.release();
      }
      // The server goes on answering; the late handler's answer is dropped without harm.
      await new Promise((r) => setTimeout(r, 200));
      expect((await t.staff.get('/api/customers/')).status).toBe(200);
      expect((await t.staff.post('/api/customers/', customerBody())).status).toBe(201);
    },
  );

  it('does not cut requests that finish in time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.staff.post('/api/customers/', customerBody())),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
  });

  it('answers 503 to a request whose body never arrives, and closes the connection', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const { port, hostname } = new URL(t.url);
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          [
            'POST /api/customers/ HTTP/1.1',
            `Host: ${hostname}:${port}`,
            `Authorization: Bearer ${t.staff.token}`,
            'Content-Type: application/json',
            'Content-Length: 500',
            '',
            '{"username": "slow',
          ].join('\r\n'),
        );
      });
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"success":false');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });
});
