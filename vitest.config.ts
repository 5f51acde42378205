import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: tests spawn servers and sandboxes, and CI shares 2 cores with them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file starts its own servers; two workers match the 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
