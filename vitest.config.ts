import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Without this alias vitest loads graphql twice ("from another module or realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // BORGQL_TEST_DATABASE=postgres: the run's PostgreSQL databases (test/helpers/test-database.ts)
    globalSetup: ['test/helpers/postgres-teardown.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own server and borg processes; two cores here.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
