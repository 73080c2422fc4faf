import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { SendMessageCommand, type SendMessageCommandInput } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApiFunction, createJobFunction } from "../../src/aws/index.js";
import { createDynamoJobRecords } from "../../src/aws/job-records.js";
import { scheduleNameOf } from "../../src/aws/scheduled-sends.js";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import { newJobId } from "../../src/core/job-id.js";
import { JOB_TABLE } from "../../src/core/job-table.js";
import { silentLogger } from "../../src/core/logger.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";
import { httpApiEvent } from "./http-api-event.js";
import { createLayout, type MotoClients, startMotoClients } from "./support.js";

const ROLE_ARN = "arn:aws:iam::123456789012:role/demo-dev-scheduler";
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:demo-dev-scheduler-dlq";
/** 2026-03-01T10:00:37Z: 37 seconds past a minute. */
const NOW = Date.UTC(2026, 2, 1, 10, 0, 37);

let clients: MotoClients;
let scheduler: SchedulerClient;
beforeAll(async () => {
  clients = await startMotoClients();
  scheduler = new SchedulerClient(clients.config);
});
afterAll(async () => {
  scheduler?.destroy();
  await clients?.close();
});

/** A one-job layout, a schedule group of its own, and the AWS transport scheduling into it. */
async function setup(now = NOW) {
  const layout = await createLayout(clients, [{ name: "greeting" }]);
  const groupName = `g${randomBytes(4).toString("hex")}`;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
  const clock = new TestClock(now);
  const scheduling = { groupName, roleArns: { greeting: ROLE_ARN }, dlqArn: DLQ_ARN };
  const transport = layout.transport({ scheduling, scheduler, clock });
  const schedules = async () =>
    (await scheduler.send(new ListSchedulesCommand({ GroupName: groupName }))).Schedules ?? [];
  const schedule = (jobId: string) =>
    scheduler.send(new GetScheduleCommand({ GroupName: groupName, Name: scheduleNameOf(jobId) }));
  return { layout, groupName, scheduling, transport, schedules, schedule, clock };
}

describe("a send delayed beyond 900 s through the AWS transport", () => {
  it("creates a one-time schedule at the due minute, with the seconds left as DelaySeconds", async () => {
    const { layout, transport, schedule, schedules } = await setup();
    const jobId = newJobId(NOW);
    const body = '{"friendName":"Hank","note":"<aws.scheduler.execution-id>"}';
    expect(
      await transport.send({
        jobId,
        jobName: "greeting",
        body,
        delaySeconds: 7200,
        idempotencyKey: "welcome-42",
      }),
    ).toBe(jobId);

    const found = await schedule(jobId);
    // Due 12:00:37: the schedule fires in the minute 12:00, and the message waits 37 s more.
    expect(found.ScheduleExpression).toBe("at(2026-03-01T12:00:00)");
    expect(found.ScheduleExpressionTimezone).toBe("UTC");
    expect(found.ActionAfterCompletion).toBe("DELETE");
    expect(found.FlexibleTimeWindow).toEqual({ Mode: "OFF" });
    expect(found.Target).toMatchObject({
      Arn: "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
      RoleArn: ROLE_ARN,
      DeadLetterConfig: { Arn: DLQ_ARN },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
    });
    // Scheduler must not find its keywords in the payload: `<` is written \u003c.
    expect(found.Target?.Input).not.toContain("<");
    expect(JSON.parse(found.Target!.Input!)).toEqual({
      QueueUrl: layout.queues.greeting!.queueUrl,
      MessageBody: body,
      DelaySeconds: 37,
      MessageAttributes: {
        jobName: { DataType: "String", StringValue: "greeting" },
        jobId: { DataType: "String", StringValue: jobId },
        idempotencyKey: { DataType: "String", StringValue: "welcome-42" },
      },
    });
    // Nothing reached the queue yet; a delay of 900 s stays on SQS, with no schedule.
    const { queueUrl } = layout.queues.greeting!;
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    await transport.send({
      jobId: newJobId(NOW),
      jobName: "greeting",
      body: "{}",
      delaySeconds: 900,
    });
    expect((await layout.counts(queueUrl)).delayed).toBe(1);
    expect((await schedules()).map((s) => s.Name)).toEqual([scheduleNameOf(jobId)]);
  });

  it("sends each job with its own scheduler role", async () => {
    const layout = await createLayout(clients, [{ name: "greeting" }, { name: "invoice" }]);
    const groupName = `g${randomBytes(4).toString("hex")}`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
    const roleArns = { greeting: ROLE_ARN, invoice: `${ROLE_ARN}-invoice` };
    const transport = layout.transport({
      scheduling: { groupName, roleArns },
      scheduler,
      clock: new TestClock(NOW),
    });
    for (const jobName of ["greeting", "invoice"] as const) {
      const jobId = newJobId(NOW);
      await transport.send({ jobId, jobName, body: "{}", delaySeconds: 3600 });
      const found = await scheduler.send(
        new GetScheduleCommand({ GroupName: groupName, Name: scheduleNameOf(jobId) }),
      );
      expect(found.Target?.RoleArn).toBe(roleArns[jobName]);
      expect(JSON.parse(found.Target!.Input!).QueueUrl).toBe(layout.queues[jobName]!.queueUrl);
    }
  });

  it("schedules a send-at (a delay up to the due time) to the same second", async () => {
    const { transport, schedule } = await setup(Date.UTC(2026, 2, 1, 10, 0, 0));
    const jobId = newJobId(NOW);
    // At 2026-03-31T23:59:59Z, 30 days and ~14 h ahead.
    const at = Date.UTC(2026, 2, 31, 23, 59, 59);
    const delaySeconds = (at - Date.UTC(2026, 2, 1, 10, 0, 0)) / 1000;
    await transport.send({ jobId, jobName: "greeting", body: "{}", delaySeconds });
    const found = await schedule(jobId);
    expect(found.ScheduleExpression).toBe("at(2026-03-31T23:59:00)");
    expect(JSON.parse(found.Target!.Input!).DelaySeconds).toBe(59);
  });

  it("refuses a payload over Scheduler's 256 KiB input before any call", async () => {
    const { layout, transport, schedules } = await setup();
    const calls: string[] = [];
    const recording = {
      accept: async () => {
        calls.push("accept");
        return { jobId: "x", duplicate: false };
      },
      withdraw: async () => {
        calls.push("withdraw");
      },
      redriven: async () => {},
    };
    const counting = layout.transport({
      scheduling: { groupName: "unused", roleArns: { greeting: ROLE_ARN } },
      scheduler,
      records: recording,
    });
    // Under SNS's 256 KiB with its attributes, over Scheduler's once the SendMessage request is around it.
    const body = JSON.stringify({ text: "x".repeat(262_000) });
    const sent = counting.send({
      jobId: newJobId(NOW),
      jobName: "greeting",
      body,
      delaySeconds: 3600,
    });
    await expect(sent).rejects.toMatchObject({
      code: "PayloadTooLarge",
      message: expect.stringMatching(
        /EventBridge Scheduler's input .* \d+ bytes; the limit is 262144/,
      ),
    });
    expect(calls).toEqual([]);
    expect(await schedules()).toEqual([]);
    // The same payload sent without a long delay goes through: the limit is Scheduler's.
    await transport.send({ jobId: newJobId(NOW), jobName: "greeting", body, delaySeconds: 60 });
  });

  it("refuses a long delay without scheduling, naming what is missing", async () => {
    const { layout } = await setup();
    await expect(
      layout.transport().send({
        jobId: newJobId(NOW),
        jobName: "greeting",
        body: "{}",
        delaySeconds: 7200,
      }),
    ).rejects.toMatchObject({
      code: "DelayTooLong",
      message: expect.stringContaining("no `scheduling` option"),
    });
  });

  it("refuses a second schedule for the same job id", async () => {
    const { transport } = await setup();
    const jobId = "order:42";
    await transport.send({ jobId, jobName: "greeting", body: "{}", delaySeconds: 3600 });
    await expect(
      transport.send({ jobId, jobName: "greeting", body: "{}", delaySeconds: 3600 }),
    ).rejects.toMatchObject({ code: "JobIdInUse" });
  });
});

describe("the schedule's target input, executed as Scheduler would", () => {
  it("sends the job to its queue, and the job function runs it with its id", async () => {
    // On a whole minute: no seconds left over, so moto has no DelaySeconds to wait out.
    const { layout, transport, schedule } = await setup(Date.UTC(2026, 2, 1, 10, 0, 0));
    const jobId = newJobId(NOW);
    await transport.send({
      jobId,
      jobName: "greeting",
      body: '{"friendName":"<b>Hank</b>"}',
      delaySeconds: 7200,
    });
    const input = JSON.parse((await schedule(jobId)).Target!.Input!) as SendMessageCommandInput;
    expect(input.DelaySeconds).toBe(0);
    await clients.sqs.send(new SendMessageCommand(input));

    const messages = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    expect(messages).toHaveLength(1);
    const ran: Array<{ jobId: string; friendName: string }> = [];
    const job = defineJob({
      schema: z.object({ friendName: z.string() }),
      handler: async ({ friendName }, ctx) => {
        ran.push({ jobId: ctx.jobId, friendName });
      },
    });
    const { queueUrl, dlqUrl } = layout.queues.greeting!;
    const handler = createJobFunction(job, {
      jobName: "greeting",
      queueUrl,
      dlqUrl,
      sqs: clients.sqs,
      logger: silentLogger,
      env: {},
    });
    const event = toSqsEvent(messages, transport.queueArn("greeting"), transport.region);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(ran).toEqual([{ jobId, friendName: "<b>Hank</b>" }]);
  });
});

describe("cancelling a job delayed beyond 900 s", () => {
  it("deletes its schedule (DELETE /jobs/:id on the API function)", async () => {
    const { layout, groupName, scheduling, transport, schedules } = await setup();
    const dynamodb = new DynamoDBClient(clients.config);
    try {
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
      const records = createDynamoJobRecords({ dynamodb, tableName, jobNames: ["greeting"] });
      const recorded = layout.transport({ scheduling, scheduler, records });
      const kept = newJobId(NOW);
      const cancelled = newJobId(NOW);
      for (const jobId of [kept, cancelled]) {
        await recorded.send({ jobId, jobName: "greeting", body: "{}", delaySeconds: 7200 });
      }
      expect(await schedules()).toHaveLength(2);

      const api = createApiFunction({
        jobs: { greeting: defineJob({ handler: async () => {} }) },
        transport,
        records,
        scheduler,
        logger: silentLogger,
        env: {
          OFFLOAD_SCHEDULE_GROUP: groupName,
          OFFLOAD_SCHEDULER_ROLE_ARNS: JSON.stringify({ greeting: ROLE_ARN }),
        },
      });
      const response = await api(httpApiEvent({ method: "DELETE", path: `/jobs/${cancelled}` }));
      expect(response.statusCode).toBe(200);
      expect((await schedules()).map((s) => s.Name)).toEqual([scheduleNameOf(kept)]);
      // A job whose schedule has fired (and was deleted by Scheduler) is cancelled all the same.
      await scheduler.send(
        new DeleteScheduleCommand({ GroupName: groupName, Name: scheduleNameOf(kept) }),
      );
      const again = await api(httpApiEvent({ method: "DELETE", path: `/jobs/${kept}` }));
      expect(again.statusCode).toBe(200);
      expect(await schedules()).toEqual([]);
    } finally {
      dynamodb.destroy();
    }
  });
});
