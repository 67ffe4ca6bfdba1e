import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own server on its own database; files run in parallel processes.
    pool: 'forks',
    // Vitest's default (cores - 1) runs one file at a time on 2 cores; most files spend their time waiting
    // on a server or a database, so one more file than cores halves the suite's wall time.
    maxWorkers: Math.max(2, availableParallelism()) + 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
