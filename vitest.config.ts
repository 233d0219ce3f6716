import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests start servers and child processes on a shared machine: be patient.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one "N passed, M failed" line, so a run that
    // executed no test at all is visible.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
