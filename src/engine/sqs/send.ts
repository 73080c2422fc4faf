import { randomUUID } from "node:crypto";
import { JOB_ID_ATTRIBUTE, JOB_ID_PATTERN } from "../../core/job-id.js";
import { MAX_SCHEDULED_DELAY_SECONDS } from "../../core/send-request.js";
import type { EngineContext } from "../context.js";
import { AwsApiError } from "../errors.js";
import { sqsError } from "./errors.js";
import { noteGroupedMessage } from "./fair.js";
import { md5Hex, md5OfAttributes, md5OfStoredAttributes } from "./md5.js";
import { deserializeAttributes, serializeAttributes } from "./message-row.js";
import type { QueueRecord } from "./queue-store.js";
import type {
  BatchResultErrorEntry,
  SendMessageBatchInput,
  SendMessageBatchOutput,
  SendMessageBatchRequestEntry,
  SendMessageOutput,
} from "./types.js";
import {
  batchEntrySize,
  intParameter,
  limits,
  refuseDeduplicationId,
  refuseEmptyBatchBody,
  validateBatchShape,
  validateBody,
  validateMessageAttributes,
  validateMessageGroupId,
  validateSystemAttributes,
} from "./validate.js";

/** Engine-only send options (not part of the SQS request). */
export interface SendOptions {
  /**
   * Accept a DelaySeconds above SQS's 900 s, up to 365 days
   * (MAX_SCHEDULED_DELAY_SECONDS): a job's scheduled send. The SQS API itself never allows it.
   * Such a message counts as sent when it is due (see {@link insertMessage}).
   */
  allowLongDelay?: boolean;
}

/** A validated message, ready to insert. */
export interface PreparedMessage {
  body: string;
  attributes: string | null;
  md5Body: string;
  md5Attributes: string | undefined;
  systemAttributes: string | null;
  md5SystemAttributes: string | undefined;
  /** The fair-queue tenant, when the sender named one. */
  messageGroupId: string | undefined;
  delaySeconds: number;
  /** The `jobId` String attribute: the job's id, when the message enters a tracked job queue. */
  jobId: string | undefined;
  /** The `idempotencyKey` String attribute, kept with the job's record. */
  idempotencyKey: string | undefined;
}

/** The attribute the job records keep an idempotency key from. */
export const IDEMPOTENCY_KEY_ATTRIBUTE = "idempotencyKey";

/** A String attribute's value, undefined when absent, empty or of another type. */
function stringAttribute(
  attributes: SendMessageBatchRequestEntry["MessageAttributes"],
  name: string,
): string | undefined {
  const value = attributes?.[name];
  return value?.DataType === "String" && value.StringValue ? value.StringValue : undefined;
}

/** A `jobId` attribute that is a job id: a String that keeps the job-id rule. */
function jobIdAttribute(attributes: SendMessageBatchRequestEntry["MessageAttributes"]) {
  const value = stringAttribute(attributes, JOB_ID_ATTRIBUTE);
  return value !== undefined && JOB_ID_PATTERN.test(value) ? value : undefined;
}

/**
 * The message as stored with `jobId` as its jobId String attribute, so that every hop after
 * (receive, the DLQ, a redrive) carries the id its record has. The sender's answer keeps the
 * MD5s of what it sent.
 */
function withStoredJobId(message: PreparedMessage, jobId: string): PreparedMessage {
  const attributes = deserializeAttributes(message.attributes);
  attributes[JOB_ID_ATTRIBUTE] = { DataType: "String", StringValue: jobId };
  return {
    ...message,
    attributes: serializeAttributes(attributes),
    md5Attributes: md5OfAttributes(attributes),
    jobId,
  };
}

export function prepareMessage(
  queue: QueueRecord,
  entry: Omit<SendMessageBatchRequestEntry, "Id">,
  options: SendOptions,
): PreparedMessage {
  const body = validateBody(entry.MessageBody);
  const messageGroupId = validateMessageGroupId(entry.MessageGroupId);
  const maxDelay = options.allowLongDelay ? MAX_SCHEDULED_DELAY_SECONDS : limits.maxDelaySeconds;
  const delaySeconds =
    intParameter("DelaySeconds", entry.DelaySeconds, 0, maxDelay) ?? queue.delaySeconds;
  const size =
    Buffer.byteLength(body, "utf8") +
    validateMessageAttributes(entry.MessageAttributes) +
    validateSystemAttributes(entry.MessageSystemAttributes);
  if (size > queue.maxMessageBytes) {
    throw sqsError.invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${queue.maxMessageBytes} bytes.`,
    );
  }
  const trace = entry.MessageSystemAttributes?.AWSTraceHeader;
  const attributes = serializeAttributes(entry.MessageAttributes);
  return {
    body,
    attributes,
    md5Body: md5Hex(body),
    md5Attributes: md5OfStoredAttributes(attributes, entry.MessageAttributes),
    systemAttributes: trace ? JSON.stringify({ AWSTraceHeader: trace.StringValue }) : null,
    md5SystemAttributes: md5OfAttributes(entry.MessageSystemAttributes),
    messageGroupId,
    delaySeconds,
    jobId: jobIdAttribute(entry.MessageAttributes),
    idempotencyKey: stringAttribute(entry.MessageAttributes, IDEMPOTENCY_KEY_ATTRIBUTE),
  };
}

/**
 * Inserts inside a committer op. Returns the message id.
 *
 * A delay beyond SQS's 900 s is a scheduled send: on AWS an EventBridge Scheduler schedule sends
 * the message when it is due, so its SentTimestamp, and the retention period counted from it,
 * start then. Here the message is stored at once (durable from the send) but counts as sent when
 * it is due, so a 30-day delay outlives a 4-day (or 14-day) retention: neither the sweeper nor a
 * receive expires it before it is due, and it then has the queue's whole retention to run.
 */
export function insertMessage(
  ctx: EngineContext,
  queue: QueueRecord,
  message: PreparedMessage,
  now: number,
  options: { messageId?: string; jobIdIfNone?: string } = {},
): string {
  if (ctx.queues.byName(queue.name)?.id !== queue.id) throw sqsError.nonExistentQueue(queue.url);
  const messageId = options.messageId ?? randomUUID();
  const tracked = ctx.jobs.queueOf(queue.id);
  // A job's id: its jobId attribute, else (sent over the SQS API without one, or with one that
  // is no job id) `jobIdIfNone` (a publish's message id) or its message id, which the stored
  // message then carries as its jobId.
  const stored =
    tracked?.role === "queue" && message.jobId === undefined
      ? withStoredJobId(message, options.jobIdIfNone ?? messageId)
      : message;
  const jobId = tracked?.role === "queue" ? stored.jobId! : null;
  const dueAt = now + message.delaySeconds * 1000;
  const sentAt = message.delaySeconds > limits.maxDelaySeconds ? dueAt : now;
  const { lastInsertRowid } = ctx.stmts
    .get(
      `INSERT INTO messages (queue_id, message_id, body, attributes, md5_body, md5_attributes,
         system_attributes, md5_system_attributes, sender_id, sent_at, visible_at, message_group_id,
         job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      queue.id,
      messageId,
      message.body,
      stored.attributes,
      message.md5Body,
      stored.md5Attributes ?? null,
      message.systemAttributes,
      message.md5SystemAttributes ?? null,
      ctx.senderId,
      sentAt,
      dueAt,
      message.messageGroupId ?? null,
      jobId,
    );
  if (tracked && jobId !== null) {
    const seq = Number(lastInsertRowid);
    const arrival = {
      jobName: tracked.jobName,
      jobId,
      seq,
      runAt: message.delaySeconds > 0 ? dueAt : undefined,
      idempotencyKey: message.idempotencyKey,
    };
    if (!ctx.jobs.accepted(arrival, now)) {
      // The id names another job that is not over (a client of the SQS API reusing it): this
      // message is a job of its own, named by its message id.
      const own = withStoredJobId(stored, messageId);
      ctx.stmts
        .get("UPDATE messages SET job_id = ?, attributes = ?, md5_attributes = ? WHERE seq = ?")
        .run(messageId, own.attributes, own.md5Attributes ?? null, seq);
      ctx.jobs.accepted({ ...arrival, jobId: messageId }, now);
    }
  }
  if (message.messageGroupId !== undefined) noteGroupedMessage(ctx, queue.id);
  const queueId = queue.id;
  ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
  return messageId;
}

function sendResult(messageId: string, message: PreparedMessage): SendMessageOutput {
  return {
    MessageId: messageId,
    MD5OfMessageBody: message.md5Body,
    ...(message.md5Attributes ? { MD5OfMessageAttributes: message.md5Attributes } : {}),
    ...(message.md5SystemAttributes
      ? { MD5OfMessageSystemAttributes: message.md5SystemAttributes }
      : {}),
  };
}

export async function sendMessage(
  ctx: EngineContext,
  queue: QueueRecord,
  entry: Omit<SendMessageBatchRequestEntry, "Id">,
  options: SendOptions,
): Promise<SendMessageOutput> {
  refuseDeduplicationId(entry.MessageDeduplicationId, false);
  const message = prepareMessage(queue, entry, options);
  const messageId = await ctx.committer.run(() =>
    insertMessage(ctx, queue, message, ctx.clock.now()),
  );
  return sendResult(messageId, message);
}

export async function sendMessageBatch(
  ctx: EngineContext,
  queue: QueueRecord,
  input: SendMessageBatchInput,
  options: SendOptions,
): Promise<SendMessageBatchOutput> {
  const entries = validateBatchShape(input.Entries, "SendMessageBatchRequestEntry");
  // The whole request fails when its entries together are over the limit, even one entry
  // alone: "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes."
  // (AWS, recorded in LocalStack's test_send_message_batch_with_oversized_contents snapshot;
  // the limit is 1 MiB since 2025-08).
  const total = entries.reduce((sum, entry) => sum + batchEntrySize(entry), 0);
  if (total > limits.maxMessageBytes) {
    throw sqsError.batchRequestTooLong(limits.maxMessageBytes, total);
  }
  const failed: BatchResultErrorEntry[] = [];
  const ready: Array<{ id: string; message: PreparedMessage }> = [];
  for (const [index, entry] of entries.entries()) {
    try {
      refuseEmptyBatchBody(entry.MessageBody, index);
      refuseDeduplicationId(entry.MessageDeduplicationId, true);
      ready.push({ id: entry.Id, message: prepareMessage(queue, entry, options) });
    } catch (error) {
      failed.push(batchFailure(entry.Id, error));
    }
  }
  const ids = await ctx.committer.run(() => {
    const now = ctx.clock.now();
    return ready.map(({ message }) => insertMessage(ctx, queue, message, now));
  });
  return {
    Successful: ready.map(({ id, message }, i) => ({ Id: id, ...sendResult(ids[i]!, message) })),
    Failed: failed,
  };
}

/** A batch entry's failure in SQS's shape; anything but an AWS error is ours, not the sender's. */
export function batchFailure(id: string, error: unknown): BatchResultErrorEntry {
  if (error instanceof AwsApiError) {
    return { Id: id, SenderFault: error.sender, Code: error.code, Message: error.message };
  }
  throw error;
}
