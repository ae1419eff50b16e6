import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares. Each run also writes a JSON report
 * to test-results/vitest.json, which scripts/test-all.mjs sums into one
 * "N passed, N failed" line for CI.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // numerical suites are CPU-bound; two cores, so at most two test files at once
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
