import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { test } from './support/fixture.js';
import { api } from './support/http.js';
import { PASSWORDS, type TestServer } from './support/server.js';

// The command line on a running server's database (TEST_DATABASE_URL or SQLite): what a locked-out admin does.

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

/** `pnpm cli <args>` as the server's own process would run it, on the test server's database. */
function cli(args: string[], env: Record<string, string> = {}) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, DATABASE_URL: t.databaseUrl, DATA_DIR: t.dataDir, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('pnpm cli reset-password', () => {
  it('sets a new password: the old one and every session of the user stop working', async () => {
    const before = await t.anon.post('/api/auth/token/', { username: 'staff', password: PASSWORDS.staff });
    const session = api(t.url, before.body.data.access);
    expect((await session.get('/api/contacts/')).status).toBe(200);

    const done = await cli(['reset-password', '--username', 'staff', '--password', 'a-brand-new-password']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('New password set for staff "staff"');

    expect((await t.anon.post('/api/auth/token/', { username: 'staff', password: PASSWORDS.staff })).status).toBe(401);
    const after = await t.anon.post('/api/auth/token/', { username: 'staff', password: 'a-brand-new-password' });
    expect(after.status).toBe(200);
    // Another process changed the user: this one notices within a few seconds (services/accounts.ts).
    for (let i = 0; i < 100 && (await session.get('/api/contacts/')).status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await session.get('/api/contacts/')).status).toBe(401);
    expect((await t.anon.post('/api/auth/token/refresh/', { refresh: before.body.data.refresh })).status).toBe(401);
  });

  it('says what is wrong in a line, with no stack: an unknown user, a short password, no password at all', async () => {
    for (const [args, says] of [
      [['reset-password', '--username', 'nobody', '--password', 'long-enough-1'], /No user is named "nobody"/],
      [['reset-password', '--username', 'staff', '--password', 'short'], /At least 8 characters/],
      [['reset-password', '--username', 'staff'], /--password or CCM_PASSWORD/],
    ] as const) {
      const res = await cli([...args]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(says);
      expect(res.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
