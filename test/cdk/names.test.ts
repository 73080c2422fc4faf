import { describe, expect, it } from "vitest";
import { jobQueueNames, topicNames } from "../../src/cdk/names.js";

describe("jobQueueNames", () => {
  it("names a job's queues <stack>-<job> and <stack>-<job>-dlq", () => {
    expect(jobQueueNames("shop-prod", "send-welcome-email")).toEqual({
      queue: "shop-prod-send-welcome-email",
      dlq: "shop-prod-send-welcome-email-dlq",
    });
    expect(topicNames("Stack-PR12")).toEqual({
      jobs: "Stack-PR12-jobs",
      alerts: "Stack-PR12-alerts",
    });
  });

  it("cuts a name past SQS's 80 characters, keeping it unique and the -dlq suffix", () => {
    const stack = "a-very-long-application-name-prod";
    const one = jobQueueNames(stack, `${"x".repeat(60)}-one`);
    const two = jobQueueNames(stack, `${"x".repeat(60)}-two`);
    for (const name of [one.queue, one.dlq, two.queue, two.dlq]) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(one.queue).toHaveLength(80);
    expect(one.dlq).toHaveLength(80);
    expect(one.dlq.endsWith("-dlq")).toBe(true);
    expect(one.queue).not.toBe(two.queue);
    expect(one.dlq).not.toBe(two.dlq);
    expect(one.dlq.startsWith(one.queue.slice(0, 60))).toBe(true);
  });
});
