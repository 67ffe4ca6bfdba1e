import { test as base } from 'vitest';
import { rawConnection } from './database.js';
import { startTestServer } from './server.js';

/**
 * `test` with a started server: one per test file (scope `file`), made on first use and closed after the file's
 * last test. `test('…', async ({ server }) => …)`, or `test.beforeAll(({ server }) => …)` for a file's setup. A file
 * that needs other settings calls startTestServer itself. `raw` is a connection of its own to that server's
 * database, for tests that go around the API (constraints, counters, races).
 */
export const test = base
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('server', { scope: 'file' }, async ({}, { onCleanup }) => {
    const server = await startTestServer();
    onCleanup(() => server.close());
    return server;
  })
  .extend('raw', { scope: 'file' }, async ({ server }, { onCleanup }) => {
    const raw = rawConnection(server.databaseUrl);
    onCleanup(() => raw.close());
    return raw;
  });
