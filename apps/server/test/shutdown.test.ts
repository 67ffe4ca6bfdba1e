import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/db/index.js';
import { freshDatabase } from './support/database.js';
import { contactBody, customerBody } from './support/factories.js';
import type { Res } from './support/http.js';
import { lockWrites } from './support/lock.js';
import { type LogLine, type ServerProcess, signIn, spawnServer } from './support/process.js';
import { PASSWORDS } from './support/server.js';

// SIGTERM on the real server process (src/main.ts), on an SQLite file: requests in flight finish with their
// normal answers, new connections are refused, the database is closed, and the process exits 0. The requests
// are made to wait on a write lock the test holds, so that they are certainly in flight at the signal.

/** Waits until the server counts at least `n` requests in flight (the scrape itself is one of them). */
async function inFlight(p: ServerProcess, n: number) {
  for (let i = 0; i < 200; i++) {
    const text = await (await fetch(`${p.url}/metrics`)).text();
    const count = Number(/^http_requests_in_flight (\d+)$/m.exec(text)?.[1] ?? 0);
    if (count >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never ${n} requests in flight`);
}

/** Marks a promise as handled (an early failure of the test leaves no unhandled rejection behind). */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Whether a new TCP connection to the server is refused. */
const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

function count(file: string, sql: string): Promise<number> {
  return rows<{ n: number }>(file, sql).then(([row]) => row?.n ?? Number.NaN);
}

/** `writable`: FTS5 tables need a writable connection for their integrity check. */
function rows<T = Record<string, unknown>>(file: string, sql: string, writable = false): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, writable ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, (e, found: T[]) => {
        db.close();
        if (e) reject(e);
        else resolve(found);
      });
    });
  });
}

/**
 * A request on a connection of its own (`agent: false`: `Connection: close`, no keep-alive pool), so that
 * nothing of the test's stays connected to the server and its HTTP side closes at once at the signal.
 * `destroy()` drops the connection: a client that went away.
 */
function oneShot(url: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const req = http.request(`${url}${path}`, {
    method,
    agent: false,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    },
  });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
  });
  req.end(payload);
  return { response, destroy: () => req.destroy() };
}

/** The server's count of requests in flight (the scrape itself is one of them), over a one-shot connection. */
async function requestsInFlight(p: ServerProcess): Promise<number> {
  const { text } = await oneShot(p.url, 'GET', '/metrics').response;
  return Number(/^http_requests_in_flight (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Waits until the server's count of requests in flight meets `ok`. */
async function untilInFlight(p: ServerProcess, ok: (n: number) => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (ok(await requestsInFlight(p))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never ${what} requests in flight`);
}

/** The process's log lines at level error (50) or above, from stdout and from any JSON lines on stderr. */
function errorLines(p: ServerProcess): LogLine[] {
  const fromStderr = p
    .stderr()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  return [...p.logs(), ...fromStderr].filter((l) => typeof l.level === 'number' && l.level >= 50);
}

describe('graceful shutdown', () => {
  it('lets requests in flight at SIGTERM finish with 201, refuses new ones, closes the database, exits 0', async () => {
    const p = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '30000' });
    try {
      const admin = await signIn(p);
      const customer = (await admin.post('/api/customers/', customerBody())).body.data;
      const lock = await lockWrites(`sqlite:${p.databaseFile}`);
      let bulk: Promise<Res>[];
      let single: Promise<Res>;
      try {
        bulk = Array.from({ length: 3 }, () =>
          handled(
            admin.post('/api/contacts/bulk-create/', {
              contacts: Array.from({ length: 1000 }, () => contactBody(customer.id)),
            }),
          ),
        );
        single = handled(admin.post('/api/customers/', customerBody()));
        await inFlight(p, 5);
        p.child.kill('SIGTERM');
        await p.waitForLog((l) => l.msg === 'shutting down');
        // The listening socket closes right after that line is written.
        let closed = false;
        for (let i = 0; i < 100 && !closed; i++) {
          closed = await refused(p.url);
          if (!closed) await new Promise((r) => setTimeout(r, 20));
        }
        expect(closed).toBe(true);
        // Still waiting on the lock: the shutdown must wait for them.
        await new Promise((r) => setTimeout(r, 300));
        expect(p.logs().some((l) => l.msg === 'stopped')).toBe(false);
      } finally {
        await lock.release();
      }
      const answers = await Promise.all(bulk);
      for (const res of answers) {
        expect(res.status, res.text).toBe(201);
        expect(res.body.data.created_contacts).toHaveLength(1000);
      }
      expect((await single).status).toBe(201);

      expect(await p.exited).toEqual({ code: 0, signal: null });
      const logs = p.logs();
      const shutdownAt = logs.findIndex((l) => l.msg === 'shutting down');
      const answered = logs.filter((l) => l.msg === 'request' && l.status === 201);
      expect(answered.length).toBeGreaterThanOrEqual(4);
      expect(logs.indexOf(answered.at(-1) as object)).toBeGreaterThan(shutdownAt);
      expect(logs.at(-1)?.msg).toBe('stopped');
      // The database was closed cleanly (its WAL merged and removed), and everything answered is in the file.
      expect(fs.existsSync(`${p.databaseFile}-wal`)).toBe(false);
      expect(await count(p.databaseFile, 'SELECT COUNT(*) AS n FROM contacts')).toBe(3000);
    } finally {
      await p.dispose();
    }
  }, 120_000);

  it('cuts a request that outlasts SHUTDOWN_TIMEOUT_MS, then exits 0', async () => {
    const p = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '1000' });
    try {
      const admin = await signIn(p);
      const lock = await lockWrites(`sqlite:${p.databaseFile}`);
      let signalled = 0;
      try {
        const stuck = admin.post('/api/customers/', customerBody()).then(
          (res) => res.status,
          () => 'cut' as const,
        );
        await inFlight(p, 2);
        signalled = Date.now();
        p.child.kill('SIGTERM');
        expect(await stuck).toBe('cut');
        expect(Date.now() - signalled).toBeGreaterThanOrEqual(900);
      } finally {
        await lock.release();
      }
      expect(await p.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(1000 + 5000);
    } finally {
      await p.dispose();
    }
  }, 120_000);

  it('lets writes queued for clients that went away before SIGTERM commit before the database closes', async () => {
    // The clients give up while their creates wait behind the write lock: their connections close, so the
    // HTTP server has nothing left to wait for at the signal and goes on to close the database at once, while
    // the handlers are still queued for the write lock. The store must let them commit before it closes (no
    // "connection manager was closed" 500s). Every request is on a connection of its own (oneShot).
    const N = 32;
    const p = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '30000' });
    try {
      const signedIn = await oneShot(p.url, 'POST', '/api/auth/token/', {
        body: { username: 'admin', password: PASSWORDS.admin },
      }).response;
      expect(signedIn.status, signedIn.text).toBe(200);
      const token: string = JSON.parse(signedIn.text).data.access;
      const made = await oneShot(p.url, 'POST', '/api/customers/', { token, body: customerBody() }).response;
      expect(made.status, made.text).toBe(201);
      const customer: number = JSON.parse(made.text).data.id;
      const bodies = Array.from({ length: N }, () => contactBody(customer));

      const lock = await lockWrites(`sqlite:${p.databaseFile}`);
      try {
        const creates = bodies.map((body) => oneShot(p.url, 'POST', '/api/contacts/', { token, body }));
        const outcomes = creates.map((c) =>
          c.response.then(
            (res) => res.status,
            () => 'gone' as const,
          ),
        );
        await untilInFlight(p, (n) => n >= N + 1, `${N + 1}`);
        // Their bodies are read and their handlers queued for the write lock by now.
        await new Promise((r) => setTimeout(r, 300));
        for (const c of creates) c.destroy();
        expect(await Promise.all(outcomes)).toEqual(bodies.map(() => 'gone'));
        // The server saw them go: only the scrape is left.
        await untilInFlight(p, (n) => n <= 1, 'only 1');
        p.child.kill('SIGTERM');
        await p.waitForLog((l) => l.msg === 'shutting down');
        // The server is closing its database now, with the creates still waiting for the lock.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await lock.release();
      }

      expect(await p.exited).toEqual({ code: 0, signal: null });
      expect(errorLines(p)).toEqual([]);
      expect(p.logs().at(-1)?.msg).toBe('stopped');
      expect(fs.existsSync(`${p.databaseFile}-wal`)).toBe(false);

      // Consistent: every create there exactly once, the counters agree with the table, the file intact.
      const emails = (await rows<{ email: string }>(p.databaseFile, 'SELECT email FROM contacts')).map((r) => r.email);
      expect(emails.sort()).toEqual(bodies.map((b) => b.email).sort());
      expect(await count(p.databaseFile, 'SELECT SUM(n) AS n FROM contact_counts')).toBe(N);
      expect(
        await count(p.databaseFile, `SELECT SUM(n) AS n FROM customer_contact_counts WHERE customer_id = ${customer}`),
      ).toBe(N);
      expect(await rows(p.databaseFile, 'PRAGMA integrity_check', true)).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await p.dispose();
    }
  }, 120_000);
});

// The store's side of it, in process and on every database (TEST_DATABASE_URL): close() waits for the work
// begun, even work still queued or begun while it waits (by a handler already running).
describe('store.close', () => {
  it('waits for the work begun before it and while it waits, then closes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-store-'));
    const database = await freshDatabase(dataDir);
    const store = openStore({ url: database.url, logging: false });
    let release = () => {};
    try {
      await store.migrate();
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // A transaction kept open, one begun after it (on SQLite, queued behind it in the process) and a read.
      const first = handled(
        store.transaction(async (t) => {
          await store.customers.clashes({ username: 'nobody' }, t);
          await held;
          return 'first';
        }),
      );
      const queued = handled(store.transaction(async () => 'queued'));
      const read = handled(store.counters.customerCount());
      let closed = false;
      const closing = handled(
        store.close().then(() => {
          closed = true;
        }),
      );
      const late = handled(store.transaction(async () => 'late'));
      const lateRead = handled(store.users.count());
      await new Promise((r) => setTimeout(r, 200));
      expect(closed).toBe(false);
      release();
      expect(await first).toBe('first');
      expect(await queued).toBe('queued');
      expect(await read).toBe(0);
      expect(await late).toBe('late');
      expect(await lateRead).toBe(0);
      await closing;
      expect(closed).toBe(true);
    } finally {
      release();
      await store.close().catch(() => {});
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
