import { defineConfig } from 'vitest/config';

// The browser tests start the real server (its test support) and drive Debian's Chromium.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000, hookTimeout: 60_000 },
});
