import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { toError } from "../core/errors.js";
import { jobIdOf } from "../core/job-id.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { Logger } from "../core/logger.js";
import { type DeadLetter, type DeadLetterQueue, purgeInProgress } from "../core/transport.js";
import {
  DEAD_LETTER_REASON_ATTRIBUTE,
  fromQueueAttributes,
  toQueueMessage,
  withoutDeadLetterReason,
} from "./attributes.js";
import type { AwsTransportRecords } from "./options.js";

/**
 * How long a peeked message stays hidden if releasing it fails (a crash, a
 * lost connection): it comes back by itself after this.
 */
const PEEK_VISIBILITY_SECONDS = 30;
/** ReceiveMessage and the batch actions take at most 10 messages (SQS quotas). */
const SQS_BATCH = AWS_LIMITS.sqs.maxBatchEntries;

/** A job's queue and DLQ, as the DLQ operations need them. */
export interface DlqTarget {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** What the DLQ operations need: the client, a logger, and how to find a job's queues. */
export interface DlqContext {
  sqs: SQSClient;
  logger: Logger;
  /** The job's queues; throws for an unknown job or one without a DLQ. */
  target(jobName: string): DlqTarget;
  /** The stack's job table: jobs redriven by id are recorded there. @defaultValue none */
  records?: Pick<AwsTransportRecords, "redriven">;
}

/** The approximate counts SQS keeps for a queue. */
export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** GetQueueAttributes for the three approximate counts. */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/**
 * The DLQ operations over SQS. SQS has no way to read a message without
 * receiving it, so `list` receives with a visibility timeout and then makes
 * each message visible again at once: nothing is consumed, but each listing
 * raises the messages' ApproximateReceiveCount by one (harmless in a DLQ,
 * which has no redrive policy of its own).
 */
export function createSqsDeadLetterQueue(ctx: DlqContext): DeadLetterQueue {
  /** The job table's record of a redrive is advice: a failure to write it does not stop the move. */
  const recordRedriven = async (jobName: string, jobId: string): Promise<void> => {
    try {
      await ctx.records?.redriven([jobId]);
    } catch (e) {
      ctx.logger.warn(
        { jobName, jobId, error: toError(e).message },
        "could not record the job as redriven; it is redriven anyway",
      );
    }
  };
  const { sqs } = ctx;
  return {
    /**
     * Up to `limit` messages, oldest first among those read. SQS returns
     * messages in no particular order, so when the DLQ holds more than
     * `limit`, these are `limit` of them, not necessarily the oldest.
     * `receiveCount` leaves out the listing's own receive; `lastError` is
     * the reason offload gave when it moved the message itself (none for
     * messages SQS moved after maxReceiveCount).
     */
    async list(jobName, { limit }) {
      const { dlqUrl } = ctx.target(jobName);
      const { visible } = await queueCounts(sqs, dlqUrl);
      const held: Message[] = [];
      try {
        for await (const batch of receiveHidden(sqs, dlqUrl, Math.min(limit, visible))) {
          held.push(...batch);
        }
      } finally {
        await release(ctx, dlqUrl, held);
      }
      const byId = new Map(held.map((m) => [m.MessageId, m]));
      return [...byId.values()]
        .map((m) => toDeadLetter(m, dlqUrl))
        .sort((a, b) => a.sentAt - b.sentAt)
        .slice(0, limit);
    },

    /**
     * All: a message move task from the DLQ to the job's queue
     * (StartMessageMoveTask, asynchronous); `moved` is the DLQ's approximate
     * visible count when it starts. Chosen ids (job ids or message ids): each
     * is received from the DLQ,
     * sent to the queue as a new message (without the dead-letter reason)
     * and then deleted from the DLQ; the others are released untouched. Ids
     * not in the DLQ come back as `notFound`.
     */
    async redrive(jobName, { ids }) {
      const target = ctx.target(jobName);
      const counts = await queueCounts(sqs, target.dlqUrl);
      if (ids === undefined) {
        if (counts.visible + counts.inFlight + counts.delayed === 0) return { moved: 0 };
        await sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: target.dlqArn,
            DestinationArn: target.queueArn,
          }),
        );
        return { moved: counts.visible };
      }
      const wanted = new Set(ids);
      const held: Message[] = [];
      let moved = 0;
      try {
        for await (const batch of receiveHidden(sqs, target.dlqUrl, counts.visible)) {
          for (const message of batch) {
            const m = toQueueMessage(message, target.dlqUrl);
            // Asked for by job id or by message id, moved once.
            const byJob = wanted.delete(jobIdOf(m));
            const byMessage = wanted.delete(m.messageId);
            if (!byJob && !byMessage) {
              held.push(message);
              continue;
            }
            // Recorded before it is sent: once sent, its function may record an attempt starting,
            // which a later `redriven` would overwrite with `queued`.
            await recordRedriven(jobName, jobIdOf(m));
            // Send first, delete second: a failure in between leaves a copy in both, never in neither.
            await sqs.send(
              new SendMessageCommand({
                QueueUrl: target.queueUrl,
                MessageBody: m.body,
                MessageAttributes: withoutDeadLetterReason(
                  fromQueueAttributes(m.messageAttributes),
                ),
              }),
            );
            await sqs.send(
              new DeleteMessageCommand({ QueueUrl: target.dlqUrl, ReceiptHandle: m.receiptHandle }),
            );
            moved++;
          }
          if (wanted.size === 0) break;
        }
      } finally {
        await release(ctx, target.dlqUrl, held);
      }
      return { moved, notFound: [...wanted] };
    },

    /**
     * PurgeQueue; `purged` is the DLQ's approximate count (visible, in
     * flight and delayed) just before. SQS allows one purge per queue every
     * 60 seconds and takes up to 60 seconds to finish one.
     */
    async purge(jobName) {
      const { dlqUrl } = ctx.target(jobName);
      const counts = await queueCounts(sqs, dlqUrl);
      try {
        await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
      } catch (e) {
        if (e instanceof Error && e.name === "PurgeQueueInProgress")
          throw purgeInProgress(jobName, e);
        throw e;
      }
      return { purged: counts.visible + counts.inFlight + counts.delayed };
    },
  };
}

/**
 * The earliest SentTimestamp (epoch ms) among up to 10 messages peeked from
 * a queue (received, then released at once), or undefined when none came.
 * `expected` is how many the queue holds (its approximate count), so the
 * peek stops without waiting for more. With more than 10 messages this is
 * the oldest of a sample: SQS offers no way to find the oldest one.
 */
export async function peekOldestSentAt(
  ctx: Pick<DlqContext, "sqs" | "logger">,
  queueUrl: string,
  expected: number,
): Promise<number | undefined> {
  const held: Message[] = [];
  const count = Math.min(SQS_BATCH, expected);
  try {
    for await (const batch of receiveHidden(ctx.sqs, queueUrl, count)) held.push(...batch);
  } finally {
    await release(ctx, queueUrl, held);
  }
  const sent = held
    .map((m) => Number(m.Attributes?.SentTimestamp))
    .filter((t) => Number.isFinite(t));
  return sent.length === 0 ? undefined : Math.min(...sent);
}

/**
 * Receives up to `count` messages, batch by batch, each hidden for
 * PEEK_VISIBILITY_SECONDS so no message comes twice; stops early when a
 * receive returns none. A 1-second long poll rather than a short one: a short
 * poll samples only some of SQS's servers and may miss messages.
 */
async function* receiveHidden(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
): AsyncGenerator<Message[]> {
  let received = 0;
  while (received < count) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(SQS_BATCH, count - received),
        WaitTimeSeconds: 1,
        VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) return;
    received += Messages.length;
    yield Messages;
  }
}

/**
 * Makes peeked messages visible again (ChangeMessageVisibilityBatch to 0).
 * A failure is logged, not thrown: the messages come back by themselves
 * after PEEK_VISIBILITY_SECONDS, and the caller's own result or error matters more.
 */
async function release(
  ctx: Pick<DlqContext, "sqs" | "logger">,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    const entries = messages.slice(i, i + SQS_BATCH).map((m, n) => ({
      Id: `m${n}`,
      ReceiptHandle: m.ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    try {
      const { Failed = [] } = await ctx.sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      for (const failure of Failed) {
        ctx.logger.warn(
          { queue: queueUrl, code: failure.Code, message: failure.Message },
          `a peeked message stays hidden for up to ${PEEK_VISIBILITY_SECONDS}s: releasing it failed`,
        );
      }
    } catch (e) {
      ctx.logger.warn(
        { queue: queueUrl, error: toError(e).message },
        `peeked messages stay hidden for up to ${PEEK_VISIBILITY_SECONDS}s: releasing them failed`,
      );
    }
  }
}

function toDeadLetter(message: Message, dlqUrl: string): DeadLetter {
  const m = toQueueMessage(message, dlqUrl);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.messageAttributes)) {
    if (name === DEAD_LETTER_REASON_ATTRIBUTE) continue;
    attributes[name] =
      value.stringValue ?? Buffer.from(value.binaryValue ?? new Uint8Array()).toString("base64");
  }
  return {
    jobId: jobIdOf(m),
    messageId: m.messageId,
    body: m.body,
    attributes,
    // The listing's own receive is not an attempt.
    receiveCount: Math.max(0, Number(m.attributes.ApproximateReceiveCount ?? 1) - 1),
    sentAt: Number(m.attributes.SentTimestamp ?? 0),
    firstError: undefined,
    lastError: m.messageAttributes[DEAD_LETTER_REASON_ATTRIBUTE]?.stringValue,
  };
}
