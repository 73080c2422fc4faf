import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoJobRecords } from "../../src/aws/job-records.js";
import { listStackSchedules } from "../../src/aws/schedule-list.js";
import { scheduleNameOf } from "../../src/aws/scheduled-sends.js";
import { newJobId } from "../../src/core/job-id.js";
import { JOB_TABLE } from "../../src/core/job-table.js";
import { type MotoClients, startMotoClients } from "./support.js";

const ROLE_ARN = "arn:aws:iam::123456789012:role/shop-dev-report-scheduler";
const TARGET = {
  Arn: "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
  RoleArn: ROLE_ARN,
  Input: "{}",
};

let clients: MotoClients;
let scheduler: SchedulerClient;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  clients = await startMotoClients();
  scheduler = new SchedulerClient(clients.config);
  dynamodb = new DynamoDBClient(clients.config);
});
afterAll(async () => {
  scheduler?.destroy();
  dynamodb?.destroy();
  await clients?.close();
});

async function jobTable(jobNames: string[]) {
  const tableName = `jobs-${randomBytes(4).toString("hex")}`;
  const { partitionKey, byJobName } = JOB_TABLE;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" }],
      AttributeDefinitions: [partitionKey, byJobName.partitionKey, byJobName.sortKey].map(
        (name) => ({ AttributeName: name, AttributeType: "S" }),
      ),
      GlobalSecondaryIndexes: [
        {
          IndexName: byJobName.name,
          KeySchema: [
            { AttributeName: byJobName.partitionKey, KeyType: "HASH" },
            { AttributeName: byJobName.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    }),
  );
  return createDynamoJobRecords({ dynamodb, tableName, jobNames });
}

/** A group holding what a stack would: two recurring schedules and two one-time ones. */
async function stackGroup() {
  const groupName = `g${randomBytes(4).toString("hex")}`;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
  const recurring = async (name: string, expression: string, timezone: string) =>
    scheduler.send(
      new CreateScheduleCommand({
        GroupName: groupName,
        Name: name,
        Description: `offload job ${name.split(".")[0]}, schedule ${name.split(".")[1]}: ${expression}`,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: timezone,
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: TARGET,
      }),
    );
  await recurring("report.default", "cron(0/5 * * * ? *)", "Europe/Paris");
  await recurring("digest.daily", "cron(30 8 ? * MON-FRI *)", "Europe/Paris");
  // One-time schedules: one named from a UUID, one from a chosen id with a dot.
  for (const jobId of [newJobId(Date.now()), "order.42"]) {
    await scheduler.send(
      new CreateScheduleCommand({
        GroupName: groupName,
        Name: scheduleNameOf(jobId),
        ScheduleExpression: "at(2030-01-01T00:00:00)",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: TARGET,
      }),
    );
  }
  const created = await scheduler.send(
    new GetScheduleCommand({ GroupName: groupName, Name: "report.default" }),
  );
  return { groupName, createdAt: created.CreationDate!.getTime() };
}

describe("listStackSchedules", () => {
  it("lists the recurring schedules with their next three due times, and counts the delayed sends", async () => {
    const { groupName, createdAt } = await stackGroup();
    // Wednesday 2030-01-09 10:02:30Z, long after the schedules were made.
    const now = Date.UTC(2030, 0, 9, 10, 2, 30);
    expect(createdAt).toBeLessThan(now);
    const { schedules, delayedSends } = await listStackSchedules({ scheduler, groupName, now });
    expect(delayedSends).toBe(2);
    expect(schedules.map((s) => [s.jobName, s.name])).toEqual([
      ["digest", "daily"],
      ["report", "default"],
    ]);
    const [digest, report] = schedules;
    expect(report).toMatchObject({
      expression: "cron(0/5 * * * ? *)",
      timezone: "Europe/Paris",
      state: "ENABLED",
      next: ["2030-01-09T10:05:00.000Z", "2030-01-09T10:10:00.000Z", "2030-01-09T10:15:00.000Z"],
      // Without a job table the last run's outcome is unknown, its due time and id are not.
      last: {
        dueAt: "2030-01-09T10:00:00.000Z",
        firedAt: null,
        jobId: "report:default:2030-01-09T10:00:00Z",
        state: null,
      },
    });
    // 08:30 in Paris is 07:30 UTC in winter; the last run was this morning.
    expect(digest).toMatchObject({
      next: ["2030-01-10T07:30:00.000Z", "2030-01-11T07:30:00.000Z", "2030-01-14T07:30:00.000Z"],
      last: { dueAt: "2030-01-09T07:30:00.000Z", jobId: "digest:daily:2030-01-09T07:30:00Z" },
    });
  });

  it("reads the last run's outcome from the job table by its run id", async () => {
    const { groupName } = await stackGroup();
    const records = await jobTable(["report", "digest"]);
    const now = Date.UTC(2030, 0, 9, 10, 2, 30);
    const jobId = "report:default:2030-01-09T10:00:00Z";
    const startedAt = Date.UTC(2030, 0, 9, 10, 0, 1);
    await records.started([
      { jobId, jobName: "report", messageId: "m-1", attempt: 1, at: startedAt },
    ]);
    await records.ended([
      {
        jobId,
        jobName: "report",
        attempt: 1,
        startedAt,
        at: startedAt + 500,
        outcome: "succeeded",
      },
    ]);
    const { schedules } = await listStackSchedules({ scheduler, groupName, records, now });
    const report = schedules.find((s) => s.jobName === "report");
    expect(report?.last).toEqual({
      dueAt: "2030-01-09T10:00:00.000Z",
      firedAt: expect.any(String),
      jobId,
      state: "succeeded",
    });
    // No record of the digest's run: its outcome is unknown.
    expect(schedules.find((s) => s.jobName === "digest")?.last?.state).toBeNull();
  });

  it("shows a disabled schedule with no next due time, and none run before it was made", async () => {
    const { groupName, createdAt } = await stackGroup();
    await scheduler.send(
      new UpdateScheduleCommand({
        GroupName: groupName,
        Name: "report.default",
        ScheduleExpression: "cron(0/5 * * * ? *)",
        ScheduleExpressionTimezone: "Europe/Paris",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "DISABLED",
        Target: TARGET,
      }),
    );
    const { schedules } = await listStackSchedules({ scheduler, groupName, now: createdAt });
    const report = schedules.find((s) => s.jobName === "report");
    expect(report).toMatchObject({ state: "DISABLED", next: [] });
    // Weekdays at 07:30 UTC: every such time before the schedule existed never ran.
    const digest = schedules.find((s) => s.jobName === "digest");
    expect(digest?.last).toBeNull();
    expect(digest?.next).toHaveLength(3);
  });
});
