import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: one file, run in order, against a real `taskline serve`.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    // Starting the binary includes initdb and the first Postgres start.
    hookTimeout: 180_000,
    testTimeout: 60_000,
    reporters: ['verbose'],
  },
});
