import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/database.js';
import { type ServerProcess, spawnServer } from './support/process.js';

// The README's first three calls, pasted as written into bash, against a server on its first start (on the
// database TEST_DATABASE_URL names): the password is the one the start printed, as the README tells the reader.

const README = path.resolve(import.meta.dirname, '../../../README.md');

/** The shell block that follows the README's walkthrough marker. */
function walkthrough(): string {
  const text = fs.readFileSync(README, 'utf8');
  const marker = text.indexOf('<!-- walkthrough');
  expect(marker).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(marker));
  expect(block).not.toBeNull();
  return block![1]!;
}

let dir: string;
let database: TestDatabase;
let server: ServerProcess;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-walkthrough-'));
  database = await freshDatabase(dir);
  server = await spawnServer({
    NODE_ENV: 'development',
    ADMIN_USERNAME: '',
    ADMIN_PASSWORD: '',
    DATABASE_URL: database.url,
  });
});
afterAll(async () => {
  await server.dispose();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('runs as written against a first start, with the password the start printed', async () => {
  const printed = /Admin: "admin", password "([^"]+)"/.exec(await server.waitForOutput(/Admin: /));
  expect(printed).not.toBeNull();
  const { stdout, stderr } = await promisify(execFile)(
    'bash',
    ['--norc', '--noprofile', '-c', `set -eo pipefail\n${walkthrough()}`],
    {
      env: { PATH: process.env.PATH, API: `${server.url}/api`, CCM_PASSWORD: printed![1] },
    },
  );
  expect(stderr).toBe('');
  expect(stdout).toContain('Customer contact created successfully');
  expect(stdout).toContain('Contact set as primary successfully');
  expect(stdout).toMatch(/john\.work@example\.com \+94771234568 \(primary\)/);
  expect(stdout).toMatch(/john@example\.com \+94771234567(?! \(primary\))/);
});
