import { describe, expect, it } from "vitest";
import type { ReceiveMessageInput } from "../../../src/engine/sqs/types.js";
import type { SuiteContext } from "../context.js";

/** ReceiveMessage: which attributes come back, and long polling (WaitTimeSeconds). */
export function receiveCases(c: SuiteContext): void {
  describe("receive", () => {
    /** A queue holding one message with message attributes `a.one`, `a.two` and `b`. */
    async function queueWithAttributes() {
      const q = await c.queue("filter");
      await c.t.sqs.sendMessage({
        QueueUrl: q.url,
        MessageBody: "x",
        MessageAttributes: {
          "a.one": { DataType: "String", StringValue: "1" },
          "a.two": { DataType: "String", StringValue: "2" },
          b: { DataType: "Number", StringValue: "3" },
        },
      });
      // Each receive makes the message visible again at once, for the next one.
      return async (names: Omit<ReceiveMessageInput, "QueueUrl">) => {
        const { Messages } = await c.t.sqs.receiveMessage({
          QueueUrl: q.url,
          VisibilityTimeout: 0,
          ...names,
        });
        expect(Messages).toHaveLength(1);
        return Messages![0]!;
      };
    }

    // MessageSystemAttributeNames: "A list of attributes that need to be returned along with
    // each message." AttributeNames: "This parameter has been discontinued but will be
    // supported for backward compatibility." (API Reference, ReceiveMessage)
    it("returns only the system attributes asked for, by either parameter", async () => {
      const receive = await queueWithAttributes();
      expect((await receive({})).Attributes).toBeUndefined();
      const sent = await receive({ MessageSystemAttributeNames: ["SentTimestamp"] });
      expect(Object.keys(sent.Attributes ?? {})).toEqual(["SentTimestamp"]);
      const counted = await receive({ AttributeNames: ["ApproximateReceiveCount"] });
      expect(counted.Attributes).toEqual({ ApproximateReceiveCount: "3" });
      const all = await receive({ MessageSystemAttributeNames: ["All"] });
      expect(Object.keys(all.Attributes ?? {})).toEqual(
        expect.arrayContaining([
          "SenderId",
          "SentTimestamp",
          "ApproximateReceiveCount",
          "ApproximateFirstReceiveTimestamp",
        ]),
      );
    });

    // "When using ReceiveMessage, you can send a list of attribute names to receive, or you
    // can return all of the attributes by specifying All or .* in your request. You can also
    // use all message attributes starting with a prefix, for example bar.*."
    // (API Reference, ReceiveMessage, MessageAttributeNames)
    it("returns only the message attributes asked for: by name, by prefix, or all", async () => {
      const receive = await queueWithAttributes();
      const names = async (MessageAttributeNames?: string[]) =>
        Object.keys(
          (await receive(MessageAttributeNames ? { MessageAttributeNames } : {}))
            .MessageAttributes ?? {},
        ).sort();
      expect(await names()).toEqual([]);
      expect(await names(["b"])).toEqual(["b"]);
      expect(await names(["a.*"])).toEqual(["a.one", "a.two"]);
      expect(await names(["b", "a.two"])).toEqual(["a.two", "b"]);
      expect(await names(["All"])).toEqual(["a.one", "a.two", "b"]);
      expect(await names([".*"])).toEqual(["a.one", "a.two", "b"]);
      expect(await names(["missing"])).toEqual([]);
      expect((await receive({ MessageAttributeNames: ["b"] })).MessageAttributes?.b).toEqual({
        DataType: "Number",
        StringValue: "3",
      });
    });

    it("wakes a long poll as soon as a message arrives", async () => {
      const q = await c.queue("poll");
      const polling = c.t.sqs.receiveMessage({ QueueUrl: q.url, WaitTimeSeconds: 20 });
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "wake" });
      const { Messages } = await polling;
      expect(Messages?.[0]?.Body).toBe("wake");
    });

    // "If no messages are available and the wait time expires, the call does not return a
    // message list." (API Reference, ReceiveMessage, WaitTimeSeconds)
    it("ends a long poll empty after WaitTimeSeconds, not before", async ({ skip }) => {
      const advance = c.clock(skip);
      const q = await c.queue("poll-empty");
      let ended = false;
      const polling = c.t.sqs
        .receiveMessage({ QueueUrl: q.url, WaitTimeSeconds: 20 })
        .finally(() => {
          ended = true;
        });
      await advance(19_999);
      expect(ended).toBe(false);
      await advance(1);
      expect((await polling).Messages).toBeUndefined();
    });
  });
}
