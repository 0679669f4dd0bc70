import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // checks the system programs (promtool, prometheus, …) once and reports what was skipped
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // the JSON report lets .ci/run print how many tests ran
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
