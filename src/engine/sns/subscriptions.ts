import { randomUUID } from "node:crypto";
import type { EngineContext } from "../context.js";
import { AwsApiError } from "../errors.js";
import { parseArn, topicArn } from "../location.js";
import { checkArnParameter, otherRegion } from "./arns.js";
import { snsError } from "./errors.js";
import { type FilterPolicyScope, parseFilterPolicy } from "./filter-policy.js";
import type { TopicRecord } from "./topics.js";
import type { Subscription } from "./types.js";

export interface SubscriptionRecord {
  id: number;
  arn: string;
  topicId: number;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
}

const SUBSCRIPTION_ATTRIBUTES = new Set([
  "RawMessageDelivery",
  "FilterPolicy",
  "FilterPolicyScope",
  "RedrivePolicy",
  "DeliveryPolicy",
  "SubscriptionRoleArn",
]);
const PAGE = 100;
const AWS_PROTOCOLS = new Set([
  "http",
  "https",
  "email",
  "email-json",
  "sms",
  "application",
  "lambda",
  "firehose",
]);

/** SQS subscriptions of topics. Writes run inside committer ops. */
export class SubscriptionStore {
  readonly #ctx: EngineContext;
  /** Subscriptions by topic id, for publishes; cleared by `invalidate` on every change. */
  readonly #byTopic = new Map<number, SubscriptionRecord[]>();

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  invalidate(): void {
    this.#byTopic.clear();
  }

  subscribe(
    topic: TopicRecord,
    protocol: unknown,
    endpoint: unknown,
    attributes: Record<string, string>,
  ): SubscriptionRecord {
    if (protocol !== "sqs") {
      if (typeof protocol === "string" && AWS_PROTOCOLS.has(protocol)) {
        throw snsError.invalidParameter(
          `Invalid parameter: Protocol: the offload engine delivers to SQS queues only (protocol "sqs"); "${protocol}" works on AWS but not locally.`,
        );
      }
      throw snsError.invalidParameter(
        `Invalid parameter: Amazon SNS does not support this protocol string: ${String(protocol)}`,
      );
    }
    const endpointArn = typeof endpoint === "string" ? parseArn(endpoint) : undefined;
    if (endpointArn?.service !== "sqs") {
      throw snsError.invalidParameter("Invalid parameter: SQS endpoint ARN");
    }
    // AWS delivers to a queue of another region or account; this endpoint holds one region
    // of one account, so such a subscription could never deliver: refuse it rather than
    // take it and drop every publish.
    const loc = this.#ctx.loc;
    if (endpointArn.region !== loc.region) {
      throw otherRegion("Endpoint", String(endpoint), endpointArn.region, loc.region);
    }
    if (endpointArn.accountId !== loc.accountId) {
      throw snsError.invalidParameter(
        `Invalid parameter: Endpoint Reason: ${String(endpoint).slice(0, 300)} belongs to account ${JSON.stringify(endpointArn.accountId)}; this endpoint serves account ${loc.accountId} only, so nothing there can be reached`,
      );
    }
    const normalized = asSubscribeError(() => this.#normalizeSubscriptionAttributes(attributes));
    const existing = this.#ctx.stmts
      .get("SELECT * FROM subscriptions WHERE topic_id = ? AND protocol = ? AND endpoint = ?")
      .get(topic.id, protocol, endpoint) as SubscriptionRow | undefined;
    if (existing) {
      const record = this.#toSubscription(existing, topic.arn);
      for (const [key, value] of Object.entries(normalized)) {
        if ((record.attributes[key] ?? "") !== value) {
          throw snsError.invalidParameter(
            "Invalid parameter: Attributes Reason: Subscription already exists with different attributes",
          );
        }
      }
      return record;
    }
    const arn = `${topic.arn}:${randomUUID()}`;
    this.#ctx.stmts
      .get(
        "INSERT INTO subscriptions (arn, topic_id, protocol, endpoint, attributes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(arn, topic.id, protocol, endpoint, JSON.stringify(normalized), this.#ctx.clock.now());
    return this.subscription(arn)!;
  }

  subscription(arn: unknown): SubscriptionRecord | undefined {
    if (typeof arn !== "string") return undefined;
    const row = this.#ctx.stmts
      .get(
        "SELECT s.*, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.id = s.topic_id WHERE s.arn = ?",
      )
      .get(arn) as (SubscriptionRow & { topic_name: string }) | undefined;
    return row ? this.#toSubscription(row, topicArn(this.#ctx.loc, row.topic_name)) : undefined;
  }

  requireSubscription(arn: unknown): SubscriptionRecord {
    const sub = this.findSubscription(arn);
    if (!sub) throw snsError.subscriptionNotFound();
    return sub;
  }

  /**
   * The subscription a SubscriptionArn parameter names, or undefined when there is none.
   * A malformed ARN is refused first, with AWS's texts (LocalStack's AWS recordings,
   * test_unsubscribe_wrong_arn_format): fewer than 6 elements is "An ARN must have at least
   * 6 elements, not N"; a topic ARN without a subscription id is "Invalid parameter: SubscriptionId".
   */
  findSubscription(arn: unknown): SubscriptionRecord | undefined {
    const checked = checkArnParameter(this.#ctx.loc, "SubscriptionArn", arn);
    if (!checked.resource.includes(":")) {
      throw snsError.invalidParameter("Invalid parameter: SubscriptionId");
    }
    return this.subscription(checked.arn);
  }

  unsubscribe(sub: SubscriptionRecord): void {
    this.#ctx.stmts.get("DELETE FROM subscriptions WHERE id = ?").run(sub.id);
  }

  setSubscriptionAttribute(sub: SubscriptionRecord, name: string, value: string): void {
    const next = {
      ...sub.attributes,
      ...this.#normalizeSubscriptionAttributes({ [name]: value }, sub.attributes),
    };
    if (value === "" && name !== "RawMessageDelivery") delete next[name];
    this.#ctx.stmts
      .get("UPDATE subscriptions SET attributes = ? WHERE id = ?")
      .run(JSON.stringify(next), sub.id);
  }

  /** A topic's subscriptions, oldest first; the array is shared: do not change it. */
  subscriptionsOf(topic: TopicRecord): readonly SubscriptionRecord[] {
    const cached = this.#byTopic.get(topic.id);
    if (cached) return cached;
    const rows = this.#ctx.stmts
      .get("SELECT * FROM subscriptions WHERE topic_id = ? ORDER BY id")
      .all(topic.id) as SubscriptionRow[];
    const records = rows.map((r) => this.#toSubscription(r, topic.arn));
    this.#byTopic.set(topic.id, records);
    return records;
  }

  listSubscriptions(
    topic: TopicRecord | undefined,
    afterId: number,
  ): { items: Subscription[]; lastId: number; more: boolean } {
    const rows = (
      topic
        ? this.#ctx.stmts
            .get(
              "SELECT s.*, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.id = s.topic_id WHERE s.topic_id = ? AND s.id > ? ORDER BY s.id LIMIT ?",
            )
            .all(topic.id, afterId, PAGE + 1)
        : this.#ctx.stmts
            .get(
              "SELECT s.*, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.id = s.topic_id WHERE s.id > ? ORDER BY s.id LIMIT ?",
            )
            .all(afterId, PAGE + 1)
    ) as Array<SubscriptionRow & { topic_name: string }>;
    return {
      items: rows.slice(0, PAGE).map((r) => ({
        SubscriptionArn: r.arn,
        Owner: this.#ctx.loc.accountId,
        Protocol: r.protocol,
        Endpoint: r.endpoint,
        TopicArn: topicArn(this.#ctx.loc, r.topic_name),
      })),
      lastId: rows.slice(0, PAGE).at(-1)?.id ?? afterId,
      more: rows.length > PAGE,
    };
  }

  #normalizeSubscriptionAttributes(
    attributes: Record<string, string>,
    current: Record<string, string> = {},
  ): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(attributes)) {
      const value = String(raw);
      if (!SUBSCRIPTION_ATTRIBUTES.has(name))
        throw snsError.invalidParameter("Invalid parameter: AttributeName");
      if (name === "RawMessageDelivery") {
        if (!/^(true|false)$/i.test(value)) {
          throw snsError.invalidParameter(
            `Invalid parameter: RawMessageDelivery: Invalid value [${value}]. Must be true or false.`,
          );
        }
        out[name] = value.toLowerCase();
      } else if (name === "FilterPolicyScope") {
        if (value !== "MessageAttributes" && value !== "MessageBody") {
          throw snsError.invalidParameter(
            `Invalid parameter: FilterPolicyScope: Invalid filter policy scope, please use MessageAttributes or MessageBody. (got ${JSON.stringify(value)})`,
          );
        }
        out[name] = value;
      } else {
        out[name] = value;
      }
    }
    const policy = out.FilterPolicy ?? current.FilterPolicy;
    if (policy) {
      const scope = (out.FilterPolicyScope ??
        current.FilterPolicyScope ??
        "MessageAttributes") as FilterPolicyScope;
      parseFilterPolicy(policy, scope);
    }
    if (out.FilterPolicy && !out.FilterPolicyScope && !current.FilterPolicyScope) {
      out.FilterPolicyScope = "MessageAttributes";
    }
    return out;
  }

  #toSubscription(row: SubscriptionRow, topicArnValue: string): SubscriptionRecord {
    return {
      id: row.id,
      arn: row.arn,
      topicId: row.topic_id,
      topicArn: topicArnValue,
      protocol: row.protocol,
      endpoint: row.endpoint,
      attributes: JSON.parse(row.attributes) as Record<string, string>,
    };
  }
}

/**
 * Subscribe reports attribute errors as "Invalid parameter: Attributes Reason: <name>: ...",
 * where SetSubscriptionAttributes says "Invalid parameter: <name>: ...".
 */
function asSubscribeError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (
      error instanceof AwsApiError &&
      error.message.startsWith("Invalid parameter: ") &&
      !error.message.startsWith("Invalid parameter: Attributes Reason: ")
    ) {
      throw new AwsApiError(
        error.code,
        error.message.replace("Invalid parameter: ", "Invalid parameter: Attributes Reason: "),
        {
          type: error.type,
          status: error.status,
        },
      );
    }
    throw error;
  }
}

interface SubscriptionRow {
  id: number;
  arn: string;
  topic_id: number;
  protocol: string;
  endpoint: string;
  attributes: string;
}
