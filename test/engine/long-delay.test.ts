import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestEngine, type TestEngine } from "../support/engine.js";

const DAY = 86_400_000;

let te: TestEngine;
beforeEach(() => {
  // The file checked hourly: the test moves the clock by days.
  te = openTestEngine({ fileCheckIntervalMs: 3_600_000 });
});
afterEach(() => te.close());

/** Every message the queue holds: visible, in flight and delayed. */
async function held(queueUrl: string): Promise<number> {
  const stats = await te.engine.queueStats(queueUrl);
  return stats.visible + stats.inFlight + stats.delayed;
}

describe("a message delayed beyond SQS's 15 minutes", () => {
  it("counts its retention from its due time: kept past the queue's 4 days, then expired 4 days after", async () => {
    const q = await te.createQueue("scheduled"); // SQS's default retention: 4 days
    const sentAt = te.clock.now();
    await te.engine.sqs.sendMessage(
      { QueueUrl: q, MessageBody: "later", DelaySeconds: 30 * 86_400 },
      { allowLongDelay: true },
    );
    await te.engine.sqs.sendMessage({ QueueUrl: q, MessageBody: "now" });
    await te.advance(5 * DAY);
    await te.engine.sweep();
    // The undelayed message is past its retention and gone; the delayed one is not due yet.
    expect(await te.engine.queueStats(q)).toMatchObject({ visible: 0, delayed: 1 });
    await te.advance(25 * DAY - 1);
    await te.engine.sweep();
    expect(await te.engine.queueStats(q)).toMatchObject({
      visible: 0,
      delayed: 1,
      nextDueAt: sentAt + 30 * DAY,
    });

    te.clock.advance(1);
    const { Messages = [] } = await te.engine.sqs.receiveMessage({
      QueueUrl: q,
      MessageSystemAttributeNames: ["SentTimestamp"],
      VisibilityTimeout: 0,
    });
    expect(Messages.map((m) => m.Body)).toEqual(["later"]);
    // Sent, as on AWS where the schedule sends it, when it became due.
    expect(Messages[0]?.Attributes?.SentTimestamp).toBe(String(sentAt + 30 * DAY));

    await te.advance(4 * DAY - 1);
    await te.engine.sweep();
    expect(await held(q)).toBe(1);
    te.clock.advance(1);
    await te.engine.sweep();
    expect(await held(q)).toBe(0);
  });
});
