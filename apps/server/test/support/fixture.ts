import { test as base } from 'vitest';
import { startTestServer } from './server.js';

/**
 * `test` with a started server: one per test file (scope `file`), made on first use and closed after the file's
 * last test. `test('…', async ({ server }) => …)`. A file that needs other settings calls startTestServer itself.
 */
// biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
export const test = base.extend('server', { scope: 'file' }, async ({}, { onCleanup }) => {
  const server = await startTestServer();
  onCleanup(() => server.close());
  return server;
});
