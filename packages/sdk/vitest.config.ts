import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own server (Sequelize models are global: one server per process).
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
