import type { CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { systemClock } from "../core/clock.js";
import { unknownJob } from "../core/error-codes.js";
import { OffloadError, toError } from "../core/errors.js";
import { checkMessageSize, jobMessageAttributes } from "../core/job-attributes.js";
import { AWS_LIMITS } from "../core/limits.js";
import { silentLogger } from "../core/logger.js";
import { MAX_SCHEDULED_DELAY_SECONDS } from "../core/send-request.js";
import {
  isStaleReceiptCode,
  type JobQueueStats,
  type SendRequest,
  staleReceipt,
  type Transport,
} from "../core/transport.js";
import { fromQueueAttributes, toQueueMessage } from "./attributes.js";
import { sendToDeadLetterQueue } from "./dead-letter.js";
import { createSqsDeadLetterQueue, type DlqTarget, peekOldestSentAt, queueCounts } from "./dlq.js";
import {
  type AwsJobAcceptance,
  type AwsTransportOptions,
  type ResolvedJobQueues,
  resolveAwsTransportOptions,
} from "./options.js";
import { createScheduledSends, type ScheduledSends } from "./scheduled-sends.js";

/** DeleteMessageBatch takes at most 10 entries. */
const SQS_BATCH = AWS_LIMITS.sqs.maxBatchEntries;

/**
 * The Transport over AWS, laid out as the offload stack deploys it: one SNS
 * topic routing jobs by their `jobName` attribute, and per job an SQS queue
 * and a DLQ.
 *
 * - `send` publishes to the topic; a delayed job (1–900 s) goes straight to
 *   its queue with `DelaySeconds`, since SNS has no per-message delay. It
 *   resolves with the job's id, which travels as the `jobId` attribute (SNS's
 *   and SQS's message ids differ: SNS delivers a copy).
 *   A longer delay (up to 365 days) becomes an EventBridge Scheduler one-time
 *   schedule in the stack's group (option `scheduling`), which sends the job
 *   to its queue at the due minute with the seconds left as DelaySeconds: the
 *   job starts at the asked time at the earliest, and within the minute after
 *   it (Scheduler's precision). Without `scheduling` such a delay is refused
 *   (`DelayTooLong`).
 * - `stats`: `oldestMessageAgeSeconds` of the queue is always 0, because SQS
 *   reports it only as the CloudWatch metric ApproximateAgeOfOldestMessage,
 *   and peeking would count as a receive towards maxReceiveCount. The
 *   DLQ's is measured by peeking up to 10 of its messages (see
 *   `peekOldestSentAt`), which raises their receive counts by one.
 * - `noteError` does nothing: SQS cannot annotate a message.
 *
 * @throws OffloadError InvalidAwsTransportOptions when an option is invalid.
 * @example
 * import { createAwsTransport } from "offload/aws";
 * const transport = createAwsTransport({
 *   topicArn: "arn:aws:sns:us-east-1:123456789012:my-app-dev-jobs",
 *   queues: { greeting: { queueUrl, dlqUrl } },
 * });
 * const offload = createClient({ transport, jobs: { greeting } });
 */
/** The AWS transport: a Transport that can tell when its aborted long polls have ended. */
export interface AwsTransport extends Transport {
  /**
   * Resolves once every long poll aborted so far has ended and what it received is visible
   * again. An aborted receive resolves with no message at once, but its request goes on to its
   * end (SQS's answer is the only place its messages' receipts are): a shutdown awaits this
   * before the process exits, so no message is left hidden for its visibility timeout.
   */
  settled(): Promise<void>;
}

export function createAwsTransport(options: AwsTransportOptions): AwsTransport {
  const resolved = resolveAwsTransportOptions(options);
  const clientConfig = {
    region: resolved.region,
    ...(resolved.endpoint === undefined ? {} : { endpoint: resolved.endpoint }),
  };
  const sqs = options.sqs ?? new SQSClient(clientConfig);
  const sns = options.sns ?? new SNSClient(clientConfig);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const { topicArn, queues } = resolved;
  const { records } = options;
  const scheduled: ScheduledSends | undefined =
    resolved.scheduling &&
    createScheduledSends({
      scheduling: resolved.scheduling,
      partition: resolved.partition,
      clientConfig,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });

  const of = (jobName: string): ResolvedJobQueues => {
    const found = queues.get(jobName);
    if (!found) {
      throw unknownJob(jobName, queues.keys(), "this stack");
    }
    return found;
  };
  const withDlq = (jobName: string): DlqTarget => {
    const { queueUrl, queueArn, dlqUrl, dlqArn } = of(jobName);
    if (dlqUrl === undefined || dlqArn === undefined) {
      throw new OffloadError(
        "NoDeadLetterQueue",
        `The AWS transport has no DLQ URL for job ${JSON.stringify(jobName)}: give queues[${JSON.stringify(jobName)}].dlqUrl (stack output Job<Name>DlqUrl)`,
        { jobName },
      );
    }
    return { queueUrl, queueArn, dlqUrl, dlqArn };
  };

  /** Publishes to the topic, or sends a delayed job straight to its queue. */
  async function publish(
    request: SendRequest,
    attributes: ReturnType<typeof jobMessageAttributes>,
    delay: number,
    schedule: CreateScheduleCommandInput | undefined,
  ): Promise<void> {
    const { queueUrl } = of(request.jobName);
    if (schedule !== undefined) {
      await scheduled!.create(schedule, request);
      logger.debug(
        { jobName: request.jobName, jobId: request.jobId, delaySeconds: delay },
        "job scheduled",
      );
      return;
    }
    let messageId: string | undefined;
    const direct = request.delaySeconds !== undefined;
    if (direct) {
      // SNS has no per-message delay: a job sent with a delay goes straight to its queue. So
      // does an explicit 0, which overrides the job's default delay (the queue's DelaySeconds).
      ({ MessageId: messageId } = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: request.body,
          DelaySeconds: delay,
          MessageAttributes: attributes,
        }),
      ));
    } else {
      ({ MessageId: messageId } = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: request.body,
          MessageAttributes: attributes,
        }),
      ));
    }
    if (messageId === undefined) {
      throw new OffloadError(
        "InvalidAwsResponse",
        `${direct ? "SQS SendMessage" : "SNS Publish"} for ${request.jobName} returned no MessageId`,
        { jobName: request.jobName },
      );
    }
    logger.debug(
      { jobName: request.jobName, jobId: request.jobId, messageId, delaySeconds: delay },
      "job sent",
    );
  }

  /** What the job table records of a send. */
  function acceptanceOf(request: SendRequest, delaySeconds: number): AwsJobAcceptance {
    const at = clock.now();
    return {
      jobId: request.jobId,
      jobName: request.jobName,
      at,
      body: request.body,
      ...(delaySeconds > 0 ? { runAt: at + delaySeconds * 1000 } : {}),
      ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      ...(request.idempotencyWindowMs === undefined
        ? {}
        : { idempotencyWindowMs: request.idempotencyWindowMs }),
    };
  }

  /** Long polls aborted and still under way: each makes what it receives visible again. */
  const abandoned = new Set<Promise<void>>();
  /** Messages a poll received after its caller stopped waiting: visible again at once. */
  async function returnUnwanted(jobName: string, queueUrl: string, messages: Message[]) {
    for (let i = 0; i < messages.length; i += SQS_BATCH) {
      const Entries = messages
        .slice(i, i + SQS_BATCH)
        .map((m, n) => ({ Id: `m${n}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
      const { Failed = [] } = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries }),
      );
      if (Failed.length > 0) {
        logger.warn(
          { jobName, failed: Failed.length, code: Failed[0]?.Code },
          "could not make the messages of an aborted long poll visible again; they come back after their visibility timeout",
        );
      }
    }
    logger.info(
      { jobName, messageIds: messages.map((m) => m.MessageId) },
      `an aborted long poll received ${messages.length} message(s): made visible again at once`,
    );
  }

  return {
    region: resolved.region,
    queueArn: (jobName) => of(jobName).queueArn,

    async settled() {
      while (abandoned.size > 0) await Promise.all(abandoned);
    },

    async send(request: SendRequest) {
      of(request.jobName);
      const attributes = jobMessageAttributes(request);
      checkMessageSize(request, attributes);
      const delay = checkDelay(request, scheduled !== undefined);
      // A long delay's schedule is made (and its size checked) before any call.
      const schedule =
        delay > AWS_LIMITS.sqs.maxDelaySeconds
          ? scheduled!.prepare({
              jobName: request.jobName,
              jobId: request.jobId,
              queueUrl: of(request.jobName).queueUrl,
              body: request.body,
              attributes,
              dueMs: clock.now() + delay * 1000,
            })
          : undefined;
      const acceptance = records === undefined ? undefined : acceptanceOf(request, delay);
      if (records !== undefined && acceptance !== undefined) {
        const accepted = await records.accept(acceptance);
        if (accepted.duplicate) {
          logger.debug(
            {
              jobName: request.jobName,
              jobId: accepted.jobId,
              idempotencyKey: request.idempotencyKey,
            },
            "job not sent: its idempotency key was already used",
          );
          return accepted.jobId;
        }
      }
      try {
        await publish(request, attributes, delay, schedule);
      } catch (e) {
        // Unsent: free the id and the key, so the caller can send it again with them.
        if (records !== undefined && acceptance !== undefined) {
          await records.withdraw(acceptance).catch((withdrawing: unknown) => {
            logger.warn(
              {
                jobName: request.jobName,
                jobId: request.jobId,
                error: toError(withdrawing).message,
              },
              "could not withdraw the record of a job whose send failed",
            );
          });
        }
        throw e;
      }
      return request.jobId;
    },

    async receive(jobName, request) {
      const { queueUrl } = of(jobName);
      const { signal } = request;
      if (signal?.aborted) return [];
      // The request is not cancelled on abort: SQS may have taken messages for it already, and
      // only its answer holds their receipts. The caller gets no message at once; what the
      // request brings is made visible again (see settled()).
      const receiving = sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: request.maxMessages,
          WaitTimeSeconds: request.waitTimeSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      if (signal === undefined) {
        const { Messages = [] } = await receiving;
        return Messages.map((m) => toQueueMessage(m, queueUrl));
      }
      let onAbort = () => {};
      const aborted = new Promise<"aborted">((resolve) => {
        onAbort = () => resolve("aborted");
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        const answer = await Promise.race([receiving, aborted]);
        if (answer !== "aborted") {
          return (answer.Messages ?? []).map((m) => toQueueMessage(m, queueUrl));
        }
      } catch (e) {
        // A poll that fails as it is aborted is a shutdown, not a failure.
        if (signal.aborted) return [];
        throw e;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
      const returning = receiving.then(
        ({ Messages = [] }) =>
          Messages.length === 0 ? undefined : returnUnwanted(jobName, queueUrl, Messages),
        () => undefined,
      );
      const tracked: Promise<void> = returning
        .catch((e: unknown) =>
          logger.warn(
            { jobName, error: toError(e).message },
            "could not make the messages of an aborted long poll visible again; they come back after their visibility timeout",
          ),
        )
        .finally(() => abandoned.delete(tracked));
      abandoned.add(tracked);
      return [];
    },

    async deleteMessages(jobName, receiptHandles) {
      const { queueUrl } = of(jobName);
      for (let i = 0; i < receiptHandles.length; i += SQS_BATCH) {
        const Entries = receiptHandles
          .slice(i, i + SQS_BATCH)
          .map((ReceiptHandle, n) => ({ Id: `m${n}`, ReceiptHandle }));
        const { Failed = [] } = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }),
        );
        const failure = Failed[0];
        if (failure) {
          throw new OffloadError(
            "DeleteFailed",
            `Deleting ${Failed.length} processed ${jobName} message(s) failed: ${failure.Code ?? "?"} ${failure.Message ?? ""}`.trim(),
            { jobName, queue: queueUrl },
          );
        }
      }
    },

    async changeVisibility(jobName, receiptHandle, seconds) {
      const { queueUrl } = of(jobName);
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
      } catch (e) {
        // The SDK names an error by its JSON shape (`name`) and, for SQS, its query code (`Code`).
        const { name, Code } = (e ?? {}) as { name?: unknown; Code?: unknown };
        if (isStaleReceiptCode(name, seconds) || isStaleReceiptCode(Code, seconds)) {
          throw staleReceipt(jobName, e);
        }
        throw e;
      }
    },

    async deadLetter(jobName, message, reason) {
      const { queueUrl, dlqUrl } = withDlq(jobName);
      await sendToDeadLetterQueue(sqs, {
        queueUrl,
        dlqUrl,
        receiptHandle: message.receiptHandle,
        body: message.body,
        attributes: fromQueueAttributes(message.messageAttributes),
        reason,
      });
    },

    async stats(jobName): Promise<JobQueueStats> {
      const { queueUrl, dlqUrl } = withDlq(jobName);
      const [main, dead] = await Promise.all([
        queueCounts(sqs, queueUrl),
        queueCounts(sqs, dlqUrl),
      ]);
      const oldest =
        dead.visible > 0
          ? await peekOldestSentAt({ sqs, logger }, dlqUrl, dead.visible)
          : undefined;
      return {
        visible: main.visible,
        inFlight: main.inFlight,
        delayed: main.delayed,
        oldestMessageAgeSeconds: 0,
        dlq: {
          visible: dead.visible + dead.inFlight + dead.delayed,
          oldestMessageAgeSeconds:
            oldest === undefined ? 0 : Math.max(0, Math.floor((clock.now() - oldest) / 1000)),
        },
      };
    },

    dlq: createSqsDeadLetterQueue({
      sqs,
      logger,
      target: withDlq,
      ...(records === undefined ? {} : { records }),
    }),

    // SQS cannot annotate a message: the runtime's error notes have nowhere to go.
    noteError: async () => {},
  };
}

function checkDelay(request: SendRequest, canSchedule: boolean): number {
  const delay = request.delaySeconds ?? 0;
  if (!Number.isInteger(delay) || delay < 0) {
    throw new OffloadError(
      "InvalidDelay",
      `delaySeconds must be a whole number of seconds from 0 to ${MAX_SCHEDULED_DELAY_SECONDS}; got ${delay}`,
      { jobName: request.jobName },
    );
  }
  if (delay > MAX_SCHEDULED_DELAY_SECONDS) {
    throw new OffloadError(
      "DelayTooLong",
      `delaySeconds ${delay} is longer than ${MAX_SCHEDULED_DELAY_SECONDS} (365 days), the longest a job can be delayed`,
      { jobName: request.jobName },
    );
  }
  if (delay > AWS_LIMITS.sqs.maxDelaySeconds && !canSchedule) {
    throw new OffloadError(
      "DelayTooLong",
      `delaySeconds ${delay} is longer than ${AWS_LIMITS.sqs.maxDelaySeconds} (15 minutes), the longest SQS delays a message; longer delays go through EventBridge Scheduler, and this AWS transport has no \`scheduling\` option (stack outputs ScheduleGroupName and Job<Name>SchedulerRoleArn: deploy the app again to get them)`,
      { jobName: request.jobName },
    );
  }
  return delay;
}
