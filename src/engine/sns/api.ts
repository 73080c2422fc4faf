import type { EngineContext } from "../context.js";
import { AwsApiError } from "../errors.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import { snsError } from "./errors.js";
import {
  deliver,
  FilterCache,
  type PreparedPublish,
  preparePublish,
  validatePublishBatch,
} from "./publish.js";
import { SubscriptionStore } from "./subscriptions.js";
import { TopicStore } from "./topics.js";
import type { PublishInput, SnsApi } from "./types.js";

export type EngineSnsApi = SnsApi;

/**
 * A publish validated now and made later inside a committer op the caller runs (the engine's
 * acceptJob publishes in the op that checks the job's id): the op resolves with the message id.
 */
export type PublishOp = (input: PublishInput) => () => string;

const EMPTY = Object.freeze({}) as Record<string, never>;

function readToken<T extends string | number>(token: string | undefined, fallback: T): T {
  if (token === undefined) return fallback;
  const after = decodePageToken(token);
  if (typeof after === typeof fallback) return after as T;
  throw snsError.invalidParameter("Invalid parameter: NextToken");
}

export function createSnsApi(ctx: EngineContext): { api: EngineSnsApi; publishOp: PublishOp } {
  const topics = new TopicStore(ctx);
  const subscriptions = new SubscriptionStore(ctx);
  const filters = new FilterCache();
  // Topics and subscriptions are cached for publishes: every change of them, and every
  // rollback, clears the caches, so a publish never sees what the database does not hold.
  const invalidate = () => {
    topics.invalidate();
    subscriptions.invalidate();
  };
  ctx.committer.onRollback(invalidate);
  const change = <T>(fn: () => T) =>
    ctx.committer.run(() => {
      try {
        return fn();
      } finally {
        invalidate();
      }
    });
  const run = <T>(fn: () => T) => ctx.committer.run(fn);
  const publishOp: PublishOp = (input) => {
    const [arn, name] =
      input.TopicArn === undefined && input.TargetArn !== undefined
        ? [input.TargetArn, "TargetArn" as const]
        : [input.TopicArn, "TopicArn" as const];
    const prepared = preparePublish(input);
    topics.validateArn(arn, name);
    return () => {
      const topic = topics.require(arn, name);
      deliver(ctx, subscriptions, filters, topic, prepared, ctx.clock.now());
      return prepared.messageId;
    };
  };

  const api: EngineSnsApi = {
    async createTopic(input) {
      const name = topics.validateName(input.Name);
      const topic = await change(() =>
        topics.create(name, input.Attributes ?? {}, input.Tags ?? []),
      );
      return { TopicArn: topic.arn };
    },
    async deleteTopic(input) {
      const arn = topics.validateArn(input.TopicArn);
      await change(() => {
        const topic = topics.byArn(arn);
        // Deleting a topic that does not exist succeeds, as on AWS.
        if (topic) topics.delete(topic);
      });
      return EMPTY;
    },
    async listTopics(input = {}) {
      const page = topics.list(readToken(input.NextToken, ""));
      return {
        Topics: page.topics.map((t) => ({ TopicArn: t.arn })),
        ...(page.more ? { NextToken: encodePageToken(page.topics.at(-1)!.name) } : {}),
      };
    },
    async getTopicAttributes(input) {
      return { Attributes: topics.attributes(topics.require(input.TopicArn)) };
    },
    async setTopicAttributes(input) {
      await change(() =>
        topics.setAttribute(
          topics.require(input.TopicArn),
          input.AttributeName,
          input.AttributeValue ?? "",
        ),
      );
      return EMPTY;
    },
    async subscribe(input) {
      const sub = await change(() =>
        subscriptions.subscribe(
          topics.require(input.TopicArn),
          input.Protocol,
          input.Endpoint,
          input.Attributes ?? {},
        ),
      );
      return { SubscriptionArn: sub.arn };
    },
    async unsubscribe(input) {
      await change(() => {
        // Unsubscribing what is already gone succeeds, as on AWS (LocalStack's AWS
        // recording test_unsubscribe_idempotency): the second call answers 200.
        const sub = subscriptions.findSubscription(input.SubscriptionArn);
        if (sub) subscriptions.unsubscribe(sub);
      });
      return EMPTY;
    },
    async listSubscriptions(input = {}) {
      const page = subscriptions.listSubscriptions(undefined, readToken(input.NextToken, 0));
      return subscriptionPage(page);
    },
    async listSubscriptionsByTopic(input) {
      const topic = topics.require(input.TopicArn);
      return subscriptionPage(
        subscriptions.listSubscriptions(topic, readToken(input.NextToken, 0)),
      );
    },
    async getSubscriptionAttributes(input) {
      const sub = subscriptions.requireSubscription(input.SubscriptionArn);
      return {
        Attributes: {
          SubscriptionArn: sub.arn,
          TopicArn: sub.topicArn,
          Owner: ctx.loc.accountId,
          Protocol: sub.protocol,
          Endpoint: sub.endpoint,
          SubscriptionPrincipal: `arn:aws:iam::${ctx.loc.accountId}:user/offload`,
          ConfirmationWasAuthenticated: "true",
          PendingConfirmation: "false",
          RawMessageDelivery: "false",
          ...sub.attributes,
        },
      };
    },
    async setSubscriptionAttributes(input) {
      await change(() =>
        subscriptions.setSubscriptionAttribute(
          subscriptions.requireSubscription(input.SubscriptionArn),
          input.AttributeName,
          input.AttributeValue ?? "",
        ),
      );
      return EMPTY;
    },
    async publish(input) {
      return { MessageId: await run(publishOp(input)) };
    },
    async publishBatch(input) {
      topics.validateArn(input.TopicArn);
      const entries = validatePublishBatch(input);
      const ready: Array<{ id: string; publish: PreparedPublish }> = [];
      const failed: Array<{ Id: string; Code: string; Message?: string; SenderFault: boolean }> =
        [];
      for (const entry of entries) {
        try {
          ready.push({ id: entry.Id, publish: preparePublish(entry) });
        } catch (error) {
          if (!(error instanceof AwsApiError)) throw error;
          failed.push({
            Id: entry.Id,
            Code: error.code,
            Message: error.message,
            SenderFault: error.sender,
          });
        }
      }
      await run(() => {
        const topic = topics.require(input.TopicArn);
        const now = ctx.clock.now();
        for (const { publish } of ready) deliver(ctx, subscriptions, filters, topic, publish, now);
      });
      return {
        Successful: ready.map(({ id, publish }) => ({ Id: id, MessageId: publish.messageId })),
        Failed: failed,
      };
    },
  };
  return { api, publishOp };
}

function subscriptionPage(page: ReturnType<SubscriptionStore["listSubscriptions"]>) {
  return {
    Subscriptions: page.items,
    ...(page.more ? { NextToken: encodePageToken(page.lastId) } : {}),
  };
}
