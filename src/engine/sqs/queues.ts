import { AWS_LIMITS } from "../../core/limits.js";
import type { EngineContext } from "../context.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import { sqsError } from "./errors.js";
import {
  normalizeAttributes,
  readOnlyAttributes,
  redriveAllowed,
  settableAttributes,
} from "./queue-attributes.js";
import type { QueueRecord } from "./queue-store.js";
import type {
  CreateQueueInput,
  GetQueueAttributesInput,
  ListDeadLetterSourceQueuesInput,
  ListDeadLetterSourceQueuesOutput,
  ListQueuesInput,
  ListQueuesOutput,
} from "./types.js";
import { intParameter, validateQueueName } from "./validate.js";

const PURGE_INTERVAL_MS = AWS_LIMITS.sqs.purgeIntervalSeconds * 1000;
const MAX_TAGS = 50;

/** Counters of one queue at `now`; the basis of the Approximate* attributes and of engine stats. */
export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
  /**
   * Epoch ms the oldest message came into this queue, if any: its send, or for a message moved
   * here from its source queue by a redrive policy, the move (SQS's ApproximateAgeOfOldestMessage
   * of a dead-letter queue counts from the move; retention still counts from the send).
   */
  oldestEnteredAt: number | undefined;
  /** Epoch ms the first of the delayed messages becomes due, if any is delayed. */
  nextDueAt: number | undefined;
}

/**
 * A queue's counts at `now`, at a cost that does not grow with the queue's depth, so a dashboard
 * polling them never holds the engine from taking in work:
 * - how many messages it holds is kept in `queue_counts` by triggers (schema version 4), in the
 *   statement that adds, deletes or moves a message, so it is exact after a crash too;
 * - in flight and delayed (and the next delayed one's due time) are counted by one range scan
 *   of the visibility index over the messages not visible at `now`: those being handled or
 *   delayed, few however deep the queue
 *   (a queue of mostly delayed messages is the exception, and costs that many index entries);
 * - visible is the rest;
 * - the oldest message is the first entry of the age index, or of the moved-in index when
 *   every message was moved in (a DLQ). Only a queue holding both kinds walks the age index
 *   past the moved-in messages older than its oldest sent one.
 */
export function queueCounts(ctx: EngineContext, queue: QueueRecord, now: number): QueueCounts {
  const total = storedCounts(ctx, queue);
  const hidden = ctx.stmts
    .get(
      `SELECT COUNT(*) AS n, COALESCE(SUM(receive_count = 0), 0) AS delayed,
         MIN(CASE WHEN receive_count = 0 THEN visible_at END) AS next_due FROM messages
       WHERE queue_id = ? AND visible_at > ?`,
    )
    .get(queue.id, now) as { n: number; delayed: number; next_due: number | null };
  const sent =
    total.moved === total.messages
      ? null
      : (
          ctx.stmts
            .get("SELECT MIN(sent_at) AS t FROM messages WHERE queue_id = ? AND moved_at IS NULL")
            .get(queue.id) as { t: number | null }
        ).t;
  const moved =
    total.moved === 0
      ? null
      : (
          ctx.stmts
            .get(
              "SELECT MIN(moved_at) AS t FROM messages WHERE queue_id = ? AND moved_at IS NOT NULL",
            )
            .get(queue.id) as { t: number | null }
        ).t;
  const oldest = sent === null ? moved : moved === null ? sent : Math.min(sent, moved);
  return {
    visible: total.messages - hidden.n,
    inFlight: hidden.n - hidden.delayed,
    delayed: hidden.delayed,
    oldestEnteredAt: oldest ?? undefined,
    nextDueAt: hidden.next_due ?? undefined,
  };
}

/** How many messages a queue holds, and how many of them were moved in from a source queue. */
export function storedCounts(
  ctx: EngineContext,
  queue: QueueRecord,
): { messages: number; moved: number } {
  const row = ctx.stmts
    .get("SELECT messages, moved FROM queue_counts WHERE queue_id = ?")
    .get(queue.id) as { messages: number; moved: number } | undefined;
  // Every queue has its row from its creation on (a trigger adds it): counting is the fallback.
  return (
    row ??
    (ctx.stmts
      .get("SELECT COUNT(*) AS messages, COUNT(moved_at) AS moved FROM messages WHERE queue_id = ?")
      .get(queue.id) as { messages: number; moved: number })
  );
}

function attributeContext(ctx: EngineContext) {
  return { queueExists: (arn: string) => ctx.queues.byArn(arn) !== undefined };
}

/** The DLQ of a RedrivePolicy must allow this source in its RedriveAllowPolicy. */
function checkRedriveAllowed(
  ctx: EngineContext,
  sourceArn: string,
  attributes: Record<string, string>,
) {
  if (!attributes.RedrivePolicy) return;
  const target = (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string })
    .deadLetterTargetArn;
  const dlq = ctx.queues.byArn(target);
  if (dlq && !redriveAllowed(dlq.attributes.RedriveAllowPolicy, sourceArn)) {
    throw sqsError.invalidParameterValue(
      `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue ${target} does not allow ${sourceArn} as a source queue (RedriveAllowPolicy).`,
    );
  }
}

export async function createQueue(
  ctx: EngineContext,
  input: CreateQueueInput,
): Promise<QueueRecord> {
  const name = validateQueueName(input.QueueName);
  const tags = validateTags(input.tags ?? {});
  return ctx.committer.run(() => {
    const attributes = normalizeAttributes(input.Attributes, attributeContext(ctx));
    const existing = ctx.queues.byName(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if ((existing.attributes[key] ?? "") !== value) throw sqsError.queueAlreadyExists(key);
      }
      return existing;
    }
    const created = ctx.queues.insert(name, attributes, tags, ctx.clock.now());
    checkRedriveAllowed(ctx, created.arn, attributes);
    return created;
  });
}

export function listQueues(ctx: EngineContext, input: ListQueuesInput = {}): ListQueuesOutput {
  const max = intParameter("MaxResults", input.MaxResults, 1, 1000);
  const after = input.NextToken ? decodeToken(input.NextToken, "NextToken") : "";
  const all = ctx.queues.list(input.QueueNamePrefix ?? "").filter((q) => q.name > after);
  const page = all.slice(0, max ?? 1000);
  const out: ListQueuesOutput = {};
  if (page.length > 0) out.QueueUrls = page.map((q) => q.url);
  if (max !== undefined && all.length > page.length)
    out.NextToken = encodePageToken(page.at(-1)!.name);
  return out;
}

export function deleteQueue(ctx: EngineContext, queue: QueueRecord): Promise<void> {
  return ctx.committer.run(() => {
    if (ctx.jobs.queueOf(queue.id)) {
      ctx.jobs.removingMessages(queue.id, { state: "deleted", how: "purge" }, ctx.clock.now());
    }
    ctx.queues.delete(queue);
    ctx.jobs.invalidate();
    const queueId = queue.id;
    ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
  });
}

export function getQueueAttributes(
  ctx: EngineContext,
  queue: QueueRecord,
  input: GetQueueAttributesInput,
): Record<string, string> {
  const names = input.AttributeNames ?? [];
  const known = new Set<string>([...readOnlyAttributes, ...settableAttributes]);
  for (const name of names)
    if (name !== "All" && !known.has(name)) throw sqsError.invalidAttributeName(name);
  if (names.length === 0) return {};
  const counts = queueCounts(ctx, queue, ctx.clock.now());
  const all: Record<string, string> = {
    ...queue.attributes,
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
  };
  if (names.includes("All")) return all;
  return Object.fromEntries(names.filter((n) => all[n] !== undefined).map((n) => [n, all[n]!]));
}

export function setQueueAttributes(
  ctx: EngineContext,
  queue: QueueRecord,
  attributes: Record<string, string>,
): Promise<void> {
  if (!attributes || Object.keys(attributes).length === 0)
    throw sqsError.missingParameter("Attribute.1.Name");
  return ctx.committer.run(() => {
    const normalized = normalizeAttributes(attributes, attributeContext(ctx));
    checkRedriveAllowed(ctx, queue.arn, normalized);
    ctx.queues.updateAttributes(queue, normalized, ctx.clock.now());
    const queueId = queue.id;
    ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
  });
}

export function purgeQueue(ctx: EngineContext, queue: QueueRecord): Promise<void> {
  return ctx.committer.run(() => {
    const now = ctx.clock.now();
    const current = ctx.queues.byName(queue.name);
    if (current?.id !== queue.id) throw sqsError.nonExistentQueue(queue.url);
    if (current.purgedAt !== null && now - current.purgedAt < PURGE_INTERVAL_MS) {
      throw sqsError.purgeQueueInProgress(queue.name);
    }
    if (ctx.jobs.queueOf(queue.id)) {
      ctx.jobs.removingMessages(queue.id, { state: "deleted", how: "purge" }, now);
    }
    ctx.stmts.get("DELETE FROM messages WHERE queue_id = ?").run(queue.id);
    ctx.queues.markPurged(queue, now);
  });
}

export function listDeadLetterSourceQueues(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ListDeadLetterSourceQueuesInput,
): ListDeadLetterSourceQueuesOutput {
  const max = intParameter("MaxResults", input.MaxResults, 1, 1000);
  const after = input.NextToken ? decodeToken(input.NextToken, "NextToken") : "";
  const all = ctx.queues.deadLetterSources(queue.arn).filter((q) => q.name > after);
  const page = all.slice(0, max ?? 1000);
  const out: ListDeadLetterSourceQueuesOutput = { queueUrls: page.map((q) => q.url) };
  if (max !== undefined && all.length > page.length)
    out.NextToken = encodePageToken(page.at(-1)!.name);
  return out;
}

export function tagQueue(
  ctx: EngineContext,
  queue: QueueRecord,
  tags: Record<string, string>,
): Promise<void> {
  if (!tags || Object.keys(tags).length === 0) throw sqsError.missingParameter("Tags");
  return ctx.committer.run(() => {
    const current = ctx.queues.byName(queue.name) ?? queue;
    ctx.queues.updateTags(queue, validateTags({ ...current.tags, ...tags }));
  });
}

export function untagQueue(ctx: EngineContext, queue: QueueRecord, keys: string[]): Promise<void> {
  if (!keys || keys.length === 0) throw sqsError.missingParameter("TagKeys");
  return ctx.committer.run(() => {
    const current = ctx.queues.byName(queue.name) ?? queue;
    const tags = { ...current.tags };
    for (const key of keys) delete tags[key];
    ctx.queues.updateTags(queue, tags);
  });
}

function validateTags(tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    throw sqsError.invalidParameterValue(
      `Too many tags added for queue. A queue can have at most ${MAX_TAGS} tags.`,
    );
  }
  for (const [key, value] of entries) {
    // AWS's text for a key out of range, which names neither the key nor its length.
    if (key.length < 1 || key.length > 128) {
      throw sqsError.invalidParameterValue(
        "Tag keys must be between 1 and 128 characters in length.",
      );
    }
    if (typeof value !== "string" || value.length > 256) {
      throw sqsError.invalidParameterValue(
        `Tag value must be at most 256 characters; got ${typeof value === "string" ? value.length : typeof value} for key ${JSON.stringify(key)}.`,
      );
    }
  }
  return tags;
}

function decodeToken(token: string, parameter: string): string {
  const after = decodePageToken(token);
  if (typeof after === "string") return after;
  throw sqsError.invalidParameterValue(`Invalid ${parameter} value.`);
}
