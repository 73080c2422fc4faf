import { sqsError } from "./errors.js";
import { intParameter, limits } from "./validate.js";

/** Attributes a queue is created with when the request does not set them (AWS's defaults). */
export const defaultQueueAttributes: Readonly<Record<string, string>> = {
  DelaySeconds: "0",
  MaximumMessageSize: String(limits.maxMessageBytes),
  MessageRetentionPeriod: "345600",
  ReceiveMessageWaitTimeSeconds: "0",
  VisibilityTimeout: "30",
  SqsManagedSseEnabled: "true",
};

/** Attributes GetQueueAttributes computes; they cannot be set. */
export const readOnlyAttributes = [
  "QueueArn",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
] as const;

/** Attributes CreateQueue and SetQueueAttributes accept. */
export const settableAttributes: ReadonlySet<string> = new Set([
  "DelaySeconds",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "Policy",
  "ReceiveMessageWaitTimeSeconds",
  "VisibilityTimeout",
  "RedrivePolicy",
  "RedriveAllowPolicy",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
  "SqsManagedSseEnabled",
]);
const fifoOnly = new Set([
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
]);

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface RedriveAllowPolicy {
  redrivePermission: "allowAll" | "denyAll" | "byQueue";
  sourceQueueArns?: string[];
}

/** Lookups the validation needs from the queue store. */
export interface AttributeContext {
  /** True when a queue with this ARN exists in this engine. */
  queueExists(arn: string): boolean;
}

/**
 * Validates attributes from CreateQueue / SetQueueAttributes and returns them
 * in canonical form (numbers without leading zeros, policies re-serialized),
 * so equal settings compare equal. An empty RedrivePolicy/RedriveAllowPolicy
 * value means "remove" and is kept as "".
 */
export function normalizeAttributes(
  attributes: Record<string, string> | undefined,
  ctx: AttributeContext,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attributes ?? {})) {
    const value = String(raw);
    // Even FifoQueue=false: a standard queue has no FifoQueue attribute, and SQS answers
    // "Unknown Attribute FifoQueue." (InvalidAttributeName) to CreateQueue and SetQueueAttributes.
    if (fifoOnly.has(name)) throw sqsError.invalidAttributeName(name);
    if (!settableAttributes.has(name)) throw sqsError.invalidAttributeName(name);
    out[name] = normalizeOne(name, value, ctx);
  }
  return out;
}

function normalizeOne(name: string, value: string, ctx: AttributeContext): string {
  const int = (min: number, max: number) => {
    const n = Number(value);
    // AWS's text, word for word, names only the attribute (recorded for DelaySeconds; the
    // other integer attributes are taken to share it, as moto's MaximumMessageSize does).
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
      throw sqsError.invalidAttributeValue(name);
    }
    return String(n);
  };
  switch (name) {
    case "DelaySeconds":
      return int(0, limits.maxDelaySeconds);
    case "MaximumMessageSize":
      return int(limits.minMessageBytes, limits.maxMessageBytes);
    case "MessageRetentionPeriod":
      return int(limits.minRetentionSeconds, limits.maxRetentionSeconds);
    case "ReceiveMessageWaitTimeSeconds":
      return int(0, limits.maxWaitTimeSeconds);
    case "VisibilityTimeout":
      return int(0, limits.maxVisibilityTimeoutSeconds);
    case "KmsDataKeyReusePeriodSeconds":
      return int(60, 86_400);
    case "SqsManagedSseEnabled":
      if (value !== "true" && value !== "false") {
        throw sqsError.invalidAttributeValue(
          name,
          `Must be true or false; got ${JSON.stringify(value)}.`,
        );
      }
      return value;
    case "RedrivePolicy":
      return value === "" ? "" : JSON.stringify(parseRedrivePolicy(value, ctx));
    case "RedriveAllowPolicy":
      return value === "" ? "" : JSON.stringify(parseRedriveAllowPolicy(value));
    case "Policy":
      if (value !== "") {
        try {
          JSON.parse(value);
        } catch {
          throw sqsError.invalidAttributeValue(name, "Policy is not valid JSON.");
        }
      }
      return value;
    default:
      return value;
  }
}

export function parseRedrivePolicy(value: string, ctx: AttributeContext): RedrivePolicy {
  const invalid = (reason: string) =>
    sqsError.invalidParameterValue(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid("Redrive policy is not a valid JSON map.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid("Redrive policy is not a valid JSON map.");
  }
  const { deadLetterTargetArn, maxReceiveCount, ...rest } = parsed as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined)
    throw invalid(
      `Only following keys are allowed: deadLetterTargetArn, maxReceiveCount; got ${extra}.`,
    );
  if (typeof deadLetterTargetArn !== "string" || deadLetterTargetArn === "") {
    throw invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  if (maxReceiveCount === undefined) {
    throw invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  const count = Number(maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > limits.maxReceiveCount) {
    throw invalid(
      `Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from 1 to ${limits.maxReceiveCount} both inclusive.`,
    );
  }
  if (!ctx.queueExists(deadLetterTargetArn))
    throw invalid("Invalid value for deadLetterTargetArn.");
  return { deadLetterTargetArn, maxReceiveCount: count };
}

export function parseRedriveAllowPolicy(value: string): RedriveAllowPolicy {
  const invalid = (reason: string) =>
    sqsError.invalidParameterValue(
      `Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: ${reason}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid("Amazon SQS can't parse the redrive allow policy as JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid("Amazon SQS can't parse the redrive allow policy as JSON.");
  }
  const { redrivePermission, sourceQueueArns } = parsed as Record<string, unknown>;
  if (
    redrivePermission !== "allowAll" &&
    redrivePermission !== "denyAll" &&
    redrivePermission !== "byQueue"
  ) {
    throw invalid(
      `redrivePermission must be one of allowAll, denyAll, byQueue; got ${JSON.stringify(redrivePermission)}.`,
    );
  }
  if (redrivePermission === "byQueue") {
    if (
      !Array.isArray(sourceQueueArns) ||
      sourceQueueArns.length < 1 ||
      sourceQueueArns.length > 10 ||
      !sourceQueueArns.every((a) => typeof a === "string")
    ) {
      throw invalid(
        "sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.",
      );
    }
    return { redrivePermission, sourceQueueArns: sourceQueueArns as string[] };
  }
  if (sourceQueueArns !== undefined) {
    throw invalid(`sourceQueueArns is only allowed when redrivePermission is byQueue.`);
  }
  return { redrivePermission };
}

/** Does the DLQ's RedriveAllowPolicy let `sourceArn` use it as its dead-letter queue? */
export function redriveAllowed(allowPolicy: string | undefined, sourceArn: string): boolean {
  if (!allowPolicy) return true;
  const policy = JSON.parse(allowPolicy) as RedriveAllowPolicy;
  if (policy.redrivePermission === "allowAll") return true;
  if (policy.redrivePermission === "denyAll") return false;
  return policy.sourceQueueArns?.includes(sourceArn) ?? false;
}

export { intParameter };
