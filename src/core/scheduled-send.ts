/**
 * What an EventBridge Scheduler schedule sends to a job's queue: the input of the universal
 * target `arn:<partition>:scheduler:::aws-sdk:sqs:sendMessage`, which is the SQS SendMessage
 * request itself. Scheduler's templated SQS target takes only a body (and a FIFO group id), not
 * message attributes; the job function needs `jobName` and `jobId` as attributes, exactly as a
 * direct send carries them. Shared by the AWS transport (one-time schedules of long delays) and
 * the stack (a job's recurring schedules), so both send the same message.
 */

import { OffloadError } from "./errors.js";
import type { StringMessageAttribute } from "./job-attributes.js";
import { AWS_LIMITS } from "./limits.js";

/** Scheduler's largest target input: 256 KiB, the whole SendMessage request included. */
export const MAX_SCHEDULED_INPUT_BYTES = AWS_LIMITS.scheduler.maxInputBytes;

/**
 * A target's retries: Scheduler's most (185 attempts within 24 hours), so a queue that
 * throttles or is briefly unreachable still gets the job; what fails them all goes to the
 * stack's scheduler DLQ.
 */
export const SCHEDULE_RETRY_POLICY = Object.freeze({
  MaximumRetryAttempts: AWS_LIMITS.scheduler.maxRetryAttempts,
  MaximumEventAgeInSeconds: AWS_LIMITS.scheduler.maxEventAgeSeconds,
});

/** The universal target that calls SQS SendMessage. */
export function sqsSendMessageTargetArn(partition: string): string {
  return `arn:${partition}:scheduler:::aws-sdk:sqs:sendMessage`;
}

/** What a scheduled SendMessage carries. */
export interface ScheduledSendMessage {
  queueUrl: string;
  body: string;
  attributes: Readonly<Record<string, StringMessageAttribute>>;
  /** @defaultValue none: the queue's own delivery delay applies */
  delaySeconds?: number;
}

/**
 * The target input: SendMessage's request as JSON. Every `<` is written `\u003c`, which JSON
 * reads back as `<`: Scheduler replaces the keywords `<aws.scheduler.…>` in the input as text,
 * and must not find one in a payload. `contextAttributes` are then set as they are, so that
 * Scheduler does replace theirs (e.g. `{ jobId: "<aws.scheduler.scheduled-time>" }`).
 *
 * @example
 * sendMessageInput({ queueUrl, body: '{"n":1}', attributes: { jobName: { DataType: "String", StringValue: "greeting" } }, delaySeconds: 37 });
 * // '{"QueueUrl":"…","MessageBody":"{\"n\":1}","MessageAttributes":{…},"DelaySeconds":37}'
 */
export function sendMessageInput(
  message: ScheduledSendMessage,
  contextAttributes: Readonly<Record<string, string>> = {},
): string {
  const escaped = JSON.stringify({
    QueueUrl: message.queueUrl,
    MessageBody: message.body,
    MessageAttributes: message.attributes,
    ...(message.delaySeconds === undefined ? {} : { DelaySeconds: message.delaySeconds }),
  }).replace(/</g, "\\u003c");
  const entries = Object.entries(contextAttributes);
  if (entries.length === 0) return escaped;
  const extra = entries
    .map(
      ([name, value]) =>
        `${JSON.stringify(name)}:{"DataType":"String","StringValue":${JSON.stringify(value)}}`,
    )
    .join(",");
  // The attributes object is never empty (jobName is always there): insert before its end.
  const at = escaped.indexOf('"MessageAttributes":{') + '"MessageAttributes":{'.length;
  return `${escaped.slice(0, at)}${extra},${escaped.slice(at)}`;
}

/**
 * Refuses (PayloadTooLarge) a scheduled send over Scheduler's input limit, counting the whole
 * SendMessage request (queue URL, body, attributes), before any call is made.
 */
export function checkScheduledInputSize(jobName: string, input: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short input needs no encoding to count.
  if (input.length * 3 <= MAX_SCHEDULED_INPUT_BYTES) return;
  const bytes = new TextEncoder().encode(input).length;
  if (bytes > MAX_SCHEDULED_INPUT_BYTES) {
    throw new OffloadError(
      "PayloadTooLarge",
      `The payload of ${jobName} is too large to schedule: EventBridge Scheduler's input (the SQS SendMessage request with the payload, its attributes and the queue URL) would be ${bytes} bytes; the limit is ${MAX_SCHEDULED_INPUT_BYTES} (256 KiB). Send it with a delay of at most ${AWS_LIMITS.sqs.maxDelaySeconds} s, or keep the payload elsewhere and send its key`,
      { jobName },
    );
  }
}
