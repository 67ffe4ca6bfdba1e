import fs from 'node:fs';
import net from 'node:net';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { contactBody, customerBody } from './support/factories.js';
import type { Res } from './support/http.js';
import { lockWrites } from './support/lock.js';
import { type ServerProcess, signIn, spawnServer } from './support/process.js';

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
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.get(sql, (e, row: { n: number }) => {
        db.close();
        if (e) reject(e);
        else resolve(row.n);
      });
    });
  });
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
});
