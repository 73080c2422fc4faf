import { describe, expect, it } from "vitest";
import {
  SCHEDULE_GROUP_ENV,
  SCHEDULER_DLQ_ARN_ENV,
  SCHEDULER_ROLE_ARNS_ENV,
  schedulingFromEnv,
} from "../../src/aws/env.js";

const role = (job: string) => `arn:aws:iam::123456789012:role/shop-dev-${job}-scheduler`;

describe("schedulingFromEnv", () => {
  it("reads the group, each job's scheduler role and the DLQ", () => {
    expect(
      schedulingFromEnv({
        [SCHEDULE_GROUP_ENV]: "shop-dev",
        [SCHEDULER_ROLE_ARNS_ENV]: JSON.stringify({ greeting: role("a"), order: role("b") }),
        [SCHEDULER_DLQ_ARN_ENV]: "arn:aws:sqs:us-east-1:123456789012:shop-dev_scheduler-dlq",
      }),
    ).toEqual({
      groupName: "shop-dev",
      roleArns: { greeting: role("a"), order: role("b") },
      dlqArn: "arn:aws:sqs:us-east-1:123456789012:shop-dev_scheduler-dlq",
    });
    expect(schedulingFromEnv({ [SCHEDULE_GROUP_ENV]: "shop-dev" })).toBeUndefined();
  });

  it("refuses roles that are not JSON of ARNs by job, naming the variable", () => {
    for (const value of [role("a"), '["x"]', '{"greeting":1}']) {
      expect(() =>
        schedulingFromEnv({ [SCHEDULE_GROUP_ENV]: "g", [SCHEDULER_ROLE_ARNS_ENV]: value }),
      ).toThrow(
        expect.objectContaining({
          code: "InvalidEnvironment",
          message: `OFFLOAD_SCHEDULER_ROLE_ARNS must be JSON {"<job>": "<role ARN>"}; got ${JSON.stringify(value)}`,
        }),
      );
    }
  });
});
