import { openTestEngine } from "../support/engine.js";
import { defineConformanceSuite } from "./suite.js";

defineConformanceSuite("engine in-process", async () => {
  const te = openTestEngine();
  return {
    name: "engine",
    sqs: te.engine.sqs,
    sns: te.engine.sns,
    advance: te.advance,
    settle: () => te.engine.whenIdle(),
    moveTasks: true,
    close: te.close,
  };
});
