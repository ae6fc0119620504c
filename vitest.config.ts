import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    // One database and one Redis key prefix per run (see packages/testing/src/global-setup.ts).
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers and workers; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
