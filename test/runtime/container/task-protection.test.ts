import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TestClock } from "../../../src/core/clock.js";
import { TaskProtection } from "../../../src/runtime/container/task-protection.js";
import { type FakeEcsAgent, startFakeEcsAgent } from "../../support/fake-ecs-agent.js";
import { recordingLogger } from "../../support/recording-logger.js";

let agent: FakeEcsAgent;
beforeEach(async () => {
  agent = await startFakeEcsAgent();
});
afterEach(async () => {
  await agent.close();
});

describe("ECS task scale-in protection", () => {
  it("retries with backoff while the agent answers an error, then holds", async () => {
    const clock = new TestClock();
    const log = recordingLogger();
    const protection = new TaskProtection({ agentUri: agent.uri, clock, logger: log.logger });
    agent.fail(2);
    const holding = protection.hold(2 * 3_600_000);
    await agent.waitForCalls(1);
    await log.waitFor((r) => r.message.includes("retrying"));
    expect(protection.protected).toBe(false);
    clock.advance(999);
    expect(agent.calls).toHaveLength(1);
    clock.advance(1);
    await agent.waitForCalls(2);
    // The wait doubles: 2 s before the third call.
    await log.waitFor(
      (r) =>
        r.message.includes("retrying") &&
        r.fields !== undefined &&
        (r.fields as { attempt: number }).attempt === 2,
    );
    clock.advance(1_999);
    expect(agent.calls).toHaveLength(2);
    clock.advance(1);
    expect(await holding).toBe(true);
    expect(agent.changes()).toEqual(["true:120", "true:120", "true:120"]);
    expect(protection.protected).toBe(true);
    const warnings = log.records.filter((r) => r.level === "warn");
    expect(warnings.map((w) => w.fields)).toMatchObject([
      {
        protectionEnabled: true,
        attempt: 1,
        retryInMs: 1000,
        error: expect.stringContaining("HTTP 500"),
      },
      {
        protectionEnabled: true,
        attempt: 2,
        retryInMs: 2000,
        error: expect.stringContaining("ServerException"),
      },
    ]);
    protection.drop();
    await agent.waitForCalls(4);
    expect(agent.changes()[3]).toBe("false");
    expect(log.records.map((r) => r.message).filter((m) => m.endsWith("task protection"))).toEqual([
      "Acquiring task protection",
      "Releasing task protection",
    ]);
  });

  it("covers the work's timeout, capped at 2,880 minutes, and renews it before it expires", async () => {
    const clock = new TestClock();
    const log = recordingLogger();
    const protection = new TaskProtection({ agentUri: agent.uri, clock, logger: log.logger });
    // More than the API's 48 hours: capped.
    expect(await protection.hold(50 * 3_600_000)).toBe(true);
    expect(agent.changes()).toEqual(["true:2880"]);
    // Work in hand as it nears its end: renewed a minute before.
    clock.advance(2_879 * 60_000 - 1);
    expect(agent.calls).toHaveLength(1);
    clock.advance(1);
    await agent.waitForCalls(2);
    expect(agent.changes()).toEqual(["true:2880", "true:2880"]);
    await log.waitFor((r) => r.message === "Renewing task protection");
    // A second hold within what is in force asks nothing.
    expect(await protection.hold(60_000)).toBe(false);
    protection.drop();
    expect(agent.calls).toHaveLength(2);
    protection.drop();
    await agent.waitForCalls(3);
    expect(agent.changes()[2]).toBe("false");
    // Idle: no renewal.
    clock.advance(3_000 * 60_000);
    expect(agent.calls).toHaveLength(3);
  });

  it("gives up after its attempts, logging it, and lets the work run", async () => {
    const clock = new TestClock();
    const log = recordingLogger();
    const protection = new TaskProtection({
      agentUri: agent.uri,
      clock,
      logger: log.logger,
      maxAttempts: 2,
    });
    agent.fail(5);
    const holding = protection.hold(60_000);
    await agent.waitForCalls(1);
    await log.waitFor((r) => r.message.includes("retrying"));
    clock.advance(1000);
    expect(await holding).toBe(true);
    expect(protection.protected).toBe(false);
    expect(log.records.find((r) => r.level === "error")?.message).toBe(
      "could not change task protection: the ECS agent kept answering an error; giving up",
    );
  });
});
