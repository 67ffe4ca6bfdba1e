import { defineConfig } from 'vitest/config';

// The browser tests start the real server (its test support) and drive Debian's Chromium. `expect.poll` waits as
// long as Playwright's own waits (10 s): its default second is too short for a loaded CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    expect: { poll: { timeout: 10_000 } },
  },
});
