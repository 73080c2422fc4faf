import { createSdkTarget } from "../conformance/sdk-target.js";
import { defineConformanceSuite } from "../conformance/suite.js";
import { startWireStack } from "./support.js";

// The same suite as the engine in-process and moto: the engine behind the
// wire endpoint, reached through the real AWS SDK v3 clients. Its clock is the
// stack's TestClock, so the cases that need time to pass run here too:
// `advance` first waits until every call the target has made has reached the
// engine (WireCalls), so a long poll in flight is measured on the moved clock.
defineConformanceSuite("local wire endpoint through the AWS SDK", async () => {
  const stack = await startWireStack();
  const target = createSdkTarget({
    endpoint: stack.url,
    name: "wire",
    moveTasks: true,
    close: () => stack.close(),
  });
  return {
    ...target,
    sqs: stack.track(target.sqs),
    sns: stack.track(target.sns),
    advance: (ms) => stack.advance(ms),
    settle: () => stack.engine.whenIdle(),
  };
});
