import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests start servers and child processes on a shared machine: be patient.
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
