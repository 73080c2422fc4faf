import { AwsApiError, invalidParameterValue } from "../../engine/errors.js";
import { decodeBase64 } from "./form.js";
import type { SqsAction } from "./sqs-actions.js";

/**
 * The input shapes of SQS's JSON protocol, from the SQS model (`com.amazonaws.sqs`), and
 * the one check every request body passes before the engine sees it: each member the
 * action knows must have its modelled type, or the request is refused with AWS's
 * `SerializationException` ("STRING_VALUE can not be converted to an Integer", as SQS
 * answers `"DelaySeconds":"5"`), naming where. Members the action does not know are left
 * out, as AWS ignores them; `null` counts as absent. Maps come out with no prototype, so a
 * key such as `__proto__` is data like any other.
 */

type Shape =
  | "string"
  | "integer"
  | "blob"
  | { list: Shape; name: string }
  | { map: Shape }
  | { structure: Record<string, Shape>; name: string };

const strings: Shape = { list: "string", name: "a List" };
const stringMap: Shape = { map: "string" };
const attributeValue: Shape = {
  name: "MessageAttributeValue",
  structure: {
    DataType: "string",
    StringValue: "string",
    BinaryValue: "blob",
    StringListValues: strings,
    BinaryListValues: { list: "blob", name: "a List" },
  },
};
const attributeMap: Shape = { map: attributeValue };
const message = {
  MessageBody: "string",
  DelaySeconds: "integer",
  MessageAttributes: attributeMap,
  MessageSystemAttributes: attributeMap,
  MessageDeduplicationId: "string",
  MessageGroupId: "string",
} as const satisfies Record<string, Shape>;
const entries = (name: string, structure: Record<string, Shape>): Shape => ({
  list: { name, structure: { Id: "string", ...structure } },
  name: "a List",
});

/** Every action's input members (API Reference, each action's "Request Parameters"). */
const INPUTS: Record<SqsAction, Record<string, Shape>> = {
  CreateQueue: { QueueName: "string", Attributes: stringMap, tags: stringMap },
  GetQueueUrl: { QueueName: "string", QueueOwnerAWSAccountId: "string" },
  ListQueues: { QueueNamePrefix: "string", NextToken: "string", MaxResults: "integer" },
  DeleteQueue: { QueueUrl: "string" },
  GetQueueAttributes: { QueueUrl: "string", AttributeNames: strings },
  SetQueueAttributes: { QueueUrl: "string", Attributes: stringMap },
  SendMessage: { QueueUrl: "string", ...message },
  SendMessageBatch: {
    QueueUrl: "string",
    Entries: entries("SendMessageBatchRequestEntry", message),
  },
  ReceiveMessage: {
    QueueUrl: "string",
    AttributeNames: strings,
    MessageSystemAttributeNames: strings,
    MessageAttributeNames: strings,
    MaxNumberOfMessages: "integer",
    VisibilityTimeout: "integer",
    WaitTimeSeconds: "integer",
    ReceiveRequestAttemptId: "string",
  },
  DeleteMessage: { QueueUrl: "string", ReceiptHandle: "string" },
  DeleteMessageBatch: {
    QueueUrl: "string",
    Entries: entries("DeleteMessageBatchRequestEntry", { ReceiptHandle: "string" }),
  },
  ChangeMessageVisibility: {
    QueueUrl: "string",
    ReceiptHandle: "string",
    VisibilityTimeout: "integer",
  },
  ChangeMessageVisibilityBatch: {
    QueueUrl: "string",
    Entries: entries("ChangeMessageVisibilityBatchRequestEntry", {
      ReceiptHandle: "string",
      VisibilityTimeout: "integer",
    }),
  },
  PurgeQueue: { QueueUrl: "string" },
  ListDeadLetterSourceQueues: { QueueUrl: "string", NextToken: "string", MaxResults: "integer" },
  StartMessageMoveTask: {
    SourceArn: "string",
    DestinationArn: "string",
    MaxNumberOfMessagesPerSecond: "integer",
  },
  CancelMessageMoveTask: { TaskHandle: "string" },
  ListMessageMoveTasks: { SourceArn: "string", MaxResults: "integer" },
  TagQueue: { QueueUrl: "string", Tags: stringMap },
  UntagQueue: { QueueUrl: "string", TagKeys: strings },
  ListQueueTags: { QueueUrl: "string" },
};

/**
 * The input of `action` from a parsed JSON body, every member checked against its shape and
 * binary values decoded from base64.
 *
 * @throws AwsApiError SerializationException naming the first member of the wrong type;
 * InvalidParameterValue for a binary value that is not base64.
 */
export function sqsJsonInput(
  action: SqsAction,
  body: Record<string, unknown>,
): Record<string, unknown> {
  return readStructure(INPUTS[action], body, "");
}

function readStructure(
  members: Record<string, Shape>,
  value: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(members)) {
    const member = Object.hasOwn(value, name) ? value[name] : undefined;
    if (member === undefined || member === null) continue;
    out[name] = read(members[name]!, member, path === "" ? name : `${path}.${name}`);
  }
  return out;
}

function read(shape: Shape, value: unknown, path: string): unknown {
  if (shape === "string") {
    if (typeof value !== "string") throw mismatch(value, "a String", path);
    return value;
  }
  if (shape === "integer") {
    if (typeof value !== "number") throw mismatch(value, "an Integer", path);
    if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31) {
      throw serializationError(`${value} can not be converted to an Integer (at ${path}).`);
    }
    return value;
  }
  if (shape === "blob") {
    if (typeof value !== "string") throw mismatch(value, "a Blob", path);
    return decodeBase64(value, path, invalidParameterValue);
  }
  if ("list" in shape) {
    if (!Array.isArray(value)) throw mismatch(value, shape.name, path);
    return value.map((item, i) => {
      const at = `${path}.${i}`;
      if (item === null) throw mismatch(item, describe(shape.list), at);
      return read(shape.list, item, at);
    });
  }
  if (!isObject(value)) throw mismatch(value, "structure" in shape ? shape.name : "a Map", path);
  if ("structure" in shape) return readStructure(shape.structure, value, path);
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === null) throw mismatch(item, describe(shape.map), `${path}.${key}`);
    out[key] = read(shape.map, item, `${path}.${key}`);
  }
  return out;
}

function describe(shape: Shape): string {
  if (shape === "string") return "a String";
  if (shape === "integer") return "an Integer";
  if (shape === "blob") return "a Blob";
  if ("structure" in shape) return shape.name;
  return "list" in shape ? shape.name : "a Map";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON token a value starts with, in the words of AWS's parser. */
function token(value: unknown): string {
  if (value === null) return "VALUE_NULL";
  if (Array.isArray(value)) return "START_ARRAY";
  switch (typeof value) {
    case "string":
      return "STRING_VALUE";
    case "number":
      return "NUMBER_VALUE";
    case "boolean":
      return "BOOLEAN_VALUE";
    default:
      return "START_OBJECT";
  }
}

function mismatch(value: unknown, expected: string, path: string): AwsApiError {
  return serializationError(`${token(value)} can not be converted to ${expected} (at ${path}).`);
}

export function serializationError(message: string): AwsApiError {
  return new AwsApiError("SerializationException", message, { type: "SerializationException" });
}
