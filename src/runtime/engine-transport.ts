import { unknownJob } from "../core/error-codes.js";
import { checkMessageSize, jobMessageAttributes } from "../core/job-attributes.js";
import { JOB_ID_ATTRIBUTE, jobIdOf } from "../core/job-id.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import {
  type DeadLetter,
  isStaleReceiptCode,
  type JobQueueStats,
  purgeInProgress,
  type QueueMessage,
  type ReceiveRequest,
  type SendRequest,
  staleReceipt,
  type Transport,
} from "../core/transport.js";
import { AwsApiError, type Engine } from "../engine/index.js";
import { dlqAttributes, jobQueueAttributes, subscribeJobQueue } from "./provision.js";

/** How the local engine lays out an app's jobs: one topic, and per job a queue and a DLQ. */
export interface EngineLayoutOptions {
  /** Prefix of every queue and topic name (an app name, say). @defaultValue "" */
  prefix?: string;
  /** The topic that routes jobs by `jobName`. @defaultValue {@link JOBS_TOPIC_NAME} */
  topicName?: string;
}

/** What provisioning needs of a job (a LoadedJob fits). */
export interface JobQueueSpec {
  name: string;
  definition: { options: ResolvedJobOptions };
}

/** The topic that routes jobs to their queues, unless EngineLayoutOptions name another. */
export const JOBS_TOPIC_NAME = "offload-jobs";

/** The name of the DLQ of a job's queue. */
export function dlqNameOf(queueName: string): string {
  return `${queueName}-dlq`;
}

/**
 * The Transport over the embedded engine, laid out as the AWS stack is: a
 * topic whose raw-delivery subscriptions route each job by its `jobName`
 * attribute to the job's queue; visibility timeout = retryDelay;
 * maxReceiveCount = maxAttempts; a 14-day DLQ per job. Provisioning is
 * idempotent, and sets every attribute the job owns again (see provision.ts),
 * whether its options changed or a client changed it.
 */
export async function createEngineTransport(
  engine: Engine,
  jobs: readonly JobQueueSpec[],
  options: EngineLayoutOptions = {},
): Promise<Transport> {
  const prefix = options.prefix ?? "";
  const { sqs, sns } = engine;
  const { TopicArn } = await sns.createTopic({ Name: jobsTopicName(options) });
  const urls = new Map<string, { queue: string; dlq: string; arn: string }>();

  for (const job of jobs) {
    const queueName = `${prefix}${job.name}`;
    const dlq = (await sqs.createQueue({ QueueName: dlqNameOf(queueName) })).QueueUrl;
    await sqs.setQueueAttributes({ QueueUrl: dlq, Attributes: dlqAttributes() });
    await engine.jobs.track({ QueueUrl: dlq, JobName: job.name, Role: "dlq" });
    const queue = (await sqs.createQueue({ QueueName: queueName })).QueueUrl;
    await sqs.setQueueAttributes({
      QueueUrl: queue,
      Attributes: jobQueueAttributes(job.definition.options, await arnOf(engine, dlq)),
    });
    await engine.jobs.track({ QueueUrl: queue, JobName: job.name, Role: "queue" });
    const arn = await arnOf(engine, queue);
    await subscribeJobQueue(engine, TopicArn, arn, job.name);
    urls.set(job.name, { queue, dlq, arn });
  }

  const of = (jobName: string) => {
    const found = urls.get(jobName);
    if (!found) throw unknownJob(jobName, urls.keys());
    return found;
  };

  return {
    // The region in the engine's own ARNs (the topic's: arn:aws:sns:<region>:…).
    region: TopicArn.split(":")[3] ?? "us-east-1",
    queueArn: (jobName) => of(jobName).arn,

    async send(request: SendRequest) {
      const attributes = jobMessageAttributes(request);
      checkMessageSize(request, attributes);
      const delay = request.delaySeconds;
      // SNS has no per-message delay: a job sent with a delay goes straight to its queue, as on
      // AWS. So does an explicit 0, which overrides the job's default delay (the queue's). A
      // delay beyond 900 s is held by the engine as a delayed message, counted as sent (for its
      // retention) when it is due, as the Scheduler's send is on AWS.
      const { queue } = of(request.jobName);
      const target = delay === undefined ? { TopicArn } : { QueueUrl: queue, DelaySeconds: delay };
      // One commit checks the job id and the idempotency key and sends (see Engine.acceptJob).
      const { JobId } = await engine.acceptJob({
        ...target,
        JobName: request.jobName,
        MessageBody: request.body,
        MessageAttributes: attributes,
        JobId: request.jobId,
        ...(request.idempotencyKey === undefined ? {} : { IdempotencyKey: request.idempotencyKey }),
        ...(request.idempotencyWindowMs === undefined
          ? {}
          : { IdempotencyWindowMs: request.idempotencyWindowMs }),
      });
      return JobId;
    },

    receive: (jobName: string, request: ReceiveRequest): Promise<QueueMessage[]> =>
      engine.receiveMessages(
        {
          QueueUrl: of(jobName).queue,
          MaxNumberOfMessages: request.maxMessages,
          WaitTimeSeconds: request.waitTimeSeconds,
        },
        request.signal ? { signal: request.signal } : {},
      ),

    async deleteMessages(jobName, receiptHandles) {
      if (receiptHandles.length === 0) return;
      await engine.deleteMessages({ QueueUrl: of(jobName).queue, ReceiptHandles: receiptHandles });
    },

    async changeVisibility(jobName, receiptHandle, seconds) {
      const QueueUrl = of(jobName).queue;
      try {
        await sqs.changeMessageVisibility({
          QueueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        });
      } catch (e) {
        if (e instanceof AwsApiError && isStaleReceiptCode(e.code, seconds)) {
          throw staleReceipt(jobName, e);
        }
        throw e;
      }
    },

    async deadLetter(jobName, message, reason) {
      await engine.moveToDeadLetterQueue({
        QueueUrl: of(jobName).queue,
        ReceiptHandle: message.receiptHandle,
        Reason: reason,
      });
    },

    dlq: {
      async list(jobName, { limit }) {
        const messages = await engine.peekMessages({ QueueUrl: of(jobName).dlq, Limit: limit });
        return messages.map(
          (m): DeadLetter => ({
            jobId: jobIdOf({
              messageId: m.MessageId,
              messageAttributes: {
                jobId: {
                  dataType: m.MessageAttributes[JOB_ID_ATTRIBUTE]?.DataType,
                  stringValue: m.MessageAttributes[JOB_ID_ATTRIBUTE]?.StringValue,
                },
              },
            }),
            messageId: m.MessageId,
            body: m.Body,
            attributes: Object.fromEntries(
              Object.entries(m.MessageAttributes).map(([name, value]) => [
                name,
                value.StringValue ??
                  Buffer.from(value.BinaryValue ?? new Uint8Array()).toString("base64"),
              ]),
            ),
            receiveCount: m.ReceiveCount,
            sentAt: m.SentTimestamp,
            firstError: m.FirstError,
            lastError: m.LastError,
          }),
        );
      },
      async redrive(jobName, { ids }) {
        const { queue, dlq } = of(jobName);
        const { moved, notMoved } = await engine.moveMessages({
          SourceUrl: dlq,
          DestinationUrl: queue,
          ...(ids === undefined ? {} : { MessageIds: [...ids] }),
        });
        return ids === undefined ? { moved } : { moved, notFound: notMoved };
      },
      async purge(jobName) {
        const { dlq } = of(jobName);
        const before = await engine.queueStats(dlq);
        try {
          await sqs.purgeQueue({ QueueUrl: dlq });
        } catch (e) {
          if (e instanceof AwsApiError && e.type === "PurgeQueueInProgress") {
            throw purgeInProgress(jobName, e);
          }
          throw e;
        }
        return { purged: before.visible + before.inFlight + before.delayed };
      },
    },

    noteError: (_jobName, messageId, error) => engine.noteError(messageId, error),

    async stats(jobName): Promise<JobQueueStats> {
      const { queue, dlq } = of(jobName);
      const [main, dead] = await Promise.all([engine.queueStats(queue), engine.queueStats(dlq)]);
      return {
        visible: main.visible,
        inFlight: main.inFlight,
        delayed: main.delayed,
        oldestMessageAgeSeconds: main.oldestMessageAgeSeconds,
        ...(main.nextDueAt === undefined ? {} : { nextDueAt: main.nextDueAt }),
        dlq: {
          visible: dead.visible + dead.inFlight + dead.delayed,
          oldestMessageAgeSeconds: dead.oldestMessageAgeSeconds,
        },
      };
    },
  };
}

/** The topic that routes the layout's jobs. */
function jobsTopicName(options: EngineLayoutOptions): string {
  return `${options.prefix ?? ""}${options.topicName ?? JOBS_TOPIC_NAME}`;
}

async function arnOf(engine: Engine, queueUrl: string): Promise<string> {
  const { Attributes } = await engine.sqs.getQueueAttributes({
    QueueUrl: queueUrl,
    AttributeNames: ["QueueArn"],
  });
  return Attributes!.QueueArn!;
}

/** A queue the jobs topic routes to whose job is no longer in the jobs folder, and what it holds. */
export interface OrphanedJobQueue {
  jobName: string;
  /** Visible, in flight and delayed. */
  messages: number;
  dlqMessages: number;
}

/**
 * The names of the queues the jobs topic routes to: the job queues of every job file the app
 * has had, present or gone (provisioning subscribes one per job, and nothing unsubscribes it).
 * Queues a client created over the SQS API are not among them unless it subscribed them.
 */
export async function subscribedJobQueues(
  engine: Engine,
  options: EngineLayoutOptions = {},
): Promise<string[]> {
  const { sns } = engine;
  const { TopicArn } = await sns.createTopic({ Name: jobsTopicName(options) });
  const names = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await sns.listSubscriptionsByTopic({ TopicArn, NextToken });
    for (const subscription of page.Subscriptions ?? []) {
      if (subscription.Protocol !== "sqs") continue;
      // A queue's ARN is arn:aws:sqs:<region>:<account>:<queue>.
      const queueName = subscription.Endpoint?.split(":").pop();
      if (queueName) names.add(queueName);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return [...names];
}

/**
 * The job queues of an earlier version of the app that still hold messages while the jobs
 * folder has no file for them (deleted or renamed): nothing runs them, their alarm is not
 * checked, and retention deletes them in the end. Read from the topic's subscriptions (see
 * {@link subscribedJobQueues}), so queues a client created over the SQS API are not counted.
 */
export async function orphanedJobQueues(
  engine: Engine,
  jobs: readonly JobQueueSpec[],
  options: EngineLayoutOptions = {},
): Promise<OrphanedJobQueue[]> {
  const prefix = options.prefix ?? "";
  const { sqs } = engine;
  const current = new Set(jobs.map((job) => `${prefix}${job.name}`));
  // What the queue holds, as the DLQ purge counts it; nothing if the queue is gone.
  const depth = async (queueName: string): Promise<number> => {
    let url: string;
    try {
      url = (await sqs.getQueueUrl({ QueueName: queueName })).QueueUrl;
    } catch (e) {
      if (e instanceof AwsApiError) return 0;
      throw e;
    }
    const stats = await engine.queueStats(url);
    return stats.visible + stats.inFlight + stats.delayed;
  };
  const orphans: OrphanedJobQueue[] = [];
  for (const queueName of await subscribedJobQueues(engine, options)) {
    if (current.has(queueName) || !queueName.startsWith(prefix)) continue;
    const messages = await depth(queueName);
    const dlqMessages = await depth(dlqNameOf(queueName));
    if (messages + dlqMessages > 0)
      orphans.push({ jobName: queueName.slice(prefix.length), messages, dlqMessages });
  }
  return orphans;
}
