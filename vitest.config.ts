import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The AWS SDK warns under Node.js 20 about its releases of 2027, once per test process,
    // burying the suite's own output; `offload` silences it the same way (bin/offload.mjs).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
