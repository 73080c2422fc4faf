import type { QueueMessage } from "../core/transport.js";
import type {
  SQSEvent,
  SQSMessageAttribute,
  SQSRecord,
  SQSRecordAttributes,
} from "../lambda/sqs-types.js";

/** The records Lambda's SQS event source would deliver for these messages. */
export function toSqsEvent(
  messages: readonly QueueMessage[],
  eventSourceARN: string,
  awsRegion: string,
): SQSEvent {
  return { Records: messages.map((m) => toSqsRecord(m, eventSourceARN, awsRegion)) };
}

export function toSqsRecord(
  message: QueueMessage,
  eventSourceARN: string,
  awsRegion: string,
): SQSRecord {
  // Built field by field, without spreads or Object.fromEntries: this runs for every job.
  const a = message.attributes;
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? "0",
    SenderId: a.SenderId ?? "",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? "0",
  };
  if (a.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = a.AWSTraceHeader;
  if (a.DeadLetterQueueSourceArn !== undefined)
    attributes.DeadLetterQueueSourceArn = a.DeadLetterQueueSourceArn;
  const messageAttributes: Record<string, SQSMessageAttribute> = {};
  for (const name in message.messageAttributes) {
    const value = message.messageAttributes[name]!;
    const attribute: SQSMessageAttribute = {
      stringListValues: [],
      binaryListValues: [],
      dataType: value.dataType,
    };
    if (value.stringValue !== undefined) attribute.stringValue = value.stringValue;
    if (value.binaryValue !== undefined)
      attribute.binaryValue = Buffer.from(value.binaryValue).toString("base64");
    messageAttributes[name] = attribute;
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes,
    messageAttributes,
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN,
    awsRegion,
  };
}
