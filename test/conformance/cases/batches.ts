import { describe, expect, it } from "vitest";
import { expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";
import { md5 } from "./messages.js";

/** SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch. */
export function batchCases(c: SuiteContext): void {
  describe("batches", () => {
    it("reports success per entry", async () => {
      const q = await c.queue("batch");
      const out = await c.t.sqs.sendMessageBatch({
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
      const q = await c.queue("batch-bad");
      await expectAwsError(
        c.t.sqs.sendMessageBatch({
          QueueUrl: q.url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" })),
        }),
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      );
      await expectAwsError(
        c.t.sqs.sendMessageBatch({ QueueUrl: q.url, Entries: [] }),
        "AWS.SimpleQueueService.EmptyBatchRequest",
      );
      await expectAwsError(
        c.t.sqs.sendMessageBatch({
          QueueUrl: q.url,
          Entries: [
            { Id: "same", MessageBody: "1" },
            { Id: "same", MessageBody: "2" },
          ],
        }),
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      );
      expect(await c.count(q.url)).toBe(0);
    });

    it("deletes a batch and fails only the bad entry", async () => {
      const q = await c.queue("del-batch");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "ok" });
      const m = await c.receiveOne(q.url, 0);
      const out = await c.t.sqs.deleteMessageBatch({
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
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });

    // "Because the batch request can result in a combination of successful and unsuccessful
    // actions, you should check for batch errors even when the call returns an HTTP status
    // code of 200." (API Reference, ChangeMessageVisibilityBatch)
    it("changes visibility in a batch and fails only the bad entry", async () => {
      const q = await c.queue("cmv-batch");
      await c.t.sqs.sendMessageBatch({
        QueueUrl: q.url,
        Entries: [
          { Id: "a", MessageBody: "released" },
          { Id: "b", MessageBody: "kept" },
        ],
      });
      const { Messages = [] } = await c.t.sqs.receiveMessage({
        QueueUrl: q.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
      });
      expect(Messages).toHaveLength(2);
      const released = Messages.find((m) => m.Body === "released")!;
      const kept = Messages.find((m) => m.Body === "kept")!;
      const out = await c.t.sqs.changeMessageVisibilityBatch({
        QueueUrl: q.url,
        Entries: [
          { Id: "one", ReceiptHandle: released.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: "two", ReceiptHandle: kept.ReceiptHandle, VisibilityTimeout: 600 },
          { Id: "bad", ReceiptHandle: "garbage", VisibilityTimeout: 0 },
        ],
      });
      expect(out.Successful.map((s) => s.Id).sort()).toEqual(["one", "two"]);
      expect(out.Failed.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
        ["bad", "ReceiptHandleIsInvalid", true],
      ]);
      expect((await c.receiveOne(q.url))?.MessageId).toBe(released.MessageId);
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });
  });
}
