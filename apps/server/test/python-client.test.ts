import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from './support/fixture.js';
import { PASSWORDS } from './support/server.js';

/** A client with no TypeScript: a Python script on the standard library, driven by the OpenAPI document. */
const SCRIPT = fileURLToPath(new URL('./clients/walkthrough.py', import.meta.url));

/** Asynchronous on purpose: the server answers from this same process. */
function python(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [SCRIPT, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the Python walkthrough', () => {
  test('logs in, creates a customer and contacts, lists, sets a primary and deletes against the live server', async ({
    server: t,
  }) => {
    const run = await python(t.url, 'admin', PASSWORDS.admin);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('POST /api/contacts/');
    expect(run.stdout).toMatch(/POST \/api\/contacts\/\d+\/set-primary\/ -> 200/);
    expect(run.stdout).toMatch(/DELETE \/api\/contacts\/\d+\/ -> 204/);
    expect(run.stdout).toContain('walkthrough: OK');

    // What it created is really there.
    const customers = await t.admin.get('/api/customers/?search=py');
    expect(customers.body.data.count).toBe(1);
    const contacts = await t.admin.get(`/api/contacts/?customer_id=${customers.body.data.results[0].id}`);
    expect(contacts.body.data.results).toHaveLength(1);
  });

  test('exits non-zero at the first mismatch', async ({ server: t }) => {
    const run = await python(t.url, 'admin', 'not the password');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MISMATCH: POST /api/auth/token/: expected 200, got 401');
  });
});
