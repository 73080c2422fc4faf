import { randomUUID } from "node:crypto";
import { AWS_LIMITS } from "../../core/limits.js";
import type { EngineContext } from "../context.js";
import { AwsApiError } from "../errors.js";
import { insertMessage, prepareMessage } from "../sqs/send.js";
import type { MessageAttributeValue } from "../sqs/types.js";
import { isAttributeNumber, isMessageGroupId } from "../sqs/validate.js";
import { snsError } from "./errors.js";
import { type FilterPolicy, type FilterPolicyScope, parseFilterPolicy } from "./filter-policy.js";
import type { SubscriptionRecord, SubscriptionStore } from "./subscriptions.js";
import type { TopicRecord } from "./topics.js";
import type {
  PublishBatchInput,
  PublishBatchOutput,
  PublishBatchRequestEntry,
  SnsMessageAttributeValue,
} from "./types.js";

/** SNS's message size limit: body plus attributes (Amazon SNS quotas). */
export const MAX_PUBLISH_BYTES = AWS_LIMITS.sns.maxPublishBytes;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
// Subjects: ASCII, starting with a letter, number or punctuation, no line breaks, at most 100 characters.
const SUBJECT = /^[\x21-\x7E][\x20-\x7E]{0,99}$/;
/**
 * A message attribute type: Binary, Number or String, optionally with a custom label after a
 * dot (`String.x`, `Number.java.lang.Long`). AWS refuses `String.` and `Stringx` ("the set
 * of supported type prefixes is Binary, Number, and String", LocalStack's AWS recording
 * test_message_attributes_prefixes). The label follows SQS's rule (no white space, at most
 * 256 characters in all), so every attribute SNS takes is one its SQS subscriptions take too.
 */
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;

/** A validated publish, ready to deliver. */
interface PreparedPublish {
  messageId: string;
  message: string;
  /** The text for SQS endpoints: the "sqs" key of a JSON MessageStructure, else "default" or Message. */
  sqsMessage: string;
  subject: string | undefined;
  attributes: Record<string, SnsMessageAttributeValue>;
  /** Forwarded to SQS subscriptions (fair queues), as SNS standard topics do. */
  messageGroupId: string | undefined;
}

export function preparePublish(entry: Omit<PublishBatchRequestEntry, "Id">): PreparedPublish {
  const message = entry.Message;
  if (typeof message !== "string" || message.length === 0) {
    throw snsError.invalidParameter("Invalid parameter: Empty message");
  }
  if (entry.Subject !== undefined && !SUBJECT.test(entry.Subject)) {
    throw snsError.invalidParameter("Invalid parameter: Subject");
  }
  const messageGroupId = validateMessageGroupFields(entry);
  const attributes = entry.MessageAttributes ?? {};
  let size = Buffer.byteLength(message, "utf8");
  for (const [name, value] of Object.entries(attributes)) size += validateAttribute(name, value);
  if (size > MAX_PUBLISH_BYTES)
    throw snsError.invalidParameter("Invalid parameter: Message too long");
  let sqsMessage = message;
  if (entry.MessageStructure !== undefined) {
    if (entry.MessageStructure !== "json") {
      throw snsError.invalidParameter(
        "Invalid parameter: MessageStructure: the only supported value is json",
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw snsError.invalidParameter(
        "Invalid parameter: Message Structure - JSON message body failed to parse",
      );
    }
    const map = parsed as Record<string, unknown>;
    if (typeof parsed !== "object" || parsed === null || typeof map.default !== "string") {
      throw snsError.invalidParameter(
        "Invalid parameter: Message Structure - No default entry in JSON message body",
      );
    }
    sqsMessage = typeof map.sqs === "string" ? map.sqs : map.default;
  }
  return {
    messageId: randomUUID(),
    message,
    sqsMessage,
    subject: entry.Subject,
    attributes,
    messageGroupId,
  };
}

/**
 * Every topic here is a standard topic. MessageDeduplicationId is refused with AWS's text
 * (LocalStack's AWS recording test_validations_for_fifo, 2025-08-18). MessageGroupId is
 * optional and "forwarded only to Amazon SQS standard subscriptions to activate fair
 * queues ... When provided, the same validation rules apply as for FIFO topics" (API
 * reference, Publish): 1 to 128 alphanumeric or punctuation characters (isMessageGroupId).
 */
function validateMessageGroupFields(
  entry: Pick<PublishBatchRequestEntry, "MessageGroupId" | "MessageDeduplicationId">,
): string | undefined {
  if (entry.MessageDeduplicationId !== undefined) {
    throw snsError.invalidParameter(
      "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
    );
  }
  const group: unknown = entry.MessageGroupId;
  if (group === undefined) return undefined;
  if (!isMessageGroupId(group)) {
    const got =
      typeof group !== "string"
        ? `got a ${typeof group}`
        : group === ""
          ? "got an empty value"
          : group.length > 128
            ? `got ${group.length} characters`
            : `got ${JSON.stringify(group)}, which has a character outside that set`;
    throw snsError.invalidParameterValue(
      `Invalid parameter: MessageGroupId Reason: must be 1 to 128 characters of a-z, A-Z, 0-9 and punctuation (!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~); ${got}`,
    );
  }
  return group;
}

function validateAttributeName(name: string): void {
  const invalid = snsError.invalidParameterValue;
  if (Buffer.byteLength(name) >= 256)
    throw invalid("Length of message attribute name must be less than 256 bytes.");
  const bad = /[^A-Za-z0-9_.-]/.exec(name);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw invalid(
      `Invalid non-alphanumeric character '#x${code}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
    );
  }
  if (name.startsWith("."))
    throw invalid("Invalid message attribute name starting with character '.' was found.");
  if (name.endsWith("."))
    throw invalid("Invalid message attribute name ending with character '.' was found.");
  if (name.includes(".."))
    throw invalid("Message attribute name can not have successive '.' character.");
  if (/^(aws\.|amazon\.)/i.test(name)) {
    throw invalid(
      `Invalid message attribute name '${name}': names starting with 'AWS.' or 'Amazon.' are reserved.`,
    );
  }
}

function badAttribute(name: string, reason: string): AwsApiError {
  return snsError.invalidParameterValue(`The message attribute '${name}' ${reason}`);
}

function validateAttribute(name: string, value: SnsMessageAttributeValue): number {
  validateAttributeName(name);
  const type = value?.DataType;
  const base = typeof type === "string" ? DATA_TYPE.exec(type)?.[1] : undefined;
  if (type === undefined || base === undefined) {
    throw badAttribute(
      name,
      "has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    );
  }
  if (base === "Binary") {
    if (!(value.BinaryValue instanceof Uint8Array))
      throw badAttribute(name, "with type 'Binary' must use field 'Binary'.");
    if (value.BinaryValue.length === 0) {
      throw badAttribute(
        name,
        "must contain non-empty message attribute value for message attribute type 'Binary'.",
      );
    }
    return Buffer.byteLength(name) + Buffer.byteLength(type) + value.BinaryValue.length;
  }
  const text = value.StringValue;
  // AWS names the type without its custom label in these texts; String.Array is its own type.
  const label = type === "String.Array" ? type : base;
  if (typeof text !== "string")
    throw badAttribute(name, `with type '${label}' must use field 'String'.`);
  if (text === "") {
    throw badAttribute(
      name,
      `must contain non-empty message attribute value for message attribute type '${label}'.`,
    );
  }
  // SQS's rule: a value SQS refuses would be dropped at raw delivery to a queue, after the
  // publish was answered (AWS's SNS answer to such a value is not on record).
  if (base === "Number" && !isAttributeNumber(text)) {
    throw badAttribute(name, `has an invalid numeric value: '${text}'.`);
  }
  if (type === "String.Array") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed))
      throw badAttribute(name, `with type 'String.Array' must hold a JSON array; got '${text}'.`);
  }
  return Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(text);
}

/** Compiled filter policies, reused while a subscription's policy is unchanged. */
export class FilterCache {
  readonly #cache = new Map<string, { json: string; policy: FilterPolicy }>();

  get(sub: SubscriptionRecord): FilterPolicy | undefined {
    const json = sub.attributes.FilterPolicy;
    if (!json) return undefined;
    const scope = (sub.attributes.FilterPolicyScope ?? "MessageAttributes") as FilterPolicyScope;
    const hit = this.#cache.get(sub.arn);
    if (hit && hit.json === json && hit.policy.scope === scope) return hit.policy;
    const policy = parseFilterPolicy(json, scope);
    this.#cache.set(sub.arn, { json, policy });
    return policy;
  }
}

/**
 * Delivers one publish to every matching SQS subscription, inside the
 * committer op of the publish: the publish and its deliveries commit together.
 * A subscription whose queue does not exist (or refuses the message) gets
 * nothing, as SNS drops a delivery it cannot make when no subscription DLQ is set.
 */
export function deliver(
  ctx: EngineContext,
  subscriptions: SubscriptionStore,
  filters: FilterCache,
  topic: TopicRecord,
  publish: PreparedPublish,
  now: number,
): void {
  // One input for every subscription: a policy caches what it derives from it (see FilterPolicy).
  const input = { attributes: publish.attributes, body: publish.sqsMessage };
  for (const sub of subscriptions.subscriptionsOf(topic)) {
    const policy = filters.get(sub);
    if (policy && !policy.matches(input)) continue;
    const queue = ctx.queues.byArn(sub.endpoint);
    if (!queue) continue;
    const raw = sub.attributes.RawMessageDelivery === "true";
    const entry = {
      ...(raw
        ? {
            MessageBody: publish.sqsMessage,
            MessageAttributes: toSqsAttributes(publish.attributes),
          }
        : { MessageBody: formatEnvelope(envelope(ctx, topic, sub, publish, now)) }),
      MessageGroupId: publish.messageGroupId,
    };
    let prepared: ReturnType<typeof prepareMessage>;
    try {
      prepared = prepareMessage(queue, entry, {});
    } catch (error) {
      if (error instanceof AwsApiError) continue;
      throw error;
    }
    // A job published without a jobId (over the SNS API) is named by the publish's message id
    // in every job queue it reaches: the id its publisher was answered with.
    insertMessage(ctx, queue, prepared, now, { jobIdIfNone: publish.messageId });
  }
}

function toSqsAttributes(
  attributes: Record<string, SnsMessageAttributeValue>,
): Record<string, MessageAttributeValue> | undefined {
  const names = Object.keys(attributes);
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, { ...attributes[name]! }]));
}

/** The JSON notification SNS puts in an SQS message when raw delivery is off. */
function envelope(
  ctx: EngineContext,
  topic: TopicRecord,
  sub: SubscriptionRecord,
  publish: PreparedPublish,
  now: number,
): Record<string, unknown> {
  const endpoint = `https://sns.${ctx.loc.region}.amazonaws.com`;
  const body: Record<string, unknown> = {
    Type: "Notification",
    MessageId: publish.messageId,
    TopicArn: topic.arn,
  };
  if (publish.subject !== undefined) body.Subject = publish.subject;
  body.Message = publish.sqsMessage;
  body.Timestamp = new Date(now).toISOString();
  body.SignatureVersion = "1";
  // Local messages are not signed; the field is there so consumers parse the same shape.
  body.Signature = "";
  body.SigningCertURL = `${endpoint}/SimpleNotificationService-offload-local.pem`;
  body.UnsubscribeURL = `${endpoint}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`;
  const names = Object.keys(publish.attributes);
  if (names.length > 0) {
    body.MessageAttributes = Object.fromEntries(
      names.map((name) => {
        const value = publish.attributes[name]!;
        return [
          name,
          {
            Type: value.DataType,
            Value: value.DataType.startsWith("Binary")
              ? Buffer.from(value.BinaryValue ?? new Uint8Array()).toString("base64")
              : value.StringValue,
          },
        ];
      }),
    );
  }
  return body;
}

/**
 * The envelope as SNS writes it: two-space indent and `"Key" : value` at the
 * top level, attribute objects compact. Consumers that compare bodies byte
 * for byte (or parse them) see what AWS sends.
 */
function formatEnvelope(body: Record<string, unknown>): string {
  const lines = Object.entries(body).map(([key, value]) => {
    if (key === "MessageAttributes") {
      const attrs = Object.entries(value as Record<string, unknown>).map(
        ([name, attr]) => `    ${JSON.stringify(name)} : ${JSON.stringify(attr)}`,
      );
      return `  "MessageAttributes" : {\n${attrs.join(",\n")}\n  }`;
    }
    return `  ${JSON.stringify(key)} : ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(",\n")}\n}`;
}

/** Validates PublishBatch's shape; entries that fail their own validation fail alone. */
export function validatePublishBatch(input: PublishBatchInput): PublishBatchRequestEntry[] {
  const entries = input.PublishBatchRequestEntries;
  if (!entries || entries.length === 0) throw snsError.emptyBatch();
  if (entries.length > 10) throw snsError.tooManyEntries();
  const ids = new Set<string>();
  for (const entry of entries) {
    if (typeof entry.Id !== "string" || !BATCH_ENTRY_ID.test(entry.Id)) {
      throw snsError.invalidBatchEntryId(String(entry.Id));
    }
    if (ids.has(entry.Id)) throw snsError.batchEntryIdsNotDistinct();
    ids.add(entry.Id);
  }
  const total = entries.reduce((sum, e) => sum + Buffer.byteLength(e.Message ?? "", "utf8"), 0);
  if (total > MAX_PUBLISH_BYTES) throw snsError.batchRequestTooLong();
  return entries;
}

export type { PreparedPublish, PublishBatchOutput };
