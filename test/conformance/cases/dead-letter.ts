import { describe, expect, it } from "vitest";
import { awsErrorCode, expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";

/** Redrive to a DLQ, ListDeadLetterSourceQueues, and message move tasks back out of it. */
export function deadLetterCases(c: SuiteContext): void {
  describe("dead-letter queues", () => {
    async function withDlq(maxReceiveCount: number) {
      const dlq = await c.queue("dlq");
      const source = await c.queue("src", {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
      });
      return { dlq, source };
    }

    /** A DLQ holding `n` messages that were received once too often in their source queue. */
    async function deadLetters(n: number) {
      const { dlq, source } = await withDlq(1);
      await c.t.sqs.sendMessageBatch({
        QueueUrl: source.url,
        Entries: Array.from({ length: n }, (_, i) => ({ Id: `r${i}`, MessageBody: `r${i}` })),
      });
      for (let i = 0; i < n; i++)
        await c.t.sqs.receiveMessage({
          QueueUrl: source.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        });
      await c.t.sqs.receiveMessage({ QueueUrl: source.url, MaxNumberOfMessages: 10 });
      expect(await c.count(dlq.url)).toBe(n);
      return { dlq, source };
    }

    it("moves a message after maxReceiveCount receives, keeping its id and body", async () => {
      const { dlq, source } = await withDlq(2);
      const sent = await c.t.sqs.sendMessage({ QueueUrl: source.url, MessageBody: "poison" });
      expect(await c.receiveOne(source.url, 0)).toBeDefined();
      expect(await c.receiveOne(source.url, 0)).toBeDefined();
      expect(await c.receiveOne(source.url, 0)).toBeUndefined();
      const dead = await c.receiveOne(dlq.url);
      expect(dead?.MessageId).toBe(sent.MessageId);
      expect(dead?.Body).toBe("poison");
    });

    it("lists the queues that use a DLQ", async () => {
      const { dlq, source } = await withDlq(3);
      const out = await c.t.sqs.listDeadLetterSourceQueues({ QueueUrl: dlq.url });
      expect(out.queueUrls).toEqual([source.url]);
      expect(out.NextToken).toBeUndefined();
    });

    // "If you set MaxResults and there are additional results to display, the response
    // includes a value for NextToken. Use NextToken as a parameter in your next request to
    // ListDeadLetterSourceQueues to receive the next page of results."
    // (API Reference, ListDeadLetterSourceQueues)
    it("pages the queues that use a DLQ with MaxResults and NextToken", async () => {
      const dlq = await c.queue("dlq-page");
      const sources: string[] = [];
      for (let i = 0; i < 3; i++) {
        const q = await c.queue("src-page", {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
        });
        sources.push(q.url);
      }
      sources.sort();
      const first = await c.t.sqs.listDeadLetterSourceQueues({ QueueUrl: dlq.url, MaxResults: 2 });
      if (c.quirks.ignoresMaxResults) {
        expect(first.queueUrls.slice().sort()).toEqual(sources);
        expect(first.NextToken).toBeUndefined();
        return;
      }
      expect(first.queueUrls).toHaveLength(2);
      expect(first.NextToken).toBeTruthy();
      const second = await c.t.sqs.listDeadLetterSourceQueues({
        QueueUrl: dlq.url,
        MaxResults: 2,
        NextToken: first.NextToken!,
      });
      expect(second.queueUrls).toHaveLength(1);
      expect(second.NextToken).toBeUndefined();
      expect([...first.queueUrls, ...second.queueUrls].sort()).toEqual(sources);
    });

    it("refuses a redrive policy whose count is out of range", async () => {
      const dlq = await c.queue("dlq-range");
      const creating = c.t.sqs.createQueue({
        QueueName: c.name("bad-count"),
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 0 }),
        },
      });
      if (c.quirks.acceptsMaxReceiveCountOutOfRange) {
        expect((await creating).QueueUrl).toBeTruthy();
        return;
      }
      const err = await expectAwsError(creating, "InvalidParameterValue");
      expect(err.message).toMatch(/maxReceiveCount/);
    });

    it("redrives a DLQ back to the source queue with a move task", async ({ skip }) => {
      skip(!c.t.moveTasks, `${c.t.name} has no message move tasks`);
      const { dlq, source } = await deadLetters(3);
      const { TaskHandle } = await c.t.sqs.startMessageMoveTask({ SourceArn: dlq.arn });
      expect(TaskHandle).toBeTruthy();
      await c.t.settle?.();
      const { Results } = await c.t.sqs.listMessageMoveTasks({ SourceArn: dlq.arn });
      expect(Results[0]).toMatchObject({
        Status: "COMPLETED",
        ApproximateNumberOfMessagesMoved: 3,
      });
      expect(await c.count(dlq.url)).toBe(0);
      expect(await c.count(source.url)).toBe(3);
      const back = await c.receiveOne(source.url);
      expect(back?.Attributes?.ApproximateReceiveCount).toBe("1");
    });

    // "A message movement can only be cancelled when the current status is RUNNING.
    // Cancelling a message movement task does not revert the messages that have already
    // been moved. It can only stop the messages that have not been moved yet."
    // (API Reference, CancelMessageMoveTask)
    it("cancels a running move task, which then moves nothing more", async ({ skip }) => {
      skip(!c.t.moveTasks, `${c.t.name} has no message move tasks`);
      const { dlq, source } = await deadLetters(3);
      // One message a second: the task is still running when the cancel arrives.
      const { TaskHandle } = await c.t.sqs.startMessageMoveTask({
        SourceArn: dlq.arn,
        MaxNumberOfMessagesPerSecond: 1,
      });
      const running = await c.t.sqs.listMessageMoveTasks({ SourceArn: dlq.arn });
      // TaskHandle "is only populated for tasks that are in RUNNING status" (ListMessageMoveTasks).
      expect(running.Results[0]).toMatchObject({ Status: "RUNNING", TaskHandle });
      const { ApproximateNumberOfMessagesMoved: moved } = await c.t.sqs.cancelMessageMoveTask({
        TaskHandle,
      });
      expect(moved).toBeGreaterThanOrEqual(0);
      expect(moved).toBeLessThan(3);
      const { Results } = await c.t.sqs.listMessageMoveTasks({ SourceArn: dlq.arn });
      expect(["CANCELLING", "CANCELLED"]).toContain(Results[0]?.Status);
      expect(Results[0]?.TaskHandle).toBeUndefined();
      if (c.t.advance) await c.t.advance(10_000);
      await c.t.settle?.();
      expect(await c.count(dlq.url)).toBe(3 - moved);
      expect(await c.count(source.url)).toBe(moved);
      const again = await c.t.sqs.cancelMessageMoveTask({ TaskHandle }).catch((e: unknown) => e);
      expect(awsErrorCode(again), "cancelling a task that is not RUNNING").toBeDefined();
    });

    it("refuses a move task from a queue that is not a DLQ", async ({ skip }) => {
      skip(!c.t.moveTasks, `${c.t.name} has no message move tasks`);
      const q = await c.queue("not-dlq");
      await expectAwsError(
        c.t.sqs.startMessageMoveTask({ SourceArn: q.arn }),
        "InvalidParameterValue",
      );
    });
  });
}
