import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createJobFunction,
  createLambdaLogger,
  createSqsMessageActions,
  DEAD_LETTER_REASON_ATTRIBUTE,
} from "../../src/aws/index.js";
import { RetryLater, Unrecoverable } from "../../src/core/control-flow.js";
import { defineJob } from "../../src/core/define-job.js";
import { newJobId } from "../../src/core/job-id.js";
import { silentLogger } from "../../src/core/logger.js";
import type { SQSEvent } from "../../src/lambda/index.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";
import { attribute, createLayout, type MotoClients, startMotoClients } from "./support.js";

let clients: MotoClients;
beforeAll(async () => {
  clients = await startMotoClients();
});
afterAll(async () => {
  await clients?.close();
});

/** A layout with one job, a message sent through the transport, and the SQSEvent Lambda would deliver for it. */
async function oneMessage(body: string, binary?: Uint8Array) {
  const layout = await createLayout(clients, [{ name: "greeting" }]);
  const transport = layout.transport();
  const { queueUrl, dlqUrl } = layout.queues.greeting!;
  if (binary) {
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: {
          jobName: { DataType: "String", StringValue: "greeting" },
          blob: { DataType: "Binary", BinaryValue: binary },
        },
      }),
    );
  } else {
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "greeting",
      body,
      idempotencyKey: "k-1",
    });
  }
  const messages = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
  expect(messages).toHaveLength(1);
  const event: SQSEvent = toSqsEvent(messages, transport.queueArn("greeting"), transport.region);
  return { layout, transport, queueUrl, dlqUrl, event, record: event.Records[0]! };
}

describe("createSqsMessageActions over moto", () => {
  it("retryAfter changes the message's visibility", async () => {
    const { layout, queueUrl, dlqUrl, record } = await oneMessage('{"n":1}');
    const actions = createSqsMessageActions({ sqs: clients.sqs, queueUrl, dlqUrl });
    // Received with the queue's 30 s visibility timeout: hidden until retryAfter(0).
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
    await actions.retryAfter(record, 0);
    // Received again, with a visibility timeout of 0: it stays visible unless retryAfter hides it.
    const [again] = await layout.receiveOnce(queueUrl, 0);
    expect(again?.MessageId).toBe(record.messageId);
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 1, inFlight: 0 });
    await actions.retryAfter({ ...record, receiptHandle: again!.ReceiptHandle! }, 600);
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it("deadLetter puts the message in the DLQ, attributes and all, and takes it off the queue", async () => {
    const blob = new Uint8Array([0, 1, 2, 254, 255]);
    const { layout, queueUrl, dlqUrl, record } = await oneMessage('{"n":2}', blob);
    const actions = createSqsMessageActions({ sqs: clients.sqs, queueUrl, dlqUrl });
    await actions.deadLetter(record, "the message body is not JSON");
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead, ...more] = await layout.receiveAll(dlqUrl);
    expect(more).toHaveLength(0);
    expect(dead?.Body).toBe('{"n":2}');
    expect(attribute(dead!, "jobName")).toBe("greeting");
    expect(dead?.MessageAttributes?.blob).toMatchObject({ DataType: "Binary", BinaryValue: blob });
    expect(attribute(dead!, DEAD_LETTER_REASON_ATTRIBUTE)).toBe("the message body is not JSON");
  });
});

const greeting = defineJob({
  schema: z.object({ friendName: z.string() }),
  handler: async ({ friendName }, ctx) => {
    if (friendName === "later") throw new RetryLater("busy", { delay: "0s" });
    if (friendName === "never") throw new Unrecoverable("no such friend");
    if (ctx.jobName !== "greeting") throw new Error(`jobName is ${ctx.jobName}`);
  },
});

describe("createJobFunction", () => {
  it("runs the job for a real SQS event and reports no failures", async () => {
    const { queueUrl, dlqUrl, event } = await oneMessage('{"friendName":"Hank"}');
    const handler = createJobFunction(greeting, {
      env: { OFFLOAD_JOB_NAME: "greeting", OFFLOAD_QUEUE_URL: queueUrl, OFFLOAD_DLQ_URL: dlqUrl },
      sqs: clients.sqs,
      logger: silentLogger,
    });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
  });

  it("reports a RetryLater as a batch item failure, visible again after its delay", async () => {
    const { layout, queueUrl, dlqUrl, event, record } = await oneMessage('{"friendName":"later"}');
    const handler = createJobFunction(greeting, {
      jobName: "greeting",
      queueUrl,
      dlqUrl,
      sqs: clients.sqs,
      logger: silentLogger,
      env: {},
    });
    expect(await handler(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: record.messageId }],
    });
    const [again] = await layout.receiveAll(queueUrl);
    expect(again).toMatchObject({
      MessageId: record.messageId,
      Attributes: expect.objectContaining({ ApproximateReceiveCount: "2" }),
    });
  });

  it("moves an Unrecoverable job to the DLQ from inside the function", async () => {
    const { layout, queueUrl, dlqUrl, event } = await oneMessage('{"friendName":"never"}');
    const handler = createJobFunction(greeting, {
      env: { OFFLOAD_JOB_NAME: "greeting", OFFLOAD_QUEUE_URL: queueUrl, OFFLOAD_DLQ_URL: dlqUrl },
      sqs: clients.sqs,
      logger: silentLogger,
    });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead] = await layout.receiveAll(dlqUrl);
    expect(dead?.Body).toBe('{"friendName":"never"}');
    expect(attribute(dead!, "idempotencyKey")).toBe("k-1");
    expect(attribute(dead!, DEAD_LETTER_REASON_ATTRIBUTE)).toBe("Unrecoverable: no such friend");
  });

  it("names the environment variable it misses", () => {
    const queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/app-greeting";
    expect(() => createJobFunction(greeting, { env: {} })).toThrow(
      /^OFFLOAD_JOB_NAME is not set: it holds the job's name\./,
    );
    expect(() =>
      createJobFunction(greeting, {
        env: { OFFLOAD_JOB_NAME: "greeting", OFFLOAD_QUEUE_URL: " " },
      }),
    ).toThrow(/^OFFLOAD_QUEUE_URL is not set: it holds the job's SQS queue URL\./);
    expect(() =>
      createJobFunction(greeting, {
        env: { OFFLOAD_JOB_NAME: "greeting", OFFLOAD_QUEUE_URL: queueUrl },
      }),
    ).toThrow(/^OFFLOAD_DLQ_URL is not set: it holds the job's DLQ URL\./);
  });
});

describe("createLambdaLogger", () => {
  it("writes JSON lines at or above OFFLOAD_LOG_LEVEL, errors readable", () => {
    const lines: string[] = [];
    const logger = createLambdaLogger({ OFFLOAD_LOG_LEVEL: "warn" }, (line) => lines.push(line));
    logger.info({ jobName: "greeting" }, "not shown");
    logger.warn({ jobName: "greeting", error: new TypeError("bad") }, "job failed");
    logger.error("plain");
    expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toEqual([
      {
        level: "warn",
        time: expect.any(Number),
        jobName: "greeting",
        error: { name: "TypeError", message: "bad" },
        msg: "job failed",
      },
      { level: "error", time: expect.any(Number), msg: "plain" },
    ]);
  });

  it("logs from info up by default", () => {
    const lines: string[] = [];
    const logger = createLambdaLogger({}, (line) => lines.push(line));
    logger.debug("hidden");
    logger.info("shown");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["shown"]);
  });
});
