/**
 * The Transport port: the queue operations jobs need, by job name. The local
 * engine and AWS (SNS + SQS) implement it; nothing here names a storage or a
 * client type, and receipt handles are opaque strings.
 */

import { MAX_VISIBILITY_TIMEOUT_SECONDS } from "./backoff.js";
import { OffloadError } from "./errors.js";
import { AWS_LIMITS } from "./limits.js";

/** One job to enqueue. */
export interface SendRequest {
  jobName: string;
  /** The job's id (see job-id.ts): carried as the `jobId` message attribute; what `send` resolves with. */
  jobId: string;
  /** The payload, serialized as JSON: the message body. */
  body: string;
  /**
   * Delivery delay in whole seconds, 0 to 31,536,000 (365 days,
   * `MAX_SCHEDULED_DELAY_SECONDS`). Up to 900 (SQS's DelaySeconds) the transport delays the
   * message itself; beyond, it schedules the send: the local engine holds the message until it
   * is due (its retention counting from then), AWS creates an EventBridge Scheduler one-time
   * `at()` schedule that sends it, with the seconds past the schedule's minute as its
   * DelaySeconds. Absent: the job's default delay (its queue's DelaySeconds).
   */
  delaySeconds?: number;
  /**
   * Message attribute `idempotencyKey`: a second job of the same name with the same key within
   * `idempotencyWindowMs` is not sent, and `send` resolves with the first job's id (where the
   * backend keeps job records).
   */
  idempotencyKey?: string;
  /** How long an idempotencyKey holds, ms: the job's `idempotencyWindow`. @defaultValue 24 hours */
  idempotencyWindowMs?: number;
  /** Message attribute `traceparent` (W3C trace context). */
  traceparent?: string;
}

/** A message attribute as SQS delivers it. */
export interface QueueMessageAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: Uint8Array;
}

/** A received message. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** SQS system attributes as strings: ApproximateReceiveCount, SentTimestamp, SenderId, ... */
  attributes: Readonly<Record<string, string>>;
  messageAttributes: Readonly<Record<string, QueueMessageAttribute>>;
}

export interface ReceiveRequest {
  /** 1–10. */
  maxMessages: number;
  /** Long polling, 0–20 s. */
  waitTimeSeconds: number;
  /** Ends a long poll early (shutdown). */
  signal?: AbortSignal;
}

/** The approximate state of a job's queue and DLQ. */
export interface JobQueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  oldestMessageAgeSeconds: number;
  /**
   * Epoch ms the first delayed job is due, where the backend knows it (the local engine);
   * absent when none is delayed or the backend cannot tell.
   */
  nextDueAt?: number;
  dlq: { visible: number; oldestMessageAgeSeconds: number };
}

/** A message in a job's DLQ, read without consuming it. */
export interface DeadLetter {
  /** The job's id (its `jobId` attribute, or its message id). */
  jobId: string;
  messageId: string;
  body: string;
  /** Message attributes as strings (jobName, idempotencyKey, ...). */
  attributes: Readonly<Record<string, string>>;
  receiveCount: number;
  /** Epoch ms of the first send. */
  sentAt: number;
  /** The first and last error of its attempts, where the backend keeps them. */
  firstError: string | undefined;
  lastError: string | undefined;
}

/** Operations on a job's dead-letter queue. */
export interface DeadLetterQueue {
  /** Up to `limit` messages, oldest first, without consuming them. */
  list(jobName: string, options: { limit: number }): Promise<DeadLetter[]>;
  /**
   * Moves messages (all, or these ids: job ids or message ids) back to the job's queue as new
   * messages, each keeping its job id. With ids, `notFound` lists those that were not in the DLQ
   * (and so moved nowhere).
   */
  redrive(jobName: string, options: { ids?: readonly string[] }): Promise<RedriveResult>;
  /**
   * Deletes every message in the DLQ.
   * @throws OffloadError PurgeInProgress when the DLQ was purged less than 60 seconds ago (SQS allows one purge a minute).
   */
  purge(jobName: string): Promise<{ purged: number }>;
}

/** What a redrive did. */
export interface RedriveResult {
  moved: number;
  /** Chosen ids that were not in the DLQ; present only when ids were chosen. */
  notFound?: string[];
}

/** SQS allows one purge of a queue every 60 seconds; both transports answer a second one with this. */
export const PURGE_INTERVAL_SECONDS = AWS_LIMITS.sqs.purgeIntervalSeconds;

/** The error for a purge within {@link PURGE_INTERVAL_SECONDS} of the last one. */
export function purgeInProgress(jobName: string, cause: unknown): OffloadError {
  return new OffloadError(
    "PurgeInProgress",
    `The DLQ of ${jobName} was purged less than ${PURGE_INTERVAL_SECONDS} seconds ago, and SQS allows one purge a minute: try again in a minute`,
    { jobName, cause },
  );
}

/** The codes of SQS's ChangeMessageVisibility errors that only a receipt handle causes. */
const RECEIPT_CODES: ReadonlySet<unknown> = new Set([
  "ReceiptHandleIsInvalid",
  "MessageNotInflight",
]);

/**
 * SQS refuses a stale receipt (the message was received again, or deleted) with
 * InvalidParameterValue ("Value <handle> for parameter ReceiptHandle is invalid";
 * `InvalidParameterValueException` as the SDK names the JSON protocol's shape), which
 * also answers a VisibilityTimeout out of range: read as stale only for one in range.
 */
const PARAMETER_CODES: ReadonlySet<unknown> = new Set([
  "InvalidParameterValue",
  "InvalidParameterValueException",
]);

/**
 * Whether SQS's code for a refused ChangeMessageVisibility to `seconds` (the engine's, or an
 * SDK error's `name` or `Code`) means the receipt no longer holds the message. Its errors are
 * those of the API reference's ChangeMessageVisibility page.
 */
export function isStaleReceiptCode(code: unknown, seconds: number): boolean {
  if (RECEIPT_CODES.has(code)) return true;
  const inRange =
    Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_VISIBILITY_TIMEOUT_SECONDS;
  return inRange && PARAMETER_CODES.has(code);
}

/** The error for a visibility change the receipt no longer allows (see {@link Transport.changeVisibility}). */
export function staleReceipt(jobName: string, cause: unknown): OffloadError<"StaleReceipt"> {
  return new OffloadError(
    "StaleReceipt",
    `The receipt handle of a ${jobName} message no longer holds it: it was received again, or deleted`,
    { jobName, cause },
  );
}

export interface Transport {
  /**
   * Enqueues one job durably; resolves with its job id: `request.jobId`, or the first job's id
   * when an idempotencyKey matched one (nothing is sent then).
   */
  send(request: SendRequest): Promise<string>;
  receive(jobName: string, request: ReceiveRequest): Promise<QueueMessage[]>;
  /** Deletes processed messages (any number; batched as the backend needs). */
  deleteMessages(jobName: string, receiptHandles: readonly string[]): Promise<void>;
  /**
   * Makes a received message visible again after `seconds`.
   * @throws OffloadError StaleReceipt when the receipt no longer holds the message (it was received again, or deleted).
   */
  changeVisibility(jobName: string, receiptHandle: string, seconds: number): Promise<void>;
  /** Moves a received message to the job's DLQ now, without further attempts. */
  deadLetter(jobName: string, message: QueueMessage, reason: string): Promise<void>;
  /** The ARN of the job's queue (the `eventSourceARN` of its records). */
  queueArn(jobName: string): string;
  /** The region records report as `awsRegion`. */
  readonly region: string;
  stats(jobName: string): Promise<JobQueueStats>;
  readonly dlq: DeadLetterQueue;
  /**
   * Keeps an attempt's error with the message, where the backend can (the
   * local engine can; SQS cannot annotate a message, so there it is a no-op).
   */
  noteError(jobName: string, messageId: string, error: string): Promise<void>;
}
