import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_LETTER_REASON_ATTRIBUTE } from "../../src/aws/index.js";
import { TestClock } from "../../src/core/clock.js";
import { newJobId } from "../../src/core/job-id.js";
import {
  attribute,
  createLayout,
  type MotoClients,
  queueArn,
  startMotoClients,
} from "./support.js";

let clients: MotoClients;
beforeAll(async () => {
  clients = await startMotoClients();
});
afterAll(async () => {
  await clients?.close();
});

const twoJobs = () => createLayout(clients, [{ name: "greeting" }, { name: "place-order" }]);

describe("the AWS transport over moto: sending", () => {
  it("publishes a job to the topic, and it reaches only its own job's queue", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    const id = await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "greeting",
      body: '{"friendName":"Hank"}',
      idempotencyKey: "welcome-42",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    expect(id).toMatch(/\S/);
    const [message, ...more] = await layout.receiveAll(layout.queues.greeting!.queueUrl);
    expect(more).toHaveLength(0);
    expect(message?.Body).toBe('{"friendName":"Hank"}');
    expect(attribute(message!, "jobName")).toBe("greeting");
    expect(attribute(message!, "idempotencyKey")).toBe("welcome-42");
    expect(attribute(message!, "traceparent")).toBe(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    );
    expect(await layout.receiveAll(layout.queues["place-order"]!.queueUrl)).toEqual([]);
  });

  it("sends a delayed job straight to its queue with DelaySeconds, which moto holds back", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "place-order",
      body: '{"n":1}',
      delaySeconds: 600,
    });
    const { queueUrl } = layout.queues["place-order"]!;
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await layout.receiveAll(queueUrl)).toEqual([]);
    expect(await layout.counts(layout.queues.greeting!.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
    expect(await transport.stats("place-order")).toMatchObject({ visible: 0, delayed: 1 });
  });

  it("refuses an unknown job, naming the jobs it has", async () => {
    const transport = (await twoJobs()).transport();
    await expect(
      transport.send({ jobId: newJobId(Date.now()), jobName: "nope", body: "{}" }),
    ).rejects.toMatchObject({
      code: "UnknownJob",
      message: 'There is no job "nope" in this stack; the jobs are: greeting, place-order',
    });
  });
});

describe("the AWS transport over moto: receiving", () => {
  it("receives with the system and message attributes, and deletes more than 10 in batches", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    for (let n = 0; n < 12; n++)
      await transport.send({
        jobId: newJobId(Date.now()),
        jobName: "greeting",
        body: `{"n":${n}}`,
      });
    const received = [];
    for (let i = 0; i < 5 && received.length < 12; i++) {
      received.push(
        ...(await transport.receive("greeting", { maxMessages: 10, waitTimeSeconds: 0 })),
      );
    }
    expect(received).toHaveLength(12);
    const first = received[0]!;
    expect(first.attributes.ApproximateReceiveCount).toBe("1");
    expect(Number(first.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(first.messageAttributes.jobName).toEqual({
      dataType: "String",
      stringValue: "greeting",
    });
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    await transport.deleteMessages(
      "greeting",
      received.map((m) => m.receiptHandle),
    );
    expect(await layout.counts(layout.queues.greeting!.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  });

  it("reports a delete SQS refuses as an error", async () => {
    const transport = (await twoJobs()).transport();
    await expect(
      transport.deleteMessages("greeting", ["not-a-receipt-handle"]),
    ).rejects.toMatchObject({
      code: "DeleteFailed",
      message: expect.stringMatching(/ReceiptHandleIsInvalid/),
    });
  });

  it("makes a received message visible again with changeVisibility", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await transport.send({ jobId: newJobId(Date.now()), jobName: "greeting", body: "{}" });
    const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    // Hidden for the queue's 30 s visibility timeout...
    expect(await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 })).toEqual([]);
    await transport.changeVisibility("greeting", message!.receiptHandle, 0);
    // ...until made visible again.
    const [again] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    expect(again).toMatchObject({
      messageId: message!.messageId,
      attributes: { ApproximateReceiveCount: "2" },
    });
  });

  it("resolves an aborted long poll with no messages", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    const controller = new AbortController();
    // Abort while the ReceiveMessage call is under way (in its middleware), not before it.
    clients.sqs.middlewareStack.add(
      (next) => async (args) => {
        controller.abort();
        return next(args);
      },
      { step: "finalizeRequest", name: "abortDuringReceive" },
    );
    try {
      await expect(
        transport.receive("greeting", {
          maxMessages: 1,
          waitTimeSeconds: 20,
          signal: controller.signal,
        }),
      ).resolves.toEqual([]);
    } finally {
      clients.sqs.middlewareStack.remove("abortDuringReceive");
    }
  });

  it("reports the queue's ARN as SQS does, and the region", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    expect(transport.queueArn("place-order")).toBe(
      await queueArn(clients.sqs, layout.queues["place-order"]!.queueUrl),
    );
    expect(transport.region).toBe("us-east-1");
  });
});

describe("the AWS transport over moto: dead letters", () => {
  it("moves a received message to the DLQ with its body, attributes and the reason", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "greeting",
      body: '{"a":1}',
      idempotencyKey: "k1",
    });
    const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    await transport.deadLetter("greeting", message!, "Unrecoverable: bad address");
    const { queueUrl, dlqUrl } = layout.queues.greeting!;
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead, ...more] = await layout.receiveAll(dlqUrl);
    expect(more).toHaveLength(0);
    expect(dead?.Body).toBe('{"a":1}');
    expect(attribute(dead!, "jobName")).toBe("greeting");
    expect(attribute(dead!, "idempotencyKey")).toBe("k1");
    expect(attribute(dead!, DEAD_LETTER_REASON_ATTRIBUTE)).toBe("Unrecoverable: bad address");
  });

  it("keeps the message in its queue when sending it to the DLQ fails", async () => {
    const layout = await twoJobs();
    const { queueUrl } = layout.queues.greeting!;
    const transport = layout.transport({
      queues: { greeting: { queueUrl, dlqUrl: `${queueUrl}-no-such-dlq` } },
    });
    await transport.send({ jobId: newJobId(Date.now()), jobName: "greeting", body: "{}" });
    const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    await expect(transport.deadLetter("greeting", message!, "boom")).rejects.toThrow();
    expect(await layout.counts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });

  it("lists the DLQ oldest first without consuming it", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "greeting",
      body: '{"first":true}',
    });
    const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    await transport.deadLetter("greeting", message!, "boom");
    const ids = await layout.fillDlq("greeting", ['{"n":2}', '{"n":3}']);

    const listed = await transport.dlq.list("greeting", { limit: 10 });
    expect(listed.map((m) => m.body).sort()).toEqual(['{"first":true}', '{"n":2}', '{"n":3}']);
    expect(listed.map((m) => m.sentAt)).toEqual([...listed.map((m) => m.sentAt)].sort());
    const first = listed.find((m) => m.body === '{"first":true}');
    expect(first).toMatchObject({
      attributes: { jobName: "greeting" },
      receiveCount: 0,
      lastError: "boom",
      firstError: undefined,
    });
    expect(listed.filter((m) => ids.includes(m.messageId))).toHaveLength(2);

    // Still there, visible at once; each listing is one more receive.
    const again = await transport.dlq.list("greeting", { limit: 10 });
    expect(again.map((m) => m.messageId).sort()).toEqual(listed.map((m) => m.messageId).sort());
    expect(again.every((m) => m.receiveCount === 1)).toBe(true);
    expect(await layout.counts(layout.queues.greeting!.dlqUrl)).toEqual({
      visible: 3,
      inFlight: 0,
      delayed: 0,
    });
    expect(await transport.dlq.list("greeting", { limit: 2 })).toHaveLength(2);
  });

  it("redrives chosen messages to the queue and leaves the others in the DLQ", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await transport.send({ jobId: newJobId(Date.now()), jobName: "greeting", body: '{"n":1}' });
    const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    await transport.deadLetter("greeting", message!, "boom");
    const [deadId] = (await transport.dlq.list("greeting", { limit: 1 })).map((m) => m.messageId);
    const [keep, other] = await layout.fillDlq("greeting", ['{"n":2}', '{"n":3}']);

    expect(
      await transport.dlq.redrive("greeting", { ids: [deadId!, other!, "no-such-id"] }),
    ).toEqual({ moved: 2, notFound: ["no-such-id"] });
    const left = await transport.dlq.list("greeting", { limit: 10 });
    expect(left.map((m) => m.messageId)).toEqual([keep]);
    const back = await layout.receiveAll(layout.queues.greeting!.queueUrl);
    expect(back.map((m) => m.Body).sort()).toEqual(['{"n":1}', '{"n":3}']);
    for (const m of back) {
      expect(attribute(m, "jobName")).toBe("greeting");
      expect(attribute(m, DEAD_LETTER_REASON_ATTRIBUTE)).toBeUndefined();
    }
  });

  it("purges the DLQ, counting what was there", async () => {
    const layout = await twoJobs();
    const transport = layout.transport();
    await layout.fillDlq("place-order", ["{}", "{}"]);
    expect(await transport.dlq.purge("place-order")).toEqual({ purged: 2 });
    expect(await layout.counts(layout.queues["place-order"]!.dlqUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  });
});

describe("the AWS transport over moto: stats", () => {
  it("counts visible, in-flight and delayed messages, and the DLQ with its oldest message's age", async () => {
    const layout = await twoJobs();
    const clock = new TestClock(Date.now() + 3_600_000);
    const transport = layout.transport({ clock });
    for (let n = 0; n < 3; n++)
      await transport.send({ jobId: newJobId(Date.now()), jobName: "greeting", body: "{}" });
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "greeting",
      body: "{}",
      delaySeconds: 900,
    });
    await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    await layout.fillDlq("greeting", ["{}", "{}"]);
    const oldest = Math.min(
      ...(await transport.dlq.list("greeting", { limit: 10 })).map((m) => m.sentAt),
    );
    expect(await transport.stats("greeting")).toEqual({
      visible: 2,
      inFlight: 1,
      delayed: 1,
      oldestMessageAgeSeconds: 0,
      dlq: { visible: 2, oldestMessageAgeSeconds: Math.floor((clock.now() - oldest) / 1000) },
    });
    // Peeking for the age left the DLQ's messages visible.
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: layout.queues.greeting!.dlqUrl,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages).toHaveLength(2);
    expect(await transport.stats("place-order")).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
      oldestMessageAgeSeconds: 0,
      dlq: { visible: 0, oldestMessageAgeSeconds: 0 },
    });
  });

  it("needs the job's DLQ URL for stats and the DLQ operations", async () => {
    const layout = await twoJobs();
    const transport = layout.transport({
      queues: { greeting: { queueUrl: layout.queues.greeting!.queueUrl } },
    });
    await expect(transport.stats("greeting")).rejects.toMatchObject({
      code: "NoDeadLetterQueue",
      message: expect.stringMatching(/queues\["greeting"\]\.dlqUrl/),
    });
    await expect(transport.dlq.list("greeting", { limit: 1 })).rejects.toMatchObject({
      code: "NoDeadLetterQueue",
    });
  });
});
