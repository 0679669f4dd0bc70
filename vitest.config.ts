import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // the JSON report lets .ci/run print how many tests ran
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
