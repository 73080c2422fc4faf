import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsErrorCode, expectAwsError } from "../support/aws-error.js";
import type { ConformanceTarget } from "./target.js";

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

/**
 * Where a target other than offload is known to differ from AWS, each one a
 * row of DIFFERENCES.md with the AWS documentation that settles it. A quirk
 * does not skip the check: it asserts the target's known behaviour instead of
 * AWS's, so a target that starts agreeing with AWS fails and the quirk goes.
 * offload's own targets (the engine, the wire endpoint) set none.
 */
export interface ConformanceQuirks {
  /** CreateQueue accepts an attribute name SQS does not have, instead of InvalidAttributeName. */
  readonly acceptsUnknownQueueAttribute?: boolean;
  /** A RedrivePolicy maxReceiveCount outside 1 to 1,000 is accepted, instead of InvalidParameterValue. */
  readonly acceptsMaxReceiveCountOutOfRange?: boolean;
}

/**
 * One suite of SQS and SNS behaviour, run unchanged against every target.
 * Queue and topic names are unique per run, so a shared server is fine.
 */
export function defineConformanceSuite(
  label: string,
  open: () => Promise<ConformanceTarget>,
  quirks: ConformanceQuirks = {},
): void {
  describe(`conformance: ${label}`, () => {
    let t: ConformanceTarget;
    const run = randomUUID().slice(0, 8);
    let counter = 0;
    const name = (hint: string) => `c-${run}-${hint}-${counter++}`;

    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.close();
    });

    async function queue(hint: string, Attributes?: Record<string, string>) {
      const { QueueUrl } = await t.sqs.createQueue({
        QueueName: name(hint),
        ...(Attributes ? { Attributes } : {}),
      });
      const { Attributes: attrs } = await t.sqs.getQueueAttributes({
        QueueUrl,
        AttributeNames: ["QueueArn"],
      });
      return { url: QueueUrl, arn: attrs!.QueueArn! };
    }

    async function count(url: string, attribute = "ApproximateNumberOfMessages"): Promise<number> {
      const { Attributes } = await t.sqs.getQueueAttributes({
        QueueUrl: url,
        AttributeNames: [attribute],
      });
      return Number(Attributes?.[attribute]);
    }

    async function receiveOne(url: string, visibility?: number) {
      const { Messages } = await t.sqs.receiveMessage({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      });
      return Messages?.[0];
    }

    describe("queues", () => {
      it("creates idempotently with equal attributes and refuses different ones", async () => {
        const queueName = name("idem");
        const a = await t.sqs.createQueue({
          QueueName: queueName,
          Attributes: { VisibilityTimeout: "45" },
        });
        const b = await t.sqs.createQueue({
          QueueName: queueName,
          Attributes: { VisibilityTimeout: "45" },
        });
        expect(b.QueueUrl).toBe(a.QueueUrl);
        await expectAwsError(
          t.sqs.createQueue({ QueueName: queueName, Attributes: { VisibilityTimeout: "46" } }),
          "QueueAlreadyExists",
        );
      });

      it("gets the URL by name, lists by prefix and deletes", async () => {
        const queueName = name("list");
        const { QueueUrl } = await t.sqs.createQueue({ QueueName: queueName });
        expect((await t.sqs.getQueueUrl({ QueueName: queueName })).QueueUrl).toBe(QueueUrl);
        expect(QueueUrl.endsWith(`/${queueName}`)).toBe(true);
        const listed = await t.sqs.listQueues({ QueueNamePrefix: queueName });
        expect(listed.QueueUrls).toEqual([QueueUrl]);
        await t.sqs.deleteQueue({ QueueUrl });
        await expectAwsError(
          t.sqs.getQueueUrl({ QueueName: queueName }),
          "AWS.SimpleQueueService.NonExistentQueue",
        );
      });

      it("returns AWS's default attributes and an ARN in AWS's format", async () => {
        const q = await queue("attrs");
        const { Attributes } = await t.sqs.getQueueAttributes({
          QueueUrl: q.url,
          AttributeNames: ["All"],
        });
        expect(Attributes).toMatchObject({
          VisibilityTimeout: "30",
          DelaySeconds: "0",
          MessageRetentionPeriod: "345600",
          ReceiveMessageWaitTimeSeconds: "0",
          ApproximateNumberOfMessages: "0",
          ApproximateNumberOfMessagesNotVisible: "0",
          ApproximateNumberOfMessagesDelayed: "0",
        });
        expect(Attributes?.QueueArn).toMatch(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:c-/);
      });

      it("sets attributes and reads them back", async () => {
        const q = await queue("set");
        await t.sqs.setQueueAttributes({
          QueueUrl: q.url,
          Attributes: { VisibilityTimeout: "120", DelaySeconds: "5" },
        });
        const { Attributes } = await t.sqs.getQueueAttributes({
          QueueUrl: q.url,
          AttributeNames: ["VisibilityTimeout", "DelaySeconds"],
        });
        expect(Attributes).toEqual({ VisibilityTimeout: "120", DelaySeconds: "5" });
      });

      it("refuses an unknown attribute name", async () => {
        const creating = t.sqs.createQueue({
          QueueName: name("bad"),
          Attributes: { Colour: "blue" },
        });
        if (quirks.acceptsUnknownQueueAttribute) {
          expect((await creating).QueueUrl).toBeTruthy();
          return;
        }
        await expectAwsError(creating, "InvalidAttributeName");
      });

      it("answers NonExistentQueue for a queue that does not exist", async () => {
        const { QueueUrl } = await t.sqs.createQueue({ QueueName: name("gone") });
        await t.sqs.deleteQueue({ QueueUrl });
        await expectAwsError(
          t.sqs.sendMessage({ QueueUrl, MessageBody: "x" }),
          "AWS.SimpleQueueService.NonExistentQueue",
        );
      });

      it("tags and untags a queue", async () => {
        const q = await queue("tags");
        await t.sqs.tagQueue({ QueueUrl: q.url, Tags: { team: "jobs", env: "test" } });
        await t.sqs.untagQueue({ QueueUrl: q.url, TagKeys: ["env"] });
        expect((await t.sqs.listQueueTags({ QueueUrl: q.url })).Tags).toEqual({ team: "jobs" });
      });
    });

    describe("messages", () => {
      it("delivers body, MD5s, attributes and system attributes", async () => {
        const q = await queue("send");
        const sent = await t.sqs.sendMessage({
          QueueUrl: q.url,
          MessageBody: "hello ☃",
          MessageAttributes: { Foo: { DataType: "String", StringValue: "Bar" } },
        });
        expect(sent.MD5OfMessageBody).toBe(md5("hello ☃"));
        // The value AWS returns for this attribute (Amazon SQS message metadata docs).
        expect(sent.MD5OfMessageAttributes).toBe("ae7155c6026991b6d54b11589678bf9c");
        const m = await receiveOne(q.url);
        expect(m?.MessageId).toBe(sent.MessageId);
        expect(m?.Body).toBe("hello ☃");
        expect(m?.MD5OfBody).toBe(md5("hello ☃"));
        expect(m?.MessageAttributes).toEqual({ Foo: { DataType: "String", StringValue: "Bar" } });
        expect(m?.MD5OfMessageAttributes).toBe("ae7155c6026991b6d54b11589678bf9c");
        expect(m?.Attributes?.ApproximateReceiveCount).toBe("1");
        expect(Number(m?.Attributes?.SentTimestamp)).toBeGreaterThan(1_500_000_000_000);
        expect(Number(m?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
          Number(m?.Attributes?.SentTimestamp),
        );
      });

      it("keeps Number and Binary attributes", async () => {
        const q = await queue("types");
        await t.sqs.sendMessage({
          QueueUrl: q.url,
          MessageBody: "x",
          MessageAttributes: {
            n: { DataType: "Number", StringValue: "99.12" },
            b: { DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) },
          },
        });
        const m = await receiveOne(q.url);
        expect(m?.MessageAttributes?.n).toEqual({ DataType: "Number", StringValue: "99.12" });
        expect(Array.from(m?.MessageAttributes?.b?.BinaryValue ?? [])).toEqual([2, 3, 4]);
      });

      it("hides a received message for its visibility timeout and releases it on change to 0", async () => {
        const q = await queue("vis");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "v" });
        const first = await receiveOne(q.url, 300);
        expect(first).toBeDefined();
        expect(await receiveOne(q.url)).toBeUndefined();
        expect(await count(q.url, "ApproximateNumberOfMessagesNotVisible")).toBe(1);
        await t.sqs.changeMessageVisibility({
          QueueUrl: q.url,
          ReceiptHandle: first!.ReceiptHandle,
          VisibilityTimeout: 0,
        });
        const second = await receiveOne(q.url);
        expect(second?.MessageId).toBe(first?.MessageId);
        expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
        expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
      });

      it("counts every receive", async () => {
        const q = await queue("count");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "c" });
        for (let i = 1; i <= 3; i++) {
          expect((await receiveOne(q.url, 0))?.Attributes?.ApproximateReceiveCount).toBe(String(i));
        }
      });

      it("deletes with the receipt handle, and deleting again succeeds", async () => {
        const q = await queue("del");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "d" });
        const m = await receiveOne(q.url, 0);
        await t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: m!.ReceiptHandle });
        await t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: m!.ReceiptHandle });
        expect(await receiveOne(q.url)).toBeUndefined();
        expect(await count(q.url)).toBe(0);
      });

      it("refuses a garbage receipt handle", async () => {
        const q = await queue("garbage");
        await expectAwsError(
          t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: "garbage" }),
          "ReceiptHandleIsInvalid",
        );
      });

      it("receives up to MaxNumberOfMessages and refuses 11", async () => {
        const q = await queue("max");
        await t.sqs.sendMessageBatch({
          QueueUrl: q.url,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `b${i}` })),
        });
        const got = new Set<string>();
        for (let i = 0; i < 10 && got.size < 10; i++) {
          const { Messages = [] } = await t.sqs.receiveMessage({
            QueueUrl: q.url,
            MaxNumberOfMessages: 10,
          });
          expect(Messages.length).toBeLessThanOrEqual(10);
          for (const m of Messages) got.add(m.Body);
        }
        expect(got.size).toBe(10);
        await expectAwsError(
          t.sqs.receiveMessage({ QueueUrl: q.url, MaxNumberOfMessages: 11 }),
          "InvalidParameterValue",
        );
      });

      it("holds back a delayed message and counts it as delayed", async () => {
        const q = await queue("delay");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "later", DelaySeconds: 600 });
        expect(await receiveOne(q.url)).toBeUndefined();
        expect(await count(q.url, "ApproximateNumberOfMessagesDelayed")).toBe(1);
        if (!t.advance) return;
        await t.advance(600_000);
        expect((await receiveOne(q.url))?.Body).toBe("later");
      });

      it("refuses a delay over 900 seconds", async () => {
        const q = await queue("delay-max");
        await expectAwsError(
          t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x", DelaySeconds: 901 }),
          "InvalidParameterValue",
        );
      });

      it("refuses a message larger than MaximumMessageSize", async () => {
        const q = await queue("size", { MaximumMessageSize: "1024" });
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x".repeat(1024) });
        await expectAwsError(
          t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x".repeat(1025) }),
          "InvalidParameterValue",
        );
      });

      it("wakes a long poll as soon as a message arrives", async () => {
        const q = await queue("poll");
        const polling = t.sqs.receiveMessage({ QueueUrl: q.url, WaitTimeSeconds: 20 });
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "wake" });
        const { Messages } = await polling;
        expect(Messages?.[0]?.Body).toBe("wake");
      });

      it("ends a long poll empty after WaitTimeSeconds", async () => {
        if (!t.advance) return;
        const q = await queue("poll-empty");
        const polling = t.sqs.receiveMessage({ QueueUrl: q.url, WaitTimeSeconds: 20 });
        await t.advance(20_000);
        expect((await polling).Messages).toBeUndefined();
      });

      it("returns a message to the queue when its visibility timeout expires", async () => {
        if (!t.advance) return;
        const q = await queue("expire");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "e" });
        await receiveOne(q.url, 30);
        await t.advance(29_999);
        expect(await receiveOne(q.url)).toBeUndefined();
        await t.advance(1);
        expect((await receiveOne(q.url))?.Attributes?.ApproximateReceiveCount).toBe("2");
      });

      it("purges a queue", async () => {
        const q = await queue("purge");
        await t.sqs.sendMessageBatch({
          QueueUrl: q.url,
          Entries: [1, 2, 3].map((i) => ({ Id: `p${i}`, MessageBody: `p${i}` })),
        });
        await t.sqs.purgeQueue({ QueueUrl: q.url });
        expect(await receiveOne(q.url)).toBeUndefined();
        expect(await count(q.url)).toBe(0);
      });
    });

    describe("batches", () => {
      it("reports success per entry", async () => {
        const q = await queue("batch");
        const out = await t.sqs.sendMessageBatch({
          QueueUrl: q.url,
          Entries: [
            { Id: "a", MessageBody: "A" },
            { Id: "b", MessageBody: "B", DelaySeconds: 0 },
          ],
        });
        expect(out.Successful.map((s) => s.Id).sort()).toEqual(["a", "b"]);
        expect(out.Successful.find((s) => s.Id === "a")?.MD5OfMessageBody).toBe(md5("A"));
        expect(out.Failed ?? []).toEqual([]);
      });

      it("refuses more than 10 entries, none, and repeated ids", async () => {
        const q = await queue("batch-bad");
        await expectAwsError(
          t.sqs.sendMessageBatch({
            QueueUrl: q.url,
            Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" })),
          }),
          "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        );
        await expectAwsError(
          t.sqs.sendMessageBatch({ QueueUrl: q.url, Entries: [] }),
          "AWS.SimpleQueueService.EmptyBatchRequest",
        );
        await expectAwsError(
          t.sqs.sendMessageBatch({
            QueueUrl: q.url,
            Entries: [
              { Id: "same", MessageBody: "1" },
              { Id: "same", MessageBody: "2" },
            ],
          }),
          "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        );
        expect(await count(q.url)).toBe(0);
      });

      it("deletes a batch and fails only the bad entry", async () => {
        const q = await queue("del-batch");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "ok" });
        const m = await receiveOne(q.url, 0);
        const out = await t.sqs.deleteMessageBatch({
          QueueUrl: q.url,
          Entries: [
            { Id: "good", ReceiptHandle: m!.ReceiptHandle },
            { Id: "bad", ReceiptHandle: "garbage" },
          ],
        });
        expect(out.Successful.map((s) => s.Id)).toEqual(["good"]);
        expect(out.Failed.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
          ["bad", "ReceiptHandleIsInvalid", true],
        ]);
        expect(await receiveOne(q.url)).toBeUndefined();
      });

      it("changes visibility in a batch", async () => {
        const q = await queue("cmv-batch");
        await t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "v" });
        const m = await receiveOne(q.url, 300);
        const out = await t.sqs.changeMessageVisibilityBatch({
          QueueUrl: q.url,
          Entries: [{ Id: "one", ReceiptHandle: m!.ReceiptHandle, VisibilityTimeout: 0 }],
        });
        expect(out.Successful).toEqual([{ Id: "one" }]);
        expect((await receiveOne(q.url))?.MessageId).toBe(m?.MessageId);
      });
    });

    describe("dead-letter queues", () => {
      async function withDlq(maxReceiveCount: number) {
        const dlq = await queue("dlq");
        const source = await queue("src", {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
        });
        return { dlq, source };
      }

      it("moves a message after maxReceiveCount receives, keeping its id and body", async () => {
        const { dlq, source } = await withDlq(2);
        const sent = await t.sqs.sendMessage({ QueueUrl: source.url, MessageBody: "poison" });
        expect(await receiveOne(source.url, 0)).toBeDefined();
        expect(await receiveOne(source.url, 0)).toBeDefined();
        expect(await receiveOne(source.url, 0)).toBeUndefined();
        const dead = await receiveOne(dlq.url);
        expect(dead?.MessageId).toBe(sent.MessageId);
        expect(dead?.Body).toBe("poison");
      });

      it("lists the queues that use a DLQ", async () => {
        const { dlq, source } = await withDlq(3);
        const out = await t.sqs.listDeadLetterSourceQueues({ QueueUrl: dlq.url });
        expect(out.queueUrls).toEqual([source.url]);
      });

      it("refuses a redrive policy whose target does not exist or whose count is out of range", async () => {
        const dlq = await queue("dlq-range");
        const creating = t.sqs.createQueue({
          QueueName: name("bad-count"),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 0 }),
          },
        });
        if (quirks.acceptsMaxReceiveCountOutOfRange) {
          expect((await creating).QueueUrl).toBeTruthy();
          return;
        }
        const err = await expectAwsError(creating, "InvalidParameterValue");
        expect(err.message).toMatch(/maxReceiveCount/);
      });

      it("redrives a DLQ back to the source queue with a move task", async () => {
        if (!t.moveTasks) return;
        const { dlq, source } = await withDlq(1);
        await t.sqs.sendMessageBatch({
          QueueUrl: source.url,
          Entries: [1, 2, 3].map((i) => ({ Id: `r${i}`, MessageBody: `r${i}` })),
        });
        for (let i = 0; i < 3; i++)
          await t.sqs.receiveMessage({
            QueueUrl: source.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
          });
        await t.sqs.receiveMessage({ QueueUrl: source.url, MaxNumberOfMessages: 10 });
        expect(await count(dlq.url)).toBe(3);
        const { TaskHandle } = await t.sqs.startMessageMoveTask({ SourceArn: dlq.arn });
        expect(TaskHandle).toBeTruthy();
        await t.settle?.();
        const { Results } = await t.sqs.listMessageMoveTasks({ SourceArn: dlq.arn });
        expect(Results[0]).toMatchObject({
          Status: "COMPLETED",
          ApproximateNumberOfMessagesMoved: 3,
        });
        expect(await count(dlq.url)).toBe(0);
        expect(await count(source.url)).toBe(3);
        const back = await receiveOne(source.url);
        expect(back?.Attributes?.ApproximateReceiveCount).toBe("1");
      });

      it("refuses a move task from a queue that is not a DLQ", async () => {
        if (!t.moveTasks) return;
        const q = await queue("not-dlq");
        await expectAwsError(
          t.sqs.startMessageMoveTask({ SourceArn: q.arn }),
          "InvalidParameterValue",
        );
      });
    });

    describe("sns", () => {
      async function topicWithQueue(attributes: Record<string, string>) {
        const { TopicArn } = await t.sns.createTopic({ Name: name("topic") });
        const q = await queue("sub");
        await t.sns.subscribe({
          TopicArn,
          Protocol: "sqs",
          Endpoint: q.arn,
          Attributes: attributes,
        });
        return { TopicArn, q };
      }

      it("creates topics idempotently and lists them", async () => {
        const topicName = name("topic");
        const a = await t.sns.createTopic({ Name: topicName });
        const b = await t.sns.createTopic({ Name: topicName });
        expect(b.TopicArn).toBe(a.TopicArn);
        expect(a.TopicArn).toMatch(new RegExp(`^arn:aws:sns:[a-z0-9-]+:\\d{12}:${topicName}$`));
        const arns: string[] = [];
        let NextToken: string | undefined;
        do {
          const page = await t.sns.listTopics(NextToken ? { NextToken } : {});
          arns.push(...(page.Topics ?? []).map((x) => x.TopicArn!));
          NextToken = page.NextToken;
        } while (NextToken);
        expect(arns).toContain(a.TopicArn);
      });

      it("delivers raw messages with attributes to matching subscriptions only", async () => {
        const { TopicArn, q } = await topicWithQueue({
          RawMessageDelivery: "true",
          FilterPolicy: JSON.stringify({ jobName: ["greeting"] }),
        });
        await t.sns.publish({
          TopicArn,
          Message: '{"friendName":"Hank"}',
          MessageAttributes: { jobName: { DataType: "String", StringValue: "greeting" } },
        });
        await t.sns.publish({
          TopicArn,
          Message: "other",
          MessageAttributes: { jobName: { DataType: "String", StringValue: "resize-image" } },
        });
        const m = await receiveOne(q.url);
        expect(m?.Body).toBe('{"friendName":"Hank"}');
        expect(m?.MessageAttributes?.jobName).toEqual({
          DataType: "String",
          StringValue: "greeting",
        });
        expect(await receiveOne(q.url)).toBeUndefined();
      });

      it("wraps messages in SNS's envelope without raw delivery", async () => {
        const { TopicArn, q } = await topicWithQueue({});
        const { MessageId } = await t.sns.publish({
          TopicArn,
          Message: "wrapped",
          Subject: "greetings",
          MessageAttributes: { kind: { DataType: "String", StringValue: "demo" } },
        });
        const m = await receiveOne(q.url);
        const body = JSON.parse(m!.Body) as Record<string, unknown>;
        expect(body).toMatchObject({
          Type: "Notification",
          MessageId,
          TopicArn,
          Subject: "greetings",
          Message: "wrapped",
          MessageAttributes: { kind: { Type: "String", Value: "demo" } },
        });
        expect(Number.isNaN(Date.parse(String(body.Timestamp)))).toBe(false);
      });

      it("filters on the message body with FilterPolicyScope MessageBody", async () => {
        const { TopicArn, q } = await topicWithQueue({
          RawMessageDelivery: "true",
          FilterPolicyScope: "MessageBody",
          FilterPolicy: JSON.stringify({ order: { quantity: [{ numeric: [">", 10] }] } }),
        });
        await t.sns.publish({ TopicArn, Message: JSON.stringify({ order: { quantity: 5 } }) });
        await t.sns.publish({ TopicArn, Message: JSON.stringify({ order: { quantity: 50 } }) });
        expect(JSON.parse((await receiveOne(q.url))!.Body)).toEqual({ order: { quantity: 50 } });
        expect(await receiveOne(q.url)).toBeUndefined();
      });

      it("publishes a batch", async () => {
        const { TopicArn, q } = await topicWithQueue({ RawMessageDelivery: "true" });
        const out = await t.sns.publishBatch({
          TopicArn,
          PublishBatchRequestEntries: [
            { Id: "one", Message: "1" },
            { Id: "two", Message: "2" },
          ],
        });
        expect(out.Successful?.map((s) => s.Id).sort()).toEqual(["one", "two"]);
        const { Messages = [] } = await t.sqs.receiveMessage({
          QueueUrl: q.url,
          MaxNumberOfMessages: 10,
        });
        expect(Messages.map((m) => m.Body).sort()).toEqual(["1", "2"]);
      });

      it("unsubscribes", async () => {
        const { TopicArn, q } = await topicWithQueue({ RawMessageDelivery: "true" });
        const { Subscriptions = [] } = await t.sns.listSubscriptionsByTopic({ TopicArn });
        expect(Subscriptions).toHaveLength(1);
        expect(Subscriptions[0]).toMatchObject({ Protocol: "sqs", Endpoint: q.arn, TopicArn });
        await t.sns.unsubscribe({ SubscriptionArn: Subscriptions[0]!.SubscriptionArn! });
        await t.sns.publish({ TopicArn, Message: "nobody" });
        expect(await receiveOne(q.url)).toBeUndefined();
      });

      it("answers NotFound for a topic that does not exist", async () => {
        const { TopicArn } = await t.sns.createTopic({ Name: name("gone") });
        await t.sns.deleteTopic({ TopicArn });
        const err = await t.sns.publish({ TopicArn, Message: "x" }).catch((e: unknown) => e);
        expect(awsErrorCode(err)).toBe("NotFound");
      });
    });
  });
}
