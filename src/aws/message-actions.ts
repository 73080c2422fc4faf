import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { MessageActions } from "../lambda/message-actions.js";
import { fromRecordAttributes } from "./attributes.js";
import { sendToDeadLetterQueue } from "./dead-letter.js";

/** What {@link createSqsMessageActions} takes. */
export interface SqsMessageActionsOptions {
  /** The client the function calls SQS with. Required. */
  sqs: SQSClient;
  /** The job's queue (ChangeMessageVisibility, DeleteMessage). Required. */
  queueUrl: string;
  /** The job's dead-letter queue (SendMessage). Required. */
  dlqUrl: string;
}

/**
 * The MessageActions of a job's deployed Lambda, as SQS calls made from
 * inside the function: `retryAfter` is ChangeMessageVisibility on the
 * record's receipt handle (the record is then reported as a batch item
 * failure, so it comes back after that many seconds); `deadLetter` is
 * SendMessage of the body and attributes (plus the `deadLetterReason`
 * attribute) to the DLQ, then DeleteMessage from the queue.
 *
 * @example
 * const actions = createSqsMessageActions({ sqs: new SQSClient({}), queueUrl, dlqUrl });
 * export const handler = createSqsHandler(job, { jobName: "greeting", actions });
 */
export function createSqsMessageActions(options: SqsMessageActionsOptions): MessageActions {
  const { sqs, queueUrl, dlqUrl } = options;
  return {
    async retryAfter(record, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    async deadLetter(record, reason) {
      await sendToDeadLetterQueue(sqs, {
        queueUrl,
        dlqUrl,
        receiptHandle: record.receiptHandle,
        body: record.body,
        attributes: fromRecordAttributes(record.messageAttributes),
        reason,
      });
    },
  };
}
