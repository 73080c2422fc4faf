import type { SendRequest } from "./transport.js";

/** A String message attribute, in the shape SQS and SNS take (SDK and engine alike). */
export interface StringMessageAttribute {
  DataType: "String";
  StringValue: string;
}

/**
 * The message attributes of a job, whatever carries it: `jobName` (what the
 * topic's subscriptions filter on), plus `idempotencyKey` and `traceparent`
 * when given.
 */
export function jobMessageAttributes(request: SendRequest): Record<string, StringMessageAttribute> {
  const attributes: Record<string, StringMessageAttribute> = {
    jobName: { DataType: "String", StringValue: request.jobName },
  };
  if (request.idempotencyKey)
    attributes.idempotencyKey = { DataType: "String", StringValue: request.idempotencyKey };
  if (request.traceparent)
    attributes.traceparent = { DataType: "String", StringValue: request.traceparent };
  return attributes;
}
