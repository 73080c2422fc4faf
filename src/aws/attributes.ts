import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import { OffloadError } from "../core/errors.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { QueueMessage, QueueMessageAttribute } from "../core/transport.js";
import type { SQSMessageAttribute } from "../lambda/sqs-types.js";

/**
 * The message attribute offload adds when it moves a message to a DLQ itself
 * (Unrecoverable, a payload that can never succeed): why. SQS cannot annotate
 * a message otherwise; `dlq.list` reports it as `lastError`.
 */
export const DEAD_LETTER_REASON_ATTRIBUTE = "deadLetterReason";
/** SQS takes at most 10 message attributes per message (SendMessage). */
const MAX_MESSAGE_ATTRIBUTES = AWS_LIMITS.sqs.maxMessageAttributes;
/** Enough to say why; a stack trace would only crowd the message. */
const MAX_REASON_CHARS = 1024;

/** A received SDK message as the Transport port's QueueMessage. */
export function toQueueMessage(message: Message, queueUrl: string): QueueMessage {
  const missing = (field: string): never => {
    throw new OffloadError(
      "InvalidSqsResponse",
      `ReceiveMessage on ${queueUrl} returned a message without ${field}`,
      { queue: queueUrl },
    );
  };
  return {
    messageId: message.MessageId ?? missing("MessageId"),
    receiptHandle: message.ReceiptHandle ?? missing("ReceiptHandle"),
    body: message.Body ?? "",
    md5OfBody: message.MD5OfBody ?? "",
    attributes: { ...message.Attributes },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? "String",
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
          ...(value.BinaryValue === undefined ? {} : { binaryValue: value.BinaryValue }),
        } satisfies QueueMessageAttribute,
      ]),
    ),
  };
}

/** The port's message attributes as SendMessage takes them. */
export function fromQueueAttributes(
  attributes: Readonly<Record<string, QueueMessageAttribute>>,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.dataType,
        ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
        ...(value.binaryValue === undefined ? {} : { BinaryValue: value.binaryValue }),
      },
    ]),
  );
}

/** A Lambda SQS record's message attributes (binary values in base64) as SendMessage takes them. */
export function fromRecordAttributes(
  attributes: Readonly<Record<string, SQSMessageAttribute>>,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.dataType,
        ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
        ...(value.binaryValue === undefined
          ? {}
          : { BinaryValue: new Uint8Array(Buffer.from(value.binaryValue, "base64")) }),
      },
    ]),
  );
}

/** Attributes for the DLQ copy of a message: its own, plus why it was dead-lettered (while SQS's limit of 10 allows). */
export function withDeadLetterReason(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
  reason: string,
): Record<string, MessageAttributeValue> {
  const { [DEAD_LETTER_REASON_ATTRIBUTE]: _previous, ...own } = attributes;
  // SQS refuses an empty string value, and an 11th attribute.
  if (reason === "" || Object.keys(own).length >= MAX_MESSAGE_ATTRIBUTES) return own;
  return {
    ...own,
    [DEAD_LETTER_REASON_ATTRIBUTE]: {
      DataType: "String",
      StringValue:
        reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason,
    },
  };
}

/** Attributes for a message going back from the DLQ to its queue: the dead-letter reason dropped. */
export function withoutDeadLetterReason(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): Record<string, MessageAttributeValue> {
  const { [DEAD_LETTER_REASON_ATTRIBUTE]: _reason, ...own } = attributes;
  return own;
}
