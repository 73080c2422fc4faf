import { AWS_LIMITS } from "../../core/limits.js";
import { echo, sqsError } from "./errors.js";
import type { MessageAttributeValue, MessageSystemAttributeValue } from "./types.js";

/** SQS limits, from the Amazon SQS Developer Guide "Amazon SQS quotas" and the API reference. */
/** SQS's limits, from the one table (src/core/limits.ts). */
export const limits = AWS_LIMITS.sqs;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
// XML 1.0 characters: what SQS accepts in a message body or string attribute
// (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF); tab, LF and CR are the allowed controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the allowed control characters are the point
const INVALID_CHARACTER = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
// "MessageGroupId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation
// (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)." (API Reference, SendMessage): printable ASCII but space.
const MESSAGE_GROUP_ID = /^[\x21-\x7E]{1,128}$/;

export function validateQueueName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) throw sqsError.missingParameter("QueueName");
  if (name.endsWith(".fifo")) {
    throw sqsError.unsupportedOperation(
      `FIFO queues are not supported by the offload engine (queue name ${echo(name)}); use a standard queue.`,
    );
  }
  if (!QUEUE_NAME.test(name)) {
    throw sqsError.invalidParameterValue(
      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
    );
  }
  return name;
}

/** SQS's reasons for the integer parameters it range-checks, word for word where AWS's are known. */
const rangeReasons: Record<string, (min: number, max: number) => string> = {
  MaxNumberOfMessages: (min, max) => `Must be between ${min} and ${max}, if provided.`,
  WaitTimeSeconds: (min, max) => `Must be >= ${min} and <= ${max}, if provided.`,
  DelaySeconds: (min, max) => `DelaySeconds must be >= ${min} and <= ${max}.`,
};

/** An integer parameter within [min, max], or undefined when absent. */
export function intParameter(
  name: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    const reason = rangeReasons[name]?.(min, max) ?? `Must be an integer from ${min} to ${max}.`;
    throw sqsError.parameterOutOfRange(name, value, reason);
  }
  return n;
}

export function validateBatchShape<T extends { Id: string }>(
  entries: T[] | undefined,
  entryShape: string,
): T[] {
  if (!entries || entries.length === 0) throw sqsError.emptyBatch(entryShape);
  if (entries.length > limits.maxBatchEntries) throw sqsError.tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry.Id !== "string" || !BATCH_ENTRY_ID.test(entry.Id))
      throw sqsError.invalidBatchEntryId();
    if (seen.has(entry.Id)) throw sqsError.batchEntryIdsNotDistinct(entry.Id);
    seen.add(entry.Id);
  }
  return entries;
}

/** A MessageGroupId SQS and SNS take: 1 to 128 printable ASCII characters but space. */
export function isMessageGroupId(id: unknown): id is string {
  return typeof id === "string" && MESSAGE_GROUP_ID.test(id);
}

/** A MessageGroupId as given (a fair queue's tenant), or undefined when there is none. */
export function validateMessageGroupId(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (!isMessageGroupId(id)) {
    throw sqsError.invalidMessageGroupId(String(id));
  }
  return id;
}

/**
 * What SQS counts of a batch entry towards the 1 MiB a batch request may carry: the body and
 * each attribute's name, type and value, in bytes. Counted before any entry is validated,
 * so a malformed field counts as nothing rather than failing here.
 */
export function batchEntrySize(entry: {
  MessageBody?: unknown;
  MessageAttributes?: Record<string, MessageAttributeValue> | undefined;
}): number {
  let size = typeof entry.MessageBody === "string" ? Buffer.byteLength(entry.MessageBody) : 0;
  const attributes = entry.MessageAttributes;
  if (typeof attributes !== "object" || attributes === null) return size;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    size += Buffer.byteLength(name);
    if (typeof value !== "object" || value === null) continue;
    if (typeof value.DataType === "string") size += Buffer.byteLength(value.DataType);
    if (typeof value.StringValue === "string") size += Buffer.byteLength(value.StringValue);
    if (value.BinaryValue instanceof Uint8Array) size += value.BinaryValue.length;
  }
  return size;
}

/**
 * Refuses a MessageDeduplicationId: it "applies only to FIFO (first-in-first-out) queues" (API
 * Reference, SendMessage) and every queue here is standard, so SQS's InvalidParameterValue
 * rather than dropping it unseen. `null` counts as absent, as in SQS's JSON protocol.
 */
export function refuseDeduplicationId(id: unknown, inBatch: boolean): void {
  if (id === undefined || id === null) return;
  throw inBatch
    ? sqsError.notForThisQueueTypeInBatch()
    : sqsError.notForThisQueueType("MessageDeduplicationId", id);
}

/**
 * A batch entry's empty body fails as SQS fails it: `EmptyValue`, naming the entry by its place
 * (1-based), where a SendMessage with an empty body is `MissingParameter` (validateBody).
 */
export function refuseEmptyBatchBody(body: unknown, index: number): void {
  if (body === "") {
    throw sqsError.emptyValue(`SendMessageBatchRequestEntry.${index + 1}.MessageBody`);
  }
}

export function validateBody(body: unknown): string {
  if (typeof body !== "string" || body.length === 0) throw sqsError.missingParameter("MessageBody");
  if (INVALID_CHARACTER.test(body)) throw sqsError.invalidMessageContents();
  return body;
}

/**
 * Validates message attributes and returns their size in bytes as SQS counts
 * it towards the message size: name + data type + value.
 */
export function validateMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): number {
  if (!attributes) return 0;
  const names = Object.keys(attributes);
  if (names.length > limits.maxMessageAttributes) {
    throw sqsError.invalidParameterValue(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${limits.maxMessageAttributes}].`,
    );
  }
  let size = 0;
  for (const name of names) {
    validateAttributeName(name);
    size += Buffer.byteLength(name, "utf8") + validateAttributeValue(name, attributes[name]);
  }
  return size;
}

function validateAttributeName(name: string): void {
  const reserved = /^(aws\.|amazon\.)/i.test(name);
  if (
    !ATTRIBUTE_NAME.test(name) ||
    reserved ||
    name.startsWith(".") ||
    name.endsWith(".") ||
    name.includes("..")
  ) {
    throw sqsError.invalidParameterValue(
      `Message (user) attribute '${echo(name)}' has an invalid name: names may contain letters, digits, '_', '-' and '.', at most 256 characters, must not start with 'AWS.' or 'Amazon.', start or end with '.', or contain '..'.`,
    );
  }
}

function validateAttributeValue(name: string, value: MessageAttributeValue | undefined): number {
  const dataType = value?.DataType;
  if (typeof dataType !== "string" || dataType.length === 0) {
    throw sqsError.invalidParameterValue(
      `The message attribute '${echo(name)}' must contain non-empty message attribute type.`,
    );
  }
  if (!DATA_TYPE.test(dataType) || dataType.length > 256) {
    throw sqsError.invalidParameterValue(
      `The type of message (user) attribute '${echo(name)}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  }
  const typeBytes = Buffer.byteLength(dataType, "utf8");
  if (dataType.startsWith("Binary")) {
    const bytes = value?.BinaryValue;
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      throw sqsError.invalidParameterValue(
        `The message attribute '${echo(name)}' with type 'Binary' must use field 'Binary'.`,
      );
    }
    return typeBytes + bytes.length;
  }
  const text = value?.StringValue;
  if (typeof text !== "string") {
    throw sqsError.invalidParameterValue(
      `The message attribute '${echo(name)}' with type '${dataType.startsWith("Number") ? "Number" : "String"}' must use field 'String'.`,
    );
  }
  if (text.length === 0) {
    throw sqsError.invalidParameterValue(
      `Message (user) attribute '${echo(name)}' must contain a non-empty value of type '${dataType.startsWith("Number") ? "Number" : "String"}'.`,
    );
  }
  if (INVALID_CHARACTER.test(text)) throw sqsError.invalidMessageContents();
  if (dataType.startsWith("Number") && !isAttributeNumber(text)) {
    throw sqsError.invalidParameterValue(
      `Can't cast the value of message (user) attribute '${echo(name)}' to a number.`,
    );
  }
  return typeBytes + Buffer.byteLength(text, "utf8");
}

/**
 * A Number message attribute's value, as SQS and SNS both take it: up to 38 significant
 * digits, between -10^128 and 10^126, in decimal.
 */
export function isAttributeNumber(text: string): boolean {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return false;
  const n = Number(text);
  if (!Number.isFinite(n) || n > 1e126 || n < -1e128) return false;
  const digits = text
    .replace(/[eE].*$/, "")
    .replace(/[^0-9]/g, "")
    .replace(/^0+/, "");
  return digits.replace(/0+$/, "").length <= 38;
}

/** Only AWSTraceHeader (a String) is accepted, as on AWS. Returns its size. */
export function validateSystemAttributes(
  attributes: Record<string, MessageSystemAttributeValue> | undefined,
): number {
  if (!attributes) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== "AWSTraceHeader") {
      throw sqsError.invalidParameterValue(
        `Message system attribute name '${echo(name)}' is invalid. The only supported message system attribute is AWSTraceHeader.`,
      );
    }
    if (
      value.DataType !== "String" ||
      typeof value.StringValue !== "string" ||
      value.StringValue === ""
    ) {
      throw sqsError.invalidParameterValue(
        "The message system attribute 'AWSTraceHeader' must be of type String with a non-empty value.",
      );
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(value.StringValue);
  }
  return size;
}
