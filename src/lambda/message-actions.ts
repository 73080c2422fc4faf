import type { SQSRecord } from "./sqs-types.js";

/**
 * What a handler does to a message besides succeeding or failing. On AWS
 * these are SQS calls made from inside the function (ChangeMessageVisibility,
 * SendMessage to the DLQ + DeleteMessage); locally the runtime applies them.
 */
export interface MessageActions {
  /** The failed message becomes visible again after `seconds` (RetryLater, backoff). */
  retryAfter(record: SQSRecord, seconds: number): Promise<void>;
  /** The message goes to the job's DLQ now, with no further attempts. */
  deadLetter(record: SQSRecord, reason: string): Promise<void>;
}

/** Records what was asked, for a runtime that applies the actions after the batch. */
export class CollectedActions implements MessageActions {
  readonly retries = new Map<string, number>();
  readonly deadLetters = new Map<string, string>();

  async retryAfter(record: SQSRecord, seconds: number): Promise<void> {
    this.retries.set(record.messageId, seconds);
  }

  async deadLetter(record: SQSRecord, reason: string): Promise<void> {
    this.deadLetters.set(record.messageId, reason);
  }
}
