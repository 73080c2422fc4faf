import { createSdkTarget } from "../conformance/sdk-target.js";
import { defineConformanceSuite } from "../conformance/suite.js";
import { startWireStack } from "./support.js";

// The same suite as the engine in-process and moto: the engine behind the
// wire endpoint, reached through the real AWS SDK v3 clients.
defineConformanceSuite("local wire endpoint through the AWS SDK", async () => {
  const stack = await startWireStack();
  return {
    ...createSdkTarget({
      endpoint: stack.url,
      name: "wire",
      moveTasks: true,
      close: () => stack.close(),
    }),
    settle: () => stack.engine.whenIdle(),
  };
});
