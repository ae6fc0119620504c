import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    // A database per test file (copied from a migrated template) and a Redis prefix per run.
    globalSetup: ["packages/testing/src/global-setup.ts"],
    setupFiles: ["packages/testing/src/per-file-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers and workers; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
