import { randomUUID } from "node:crypto";
import type { TestContext } from "vitest";
import type { Message } from "../../src/engine/sqs/types.js";
import type { ConformanceQuirks, ConformanceTarget } from "./target.js";

/** A queue the suite made: its URL and ARN. */
export interface SuiteQueue {
  url: string;
  arn: string;
}

/**
 * What every group of conformance cases shares: the target (open once the
 * suite's `beforeAll` has run), its quirks, and helpers built only on the
 * SQS/SNS APIs, so they work on every target alike.
 */
export interface SuiteContext {
  /** The target under test; read it inside tests, not while defining them. */
  readonly t: ConformanceTarget;
  readonly quirks: ConformanceQuirks;
  /** A queue or topic name unique to this run, so a shared server is fine. */
  name(hint: string): string;
  queue(hint: string, attributes?: Record<string, string>): Promise<SuiteQueue>;
  /** A queue attribute read as a number (ApproximateNumberOfMessages by default). */
  count(url: string, attribute?: string): Promise<number>;
  /** Receives at most one message with all its attributes. */
  receiveOne(url: string, visibilityTimeout?: number): Promise<Message | undefined>;
  /** A topic with one SQS subscription (these attributes) to a new queue. */
  topicWithQueue(
    attributes: Record<string, string>,
  ): Promise<{ TopicArn: string; SubscriptionArn: string; q: SuiteQueue }>;
  /**
   * The target's `advance`, or skips the test where the clock cannot be
   * moved: tests never wait on real time.
   */
  clock(skip: TestContext["skip"]): (ms: number) => Promise<void>;
}

export function createSuiteContext(
  target: () => ConformanceTarget,
  quirks: ConformanceQuirks,
): SuiteContext {
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  const ctx: SuiteContext = {
    get t() {
      return target();
    },
    quirks,
    name: (hint) => `c-${run}-${hint}-${counter++}`,
    async queue(hint, Attributes) {
      const { t } = ctx;
      const { QueueUrl } = await t.sqs.createQueue({
        QueueName: ctx.name(hint),
        ...(Attributes ? { Attributes } : {}),
      });
      const { Attributes: attrs } = await t.sqs.getQueueAttributes({
        QueueUrl,
        AttributeNames: ["QueueArn"],
      });
      return { url: QueueUrl, arn: attrs!.QueueArn! };
    },
    async count(url, attribute = "ApproximateNumberOfMessages") {
      const { Attributes } = await ctx.t.sqs.getQueueAttributes({
        QueueUrl: url,
        AttributeNames: [attribute],
      });
      return Number(Attributes?.[attribute]);
    },
    async receiveOne(url, visibility) {
      const { Messages } = await ctx.t.sqs.receiveMessage({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      });
      return Messages?.[0];
    },
    async topicWithQueue(attributes) {
      const { t } = ctx;
      const { TopicArn } = await t.sns.createTopic({ Name: ctx.name("topic") });
      const q = await ctx.queue("sub");
      const { SubscriptionArn } = await t.sns.subscribe({
        TopicArn,
        Protocol: "sqs",
        Endpoint: q.arn,
        Attributes: attributes,
      });
      return { TopicArn, SubscriptionArn, q };
    },
    clock(skip) {
      const { advance, name } = ctx.t;
      if (!advance) skip(`${name}'s clock cannot be moved, and tests never wait on real time`);
      return advance!;
    },
  };
  return ctx;
}
