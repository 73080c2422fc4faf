import type { QueueMessage } from "../core/transport.js";
import type { SQSEvent, SQSRecord } from "../lambda/sqs-types.js";

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
  const a = message.attributes;
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
      SentTimestamp: a.SentTimestamp ?? "0",
      SenderId: a.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? "0",
      ...(a.AWSTraceHeader === undefined ? {} : { AWSTraceHeader: a.AWSTraceHeader }),
      ...(a.DeadLetterQueueSourceArn === undefined
        ? {}
        : { DeadLetterQueueSourceArn: a.DeadLetterQueueSourceArn }),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [
        name,
        {
          ...(value.stringValue === undefined ? {} : { stringValue: value.stringValue }),
          ...(value.binaryValue === undefined
            ? {}
            : { binaryValue: Buffer.from(value.binaryValue).toString("base64") }),
          stringListValues: [],
          binaryListValues: [],
          dataType: value.dataType,
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN,
    awsRegion,
  };
}
