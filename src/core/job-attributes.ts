import { OffloadError } from "./errors.js";
import { JOB_ID_ATTRIBUTE } from "./job-id.js";
import { AWS_LIMITS } from "./limits.js";
import type { SendRequest } from "./transport.js";

/** SNS takes at most 256 KiB per message (Amazon SNS quotas), attributes included; jobs go through the topic. */
export const MAX_PAYLOAD_BYTES = AWS_LIMITS.sns.maxPublishBytes;

/** A String message attribute, in the shape SQS and SNS take (SDK and engine alike). */
export interface StringMessageAttribute {
  DataType: "String";
  StringValue: string;
}

/**
 * The message attributes of a job, whatever carries it: `jobName` (what the
 * topic's subscriptions filter on) and `jobId`, plus `idempotencyKey` and
 * `traceparent` when given.
 */
export function jobMessageAttributes(
  request: Pick<SendRequest, "jobName" | "jobId" | "idempotencyKey" | "traceparent">,
): Record<string, StringMessageAttribute> {
  const attributes: Record<string, StringMessageAttribute> = {
    jobName: { DataType: "String", StringValue: request.jobName },
    [JOB_ID_ATTRIBUTE]: { DataType: "String", StringValue: request.jobId },
  };
  if (request.idempotencyKey)
    attributes.idempotencyKey = { DataType: "String", StringValue: request.idempotencyKey };
  if (request.traceparent)
    attributes.traceparent = { DataType: "String", StringValue: request.traceparent };
  return attributes;
}

/**
 * Refuses (PayloadTooLarge) a job too large for the topic: SNS and SQS count a message's
 * attributes (name, type and value) towards its 256 KiB, so the jobName attribute leaves a
 * little less for the body.
 */
export function checkMessageSize(
  request: Pick<SendRequest, "jobName" | "jobId" | "body" | "idempotencyKey" | "traceparent">,
  attributes: Readonly<Record<string, StringMessageAttribute>> = jobMessageAttributes(request),
): void {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short message needs no encoding to count.
  let chars = request.body.length;
  for (const [name, value] of Object.entries(attributes))
    chars += name.length + value.DataType.length + value.StringValue.length;
  if (chars * 3 <= MAX_PAYLOAD_BYTES) return;
  const encoder = new TextEncoder();
  const body = encoder.encode(request.body).length;
  let attributeBytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    attributeBytes +=
      encoder.encode(name).length +
      encoder.encode(value.DataType).length +
      encoder.encode(value.StringValue).length;
  }
  if (body + attributeBytes > MAX_PAYLOAD_BYTES) {
    throw new OffloadError(
      "PayloadTooLarge",
      `The payload of ${request.jobName} is ${body} bytes as JSON, and ${body + attributeBytes} with its message attributes; the limit is ${MAX_PAYLOAD_BYTES} (256 KiB, SNS's message size, attributes included)`,
      { jobName: request.jobName },
    );
  }
}
