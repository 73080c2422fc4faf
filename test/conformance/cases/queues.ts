import { describe, expect, it } from "vitest";
import { expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";

/** CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes and tags. */
export function queueCases(c: SuiteContext): void {
  describe("queues", () => {
    it("creates idempotently with equal attributes and refuses different ones", async () => {
      const queueName = c.name("idem");
      const a = await c.t.sqs.createQueue({
        QueueName: queueName,
        Attributes: { VisibilityTimeout: "45" },
      });
      const b = await c.t.sqs.createQueue({
        QueueName: queueName,
        Attributes: { VisibilityTimeout: "45" },
      });
      expect(b.QueueUrl).toBe(a.QueueUrl);
      await expectAwsError(
        c.t.sqs.createQueue({ QueueName: queueName, Attributes: { VisibilityTimeout: "46" } }),
        "QueueAlreadyExists",
      );
    });

    it("gets the URL by name, lists by prefix and deletes", async () => {
      const queueName = c.name("list");
      const { QueueUrl } = await c.t.sqs.createQueue({ QueueName: queueName });
      expect((await c.t.sqs.getQueueUrl({ QueueName: queueName })).QueueUrl).toBe(QueueUrl);
      expect(QueueUrl.endsWith(`/${queueName}`)).toBe(true);
      const listed = await c.t.sqs.listQueues({ QueueNamePrefix: queueName });
      expect(listed.QueueUrls).toEqual([QueueUrl]);
      await c.t.sqs.deleteQueue({ QueueUrl });
      await expectAwsError(
        c.t.sqs.getQueueUrl({ QueueName: queueName }),
        "AWS.SimpleQueueService.NonExistentQueue",
      );
    });

    // "If you set MaxResults and there are additional results to display, the response
    // includes a value for NextToken." (API Reference, ListQueues)
    it("pages ListQueues with MaxResults and NextToken", async () => {
      const prefix = c.name("page");
      const urls: string[] = [];
      for (const suffix of ["a", "b", "c"]) {
        urls.push((await c.t.sqs.createQueue({ QueueName: `${prefix}-${suffix}` })).QueueUrl);
      }
      const first = await c.t.sqs.listQueues({ QueueNamePrefix: prefix, MaxResults: 2 });
      if (c.quirks.ignoresMaxResults) {
        expect(first.QueueUrls?.slice().sort()).toEqual(urls);
        expect(first.NextToken).toBeUndefined();
        return;
      }
      expect(first.QueueUrls).toHaveLength(2);
      expect(first.NextToken).toBeTruthy();
      const second = await c.t.sqs.listQueues({
        QueueNamePrefix: prefix,
        MaxResults: 2,
        NextToken: first.NextToken!,
      });
      expect(second.QueueUrls).toHaveLength(1);
      expect(second.NextToken).toBeUndefined();
      expect([...first.QueueUrls!, ...second.QueueUrls!].sort()).toEqual(urls);
    });

    it("returns AWS's default attributes and an ARN in AWS's format", async () => {
      const q = await c.queue("attrs");
      const { Attributes } = await c.t.sqs.getQueueAttributes({
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
      const q = await c.queue("set");
      await c.t.sqs.setQueueAttributes({
        QueueUrl: q.url,
        Attributes: { VisibilityTimeout: "120", DelaySeconds: "5" },
      });
      const { Attributes } = await c.t.sqs.getQueueAttributes({
        QueueUrl: q.url,
        AttributeNames: ["VisibilityTimeout", "DelaySeconds"],
      });
      expect(Attributes).toEqual({ VisibilityTimeout: "120", DelaySeconds: "5" });
    });

    it("refuses an unknown attribute name", async () => {
      const creating = c.t.sqs.createQueue({
        QueueName: c.name("bad"),
        Attributes: { Colour: "blue" },
      });
      if (c.quirks.acceptsUnknownQueueAttribute) {
        expect((await creating).QueueUrl).toBeTruthy();
        return;
      }
      await expectAwsError(creating, "InvalidAttributeName");
    });

    it("answers NonExistentQueue for a queue that does not exist", async () => {
      const { QueueUrl } = await c.t.sqs.createQueue({ QueueName: c.name("gone") });
      await c.t.sqs.deleteQueue({ QueueUrl });
      await expectAwsError(
        c.t.sqs.sendMessage({ QueueUrl, MessageBody: "x" }),
        "AWS.SimpleQueueService.NonExistentQueue",
      );
    });

    it("tags, retags and untags a queue", async () => {
      const q = await c.queue("tags");
      expect((await c.t.sqs.listQueueTags({ QueueUrl: q.url })).Tags ?? {}).toEqual({});
      await c.t.sqs.tagQueue({ QueueUrl: q.url, Tags: { team: "jobs", env: "test" } });
      expect((await c.t.sqs.listQueueTags({ QueueUrl: q.url })).Tags).toEqual({
        team: "jobs",
        env: "test",
      });
      // "A new tag with a key identical to that of an existing tag overwrites the existing
      // tag." (API Reference, TagQueue)
      await c.t.sqs.tagQueue({ QueueUrl: q.url, Tags: { team: "billing" } });
      await c.t.sqs.untagQueue({ QueueUrl: q.url, TagKeys: ["env"] });
      expect((await c.t.sqs.listQueueTags({ QueueUrl: q.url })).Tags).toEqual({
        team: "billing",
      });
      await c.t.sqs.untagQueue({ QueueUrl: q.url, TagKeys: ["team"] });
      expect((await c.t.sqs.listQueueTags({ QueueUrl: q.url })).Tags ?? {}).toEqual({});
    });
  });
}
