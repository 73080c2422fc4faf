import {
  DeleteMessageCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { withDeadLetterReason } from "./attributes.js";

/** A received message to move to its DLQ. */
export interface DeadLetterMove {
  queueUrl: string;
  dlqUrl: string;
  receiptHandle: string;
  body: string;
  attributes: Readonly<Record<string, MessageAttributeValue>>;
  reason: string;
}

/**
 * Moves a received message to a DLQ: SendMessage of its body and attributes
 * (plus the reason) to the DLQ first, then DeleteMessage from its queue. In
 * this order a failure between the two leaves the message in both queues,
 * never in neither: SQS has no transaction across queues. The DLQ copy is a
 * new message (a new id, SentTimestamp and receive count), as SQS gives no
 * way to move a message by hand.
 */
export async function sendToDeadLetterQueue(sqs: SQSClient, move: DeadLetterMove): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: move.dlqUrl,
      MessageBody: move.body,
      MessageAttributes: withDeadLetterReason(move.attributes, move.reason),
    }),
  );
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: move.queueUrl, ReceiptHandle: move.receiptHandle }),
  );
}
