import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Integration suites start real servers (sandbox, Prometheus, mock ML); two cores is the budget.
    maxWorkers: 2,
  },
});
