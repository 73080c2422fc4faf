import type { ResolvedJobOptions } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { Engine } from "../engine/index.js";

/**
 * Every attribute of a job's queues and subscription that decides whether a job taken in
 * runs, as the job's options and the AWS stack (src/cdk/job-resources.ts) have them. Start-up
 * sets them all, not only those that follow the options: a value changed over the SQS/SNS API
 * before the wire endpoint refused such changes (MaximumMessageSize 1024, which dropped every
 * larger job at delivery; MessageRetentionPeriod 60, which let the sweeper delete jobs unrun)
 * would otherwise survive every restart.
 */

/** 14 days, the longest SQS keeps a message: a job retried many times still reaches its DLQ. */
const RETENTION_SECONDS = String(AWS_LIMITS.sqs.maxRetentionSeconds);

/** What every job queue and DLQ has, whatever the job: SQS's defaults, except retention. */
const COMMON_QUEUE_ATTRIBUTES: Readonly<Record<string, string>> = {
  MaximumMessageSize: String(AWS_LIMITS.sqs.maxMessageBytes),
  MessageRetentionPeriod: RETENTION_SECONDS,
  ReceiveMessageWaitTimeSeconds: "0",
  // "" removes: a DLQ that refused the job's queue as a source would stop its redrive.
  RedriveAllowPolicy: "",
};

/** A job's DLQ: kept 14 days, and never redriven anywhere by itself. */
export function dlqAttributes(): Record<string, string> {
  return {
    ...COMMON_QUEUE_ATTRIBUTES,
    DelaySeconds: "0",
    VisibilityTimeout: "30",
    RedrivePolicy: "",
  };
}

/** A job's queue: visibility timeout = retryDelay, delay = the job's delay, maxAttempts receives. */
export function jobQueueAttributes(
  options: ResolvedJobOptions,
  dlqArn: string,
): Record<string, string> {
  return {
    ...COMMON_QUEUE_ATTRIBUTES,
    VisibilityTimeout: String(Math.round(options.retryDelayMs / 1000)),
    DelaySeconds: String(Math.round(options.delayMs / 1000)),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: options.maxAttempts,
    }),
  };
}

/**
 * The subscription of a job's queue to the jobs topic: raw delivery of the jobs named
 * `jobName`. Scope before policy: the policy is checked against the scope in place.
 */
export function subscriptionAttributes(jobName: string): Array<[name: string, value: string]> {
  return [
    ["RawMessageDelivery", "true"],
    ["FilterPolicyScope", "MessageAttributes"],
    ["FilterPolicy", JSON.stringify({ jobName: [jobName] })],
    // "" removes: no subscription DLQ, delivery policy or role of a client's.
    ["RedrivePolicy", ""],
    ["DeliveryPolicy", ""],
    ["SubscriptionRoleArn", ""],
  ];
}

/** Subscribes `queueArn` to the topic with {@link subscriptionAttributes}, or sets them again. */
export async function subscribeJobQueue(
  engine: Engine,
  topicArn: string,
  queueArn: string,
  jobName: string,
): Promise<void> {
  const attributes = subscriptionAttributes(jobName);
  const existing = await subscriptionOf(engine, topicArn, queueArn);
  if (existing === undefined) {
    await engine.sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      // Subscribe takes only set attributes: an empty value would be stored as given.
      Attributes: Object.fromEntries(attributes.filter(([, value]) => value !== "")),
    });
    return;
  }
  for (const [AttributeName, AttributeValue] of attributes) {
    await engine.sns.setSubscriptionAttributes({
      SubscriptionArn: existing,
      AttributeName,
      AttributeValue,
    });
  }
}

async function subscriptionOf(
  engine: Engine,
  topicArn: string,
  queueArn: string,
): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await engine.sns.listSubscriptionsByTopic({ TopicArn: topicArn, NextToken });
    const found = page.Subscriptions?.find((s) => s.Endpoint === queueArn && s.Protocol === "sqs");
    if (found?.SubscriptionArn) return found.SubscriptionArn;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}
