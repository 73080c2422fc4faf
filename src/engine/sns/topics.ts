import type { EngineContext } from "../context.js";
import { parseArn, topicArn } from "../location.js";
import { type ArnParameter, checkArnParameter } from "./arns.js";
import { snsError } from "./errors.js";
import type { Tag } from "./types.js";

export interface TopicRecord {
  id: number;
  name: string;
  arn: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
/**
 * The attribute names SetTopicAttributes takes on a standard topic (SNS API
 * Reference, SetTopicAttributes). The delivery-status logging ones
 * (`<Protocol>SuccessFeedbackRoleArn` and friends) are stored and read back
 * but log nothing locally, like KmsMasterKeyId encrypts nothing.
 */
const TOPIC_ATTRIBUTES = new Set([
  "DisplayName",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "TracingConfig",
  "SignatureVersion",
  "DataProtectionPolicy",
  "ArchivePolicy",
  ...["Application", "Firehose", "HTTP", "Lambda", "SQS"].flatMap((protocol) => [
    `${protocol}SuccessFeedbackRoleArn`,
    `${protocol}SuccessFeedbackSampleRate`,
    `${protocol}FailureFeedbackRoleArn`,
  ]),
]);
const PAGE = 100;

/** Topics and their SQS subscriptions. Writes run inside committer ops. */
export class TopicStore {
  readonly #ctx: EngineContext;
  /** Topics by ARN, for publishes; cleared by `invalidate` on every change of topics. */
  readonly #byArn = new Map<string, TopicRecord>();

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  invalidate(): void {
    this.#byArn.clear();
  }

  validateName(name: unknown): string {
    if (typeof name === "string" && name.endsWith(".fifo")) {
      throw snsError.invalidParameter(
        `Invalid parameter: Topic Name: FIFO topics (${name}) are not supported by the offload engine; use a standard topic.`,
      );
    }
    if (typeof name !== "string" || !TOPIC_NAME.test(name)) {
      throw snsError.invalidParameter("Invalid parameter: Topic Name");
    }
    return name;
  }

  byArn(arn: unknown): TopicRecord | undefined {
    if (typeof arn !== "string") return undefined;
    const cached = this.#byArn.get(arn);
    if (cached) return cached;
    const parsed = parseArn(arn);
    const loc = this.#ctx.loc;
    if (
      parsed?.service !== "sns" ||
      parsed.region !== loc.region ||
      parsed.accountId !== loc.accountId
    ) {
      return undefined;
    }
    const topic = this.#byName(parsed.resource);
    if (topic) this.#byArn.set(arn, topic);
    return topic;
  }

  /**
   * The TopicArn parameter (or Publish's TargetArn), which every action naming a topic
   * requires: a malformed ARN or one of another region is refused (see `checkArnParameter`).
   */
  validateArn(arn: unknown, name: ArnParameter = "TopicArn"): string {
    return checkArnParameter(this.#ctx.loc, name, arn).arn;
  }

  require(arn: unknown, name: ArnParameter = "TopicArn"): TopicRecord {
    const topic = this.byArn(this.validateArn(arn, name));
    if (!topic) throw snsError.topicNotFound();
    return topic;
  }

  create(name: string, given: Record<string, string>, tags: Tag[]): TopicRecord {
    const attributes = standardTopicAttributes(given);
    for (const key of Object.keys(attributes)) this.#checkTopicAttribute(key, attributes[key]!);
    const existing = this.#byName(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if ((existing.attributes[key] ?? "") !== value) {
          throw snsError.invalidParameter(
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
          );
        }
      }
      return existing;
    }
    const tagMap = Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
    this.#ctx.stmts
      .get("INSERT INTO topics (name, attributes, tags, created_at) VALUES (?, ?, ?, ?)")
      .run(name, JSON.stringify(attributes), JSON.stringify(tagMap), this.#ctx.clock.now());
    return this.#byName(name)!;
  }

  delete(topic: TopicRecord): void {
    this.#ctx.stmts.get("DELETE FROM subscriptions WHERE topic_id = ?").run(topic.id);
    this.#ctx.stmts.get("DELETE FROM topics WHERE id = ?").run(topic.id);
  }

  list(after: string): { topics: TopicRecord[]; more: boolean } {
    const rows = this.#ctx.stmts
      .get("SELECT * FROM topics WHERE name > ? ORDER BY name LIMIT ?")
      .all(after, PAGE + 1) as TopicRow[];
    return { topics: rows.slice(0, PAGE).map((r) => this.#toTopic(r)), more: rows.length > PAGE };
  }

  setAttribute(topic: TopicRecord, name: string, value: string): void {
    this.#checkTopicAttribute(name, value);
    const attributes = { ...topic.attributes, [name]: value };
    this.#ctx.stmts
      .get("UPDATE topics SET attributes = ? WHERE id = ?")
      .run(JSON.stringify(attributes), topic.id);
  }

  attributes(topic: TopicRecord): Record<string, string> {
    const loc = this.#ctx.loc;
    const confirmed = this.#ctx.stmts
      .get("SELECT COUNT(*) AS n FROM subscriptions WHERE topic_id = ?")
      .get(topic.id) as { n: number };
    return {
      TopicArn: topic.arn,
      Owner: loc.accountId,
      DisplayName: "",
      SubscriptionsPending: "0",
      SubscriptionsConfirmed: String(confirmed.n),
      SubscriptionsDeleted: "0",
      Policy: JSON.stringify(defaultTopicPolicy(topic.arn, loc.accountId)),
      EffectiveDeliveryPolicy: JSON.stringify(defaultDeliveryPolicy),
      ...topic.attributes,
    };
  }

  #checkTopicAttribute(name: string, value: string): void {
    if (!TOPIC_ATTRIBUTES.has(name))
      throw snsError.invalidParameter("Invalid parameter: AttributeName");
    if (name === "Policy" || name === "DeliveryPolicy" || name === "DataProtectionPolicy") {
      try {
        JSON.parse(value);
      } catch {
        throw snsError.invalidParameter(`Invalid parameter: ${name}: not valid JSON`);
      }
    }
  }

  /** Validates subscription attributes; FilterPolicy is parsed (and so checked) against its scope. */
  #byName(name: string): TopicRecord | undefined {
    const row = this.#ctx.stmts.get("SELECT * FROM topics WHERE name = ?").get(name) as
      | TopicRow
      | undefined;
    return row ? this.#toTopic(row) : undefined;
  }

  #toTopic(row: TopicRow): TopicRecord {
    return {
      id: row.id,
      name: row.name,
      arn: topicArn(this.#ctx.loc, row.name),
      // Databases written before FifoTopic=false was dropped at creation may still hold it.
      attributes: standardTopicAttributes(JSON.parse(row.attributes) as Record<string, string>),
      tags: JSON.parse(row.tags) as Record<string, string>,
    };
  }
}

/**
 * CreateTopic's attributes for a standard topic. `FifoTopic=false` says what the topic
 * already is: AWS takes it, does not list it in GetTopicAttributes, and takes it again for a
 * topic created without it (LocalStack's AWS recordings, test_topic_get_attributes_with_fifo_false
 * and test_create_topic_different_attrs). `FifoTopic=true` on a name without `.fifo` is
 * AWS's "Invalid parameter: Topic Name" (test_create_topic_name_constraints); any other
 * value is refused, and SetTopicAttributes refuses FifoTopic as an unknown AttributeName.
 */
function standardTopicAttributes(attributes: Record<string, string>): Record<string, string> {
  if (!Object.hasOwn(attributes, "FifoTopic")) return attributes;
  const { FifoTopic: fifo, ...rest } = attributes;
  if (fifo === "false") return rest;
  if (fifo === "true") {
    throw snsError.invalidParameter(
      "Invalid parameter: Topic Name Reason: FifoTopic=true needs a name ending in .fifo, and the offload engine has no FIFO topics",
    );
  }
  throw snsError.invalidParameter(
    `Invalid parameter: Attributes Reason: FifoTopic: Invalid value [${String(fifo).slice(0, 100)}]. Must be true or false.`,
  );
}

interface TopicRow {
  id: number;
  name: string;
  attributes: string;
  tags: string;
}

const defaultDeliveryPolicy = {
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: "linear",
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
  },
};

function defaultTopicPolicy(arn: string, accountId: string) {
  return {
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": accountId } },
      },
    ],
  };
}
