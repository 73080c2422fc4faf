/**
 * The AWS limits offload enforces, in one table (ElasticMQ's `Limits` object is the model):
 * each with its number and where AWS states it. Checks import them from here, so the engine,
 * the client, the job options and the stack cannot disagree.
 */
export const AWS_LIMITS = Object.freeze({
  sqs: Object.freeze({
    /** SQS's largest message (and batch), attributes included: 1 MiB since August 2025 (Amazon SQS quotas, "Message size"). */
    maxMessageBytes: 1_048_576,
    /** The smallest MaximumMessageSize a queue takes: 1 KiB (API reference, SetQueueAttributes). */
    minMessageBytes: 1_024,
    /** Longest DelaySeconds: 900 s, 15 minutes (API reference, SendMessage). */
    maxDelaySeconds: 900,
    /** Longest visibility timeout, counted from the receive: 12 hours (API reference, ChangeMessageVisibility). */
    maxVisibilityTimeoutSeconds: 43_200,
    /** Longest long poll: WaitTimeSeconds 20 (API reference, ReceiveMessage). */
    maxWaitTimeSeconds: 20,
    /** Shortest MessageRetentionPeriod: 60 s (API reference, SetQueueAttributes). */
    minRetentionSeconds: 60,
    /** Longest MessageRetentionPeriod: 1,209,600 s, 14 days (API reference, SetQueueAttributes). */
    maxRetentionSeconds: 1_209_600,
    /** Entries in one batch request (SendMessageBatch, DeleteMessageBatch, ...): 10 (Amazon SQS quotas). */
    maxBatchEntries: 10,
    /** MaxNumberOfMessages of one ReceiveMessage: 10 (API reference, ReceiveMessage). */
    maxReceiveMessages: 10,
    /** Message attributes on one message: 10 (Amazon SQS quotas, "Message attributes"). */
    maxMessageAttributes: 10,
    /** A redrive policy's maxReceiveCount: 1 to 1,000 (Amazon SQS developer guide, dead-letter queues). */
    minReceiveCount: 1,
    maxReceiveCount: 1_000,
    /** A queue name (and a batch entry id): at most 80 characters (API reference, CreateQueue). */
    maxQueueNameChars: 80,
    /** One PurgeQueue per queue every 60 s (API reference, PurgeQueue). */
    purgeIntervalSeconds: 60,
  }),
  sns: Object.freeze({
    /** SNS's largest message, attributes included: 256 KiB (API reference, Publish). */
    maxPublishBytes: 262_144,
  }),
  scheduler: Object.freeze({
    /** A schedule's target input: at most 256 KiB (EventBridge Scheduler quotas, "Maximum payload size"). */
    maxInputBytes: 262_144,
    /** A schedule or schedule group name: 1 to 64 of [0-9a-zA-Z-_.] (API reference, CreateSchedule, Name). */
    maxNameChars: 64,
    /** A one-time `at()` schedule fires at a whole minute: its precision is one minute (User Guide, "Schedule types"). */
    precisionSeconds: 60,
    /** A target's retries: at most 185 attempts within 24 hours (API reference, RetryPolicy). */
    maxRetryAttempts: 185,
    maxEventAgeSeconds: 86_400,
  }),
  fargate: Object.freeze({
    /**
     * A Fargate task's valid sizes: CPU units and the memory (MiB) each allows (ECS API
     * reference, RegisterTaskDefinition, `cpu` and `memory`; 8192 and 16384 need Linux
     * platform 1.4.0 or later).
     */
    taskSizes: Object.freeze([
      { cpu: 256, memoryMiB: Object.freeze([512, 1_024, 2_048]) },
      { cpu: 512, memoryMiB: steps(1_024, 4_096, 1_024) },
      { cpu: 1_024, memoryMiB: steps(2_048, 8_192, 1_024) },
      { cpu: 2_048, memoryMiB: steps(4_096, 16_384, 1_024) },
      { cpu: 4_096, memoryMiB: steps(8_192, 30_720, 1_024) },
      { cpu: 8_192, memoryMiB: steps(16_384, 61_440, 4_096) },
      { cpu: 16_384, memoryMiB: steps(32_768, 122_880, 8_192) },
    ] as ReadonlyArray<{ readonly cpu: number; readonly memoryMiB: ReadonlyArray<number> }>),
    /** A container's stopTimeout on Fargate: at most 120 s, SIGTERM to SIGKILL (task definition parameters, `stopTimeout`). */
    maxStopTimeoutSeconds: 120,
    /** Tasks of one ECS service: 5,000 (Amazon ECS service quotas, "Tasks per service"). */
    maxTasksPerService: 5_000,
  }),
  lambda: Object.freeze({
    /** Longest function timeout: 900 s, 15 minutes (Lambda quotas, "Function timeout"). */
    maxTimeoutSeconds: 900,
    /** Memory: 128 to 10,240 MB (Lambda quotas, "Function memory allocation"). */
    minMemoryMb: 128,
    maxMemoryMb: 10_240,
    /** The init phase of a function: 10 s (Lambda developer guide, "Lambda execution environment lifecycle"). */
    initLimitMs: 10_000,
    /** An SQS event source's maximum concurrency: 2 to 1,000 (API reference, ScalingConfig). */
    minEventSourceConcurrency: 2,
    maxEventSourceConcurrency: 1_000,
    /** An SQS event source's batch size without a batching window: 10 (API reference, CreateEventSourceMapping, BatchSize). */
    maxBatchSize: 10,
    /** ...and with a batching window: 10,000 (same). */
    maxBatchSizeWithWindow: 10_000,
    /** MaximumBatchingWindowInSeconds: 300 s, 5 minutes (API reference, CreateEventSourceMapping). */
    maxBatchingWindowSeconds: 300,
  }),
  ecs: Object.freeze({
    /** Task scale-in protection: ExpiresInMinutes from 1 to 2,880 (48 hours) (ECS developer guide, "Amazon ECS task scale-in protection endpoint"). */
    minProtectionMinutes: 1,
    maxProtectionMinutes: 2_880,
  }),
});

/** `from`, `from + step`, ... up to `to`, frozen. */
function steps(from: number, to: number, step: number): ReadonlyArray<number> {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return Object.freeze(values);
}
