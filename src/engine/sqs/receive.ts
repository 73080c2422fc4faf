import type { EngineContext } from "../context.js";
import { fairCandidates, hasGroups, noteGroupedMessage } from "./fair.js";
import { md5OfAttributes } from "./md5.js";
import {
  CLAIM_COLUMNS,
  type ClaimRow,
  claimRowOf,
  deserializeAttributes,
  type MessageRow,
  receivedAttributes,
} from "./message-row.js";
import type { QueueRecord } from "./queue-store.js";
import { encodeReceiptHandle, newReceiptToken } from "./receipt.js";
import type {
  Message,
  MessageAttributeValue,
  ReceivedMessage,
  ReceiveMessageInput,
  ReceiveOptions,
} from "./types.js";
import { intParameter, limits } from "./validate.js";

const SYSTEM_ATTRIBUTES = [
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
  "MessageGroupId",
] as const;

/** A message claimed by a receive: its row as delivered, and the receipt handle of this receive. */
export interface Claimed {
  row: ClaimRow;
  handle: string;
}

/** The receive parameters of ReceiveMessage that decide what is claimed and for how long. */
export type ClaimInput = Pick<
  ReceiveMessageInput,
  "MaxNumberOfMessages" | "WaitTimeSeconds" | "VisibilityTimeout"
>;

/** ReceiveMessage: claim up to N visible messages, long-polling up to WaitTimeSeconds. */
export async function receiveMessage(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ReceiveMessageInput,
  options: ReceiveOptions = {},
): Promise<Message[]> {
  const project = projection(input);
  const claimed = await receiveClaimed(ctx, queue, input, options);
  return claimed.map((c) => project(c));
}

/**
 * ReceiveMessage asking for every system and every message attribute, answered as plain
 * records for a consumer in this process (the local runtime): the same claim, visibility,
 * receive counts and redrive, without first building the SQS response shape.
 */
export async function receiveMessages(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ClaimInput,
  options: ReceiveOptions = {},
): Promise<ReceivedMessage[]> {
  const claimed = await receiveClaimed(ctx, queue, input, options);
  return claimed.map(
    ({ row, handle }): ReceivedMessage => ({
      messageId: row.message_id,
      receiptHandle: handle,
      body: row.body,
      md5OfBody: row.md5_body,
      attributes: systemAttributes(row),
      messageAttributes: receivedAttributes(row.attributes),
    }),
  );
}

/** Validates the parameters, then claims (long-polling up to WaitTimeSeconds). */
export async function receiveClaimed(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ClaimInput,
  options: ReceiveOptions = {},
): Promise<Claimed[]> {
  const max =
    intParameter("MaxNumberOfMessages", input.MaxNumberOfMessages, 1, limits.maxReceiveMessages) ??
    1;
  const waitSeconds =
    intParameter("WaitTimeSeconds", input.WaitTimeSeconds, 0, limits.maxWaitTimeSeconds) ??
    queue.waitTimeSeconds;
  const visibility =
    intParameter(
      "VisibilityTimeout",
      input.VisibilityTimeout,
      0,
      limits.maxVisibilityTimeoutSeconds,
    ) ?? queue.visibilityTimeoutSeconds;
  const attempt = () =>
    ctx.committer.run(() => claim(ctx, queue, max, visibility, ctx.clock.now()), {
      durable: false,
    });
  if (waitSeconds === 0 || options.signal?.aborted) return attempt();
  return ctx.longPoll.wait(
    queue.id,
    waitSeconds * 1000,
    { attempt, nextVisibleAt: () => nextVisibleAt(ctx, queue.id) },
    options.signal,
  );
}

/**
 * Claims inside a committer op. Expired messages are dropped on the way; a
 * message already received maxReceiveCount times moves to the dead-letter
 * queue instead of being delivered (same row: id, body, attributes, count kept).
 */
export function claim(
  ctx: EngineContext,
  queue: QueueRecord,
  max: number,
  visibilitySeconds: number,
  now: number,
): Claimed[] {
  const current = ctx.queues.byName(queue.name);
  if (current?.id !== queue.id) return [];
  const expiredBefore = now - current.retentionSeconds * 1000;
  const redrive = current.redrive;
  const dlq = redrive ? ctx.queues.byArn(redrive.deadLetterTargetArn) : undefined;
  const rows: ClaimRow[] = [];
  const taken = new Set<number>();
  // A queue holding messages with a MessageGroupId is a fair queue: its groups interleave.
  const fair = hasGroups(ctx, current.id);
  const tracked = ctx.jobs.queueOf(current.id);
  for (;;) {
    // Rows taken so far stay visible until deliver marks them, so every select asks for a
    // whole batch and skips them; what it finds beyond them is new.
    const selected = fair
      ? fairCandidates(ctx, current.id, now, max)
      : (selectVisible(ctx, max).all(current.id, now) as unknown[][]).map(claimRowOf);
    for (const row of selected) {
      if (taken.has(row.seq)) continue;
      if (row.sent_at <= expiredBefore) {
        if (tracked) ctx.jobs.removingMessage(row.seq, { state: "expired" }, now);
        ctx.stmts.get("DELETE FROM messages WHERE seq = ?").run(row.seq);
      } else if (redrive && dlq && row.receive_count >= redrive.maxReceiveCount) {
        moveToDeadLetterQueue(
          ctx,
          row,
          current,
          dlq,
          now,
          maxReceiveReason(redrive.maxReceiveCount),
        );
      } else {
        rows.push(row);
        taken.add(row.seq);
        if (rows.length === max) break;
      }
    }
    // Rows that expired or moved to the DLQ left this queue: select again to fill the batch.
    // A select that came back short found every visible row, so there is nothing more.
    if (rows.length >= max || selected.length < max) break;
  }
  const claimed = deliver(ctx, rows, current.id, now, visibilitySeconds);
  if (tracked?.role === "queue" && rows.length > 0) {
    ctx.jobs.received(rows, now);
  }
  return claimed;
}

/** Why a receive moved a job to its DLQ. */
function maxReceiveReason(maxReceiveCount: number): string {
  return `received ${maxReceiveCount} times, its queue's maxReceiveCount`;
}

/**
 * The oldest visible messages of a queue, `limit` (1–10) of them. The limit is part of the SQL
 * text, one statement per value: SQLite (built with STAT4) re-prepares a statement whose
 * `LIMIT ?` is bound on every run, which cost more than the rest of the select.
 */
function selectVisible(ctx: EngineContext, limit: number) {
  return ctx.stmts.raw(SELECT_VISIBLE[limit]!);
}

const SELECT_VISIBLE = Array.from(
  { length: limits.maxReceiveMessages + 1 },
  (_, limit) =>
    `SELECT ${CLAIM_COLUMNS} FROM messages WHERE queue_id = ? AND visible_at <= ?
     ORDER BY visible_at, seq LIMIT ${limit}`,
);

/**
 * Marks the rows received, in one statement. One fresh token serves the whole receive: each
 * handle also names its message, and the next receive of any of them draws a new token, so a
 * handle from an earlier receive no longer matches.
 */
function deliver(
  ctx: EngineContext,
  rows: ClaimRow[],
  queueId: number,
  now: number,
  visibilitySeconds: number,
): Claimed[] {
  if (rows.length === 0) return [];
  const token = newReceiptToken();
  const visibleAt = now + visibilitySeconds * 1000;
  const seqs = rows.map((row) => row.seq);
  markReceived(ctx, rows.length).run(now, now, visibleAt, token, ...seqs);
  return rows.map((row) => {
    // The row is claim's own copy: it becomes the delivered state in place.
    row.receive_count += 1;
    row.first_receive_at ??= now;
    return { row, handle: encodeReceiptHandle({ queueId, seq: row.seq, token }) };
  });
}

/** The UPDATE that marks `count` (1–10) rows received; one prepared statement per count. */
function markReceived(ctx: EngineContext, count: number) {
  return ctx.stmts.get(MARK_RECEIVED[count]!);
}

const MARK_RECEIVED = Array.from(
  { length: limits.maxReceiveMessages + 1 },
  (_, count) =>
    `UPDATE messages SET receive_count = receive_count + 1,
       first_receive_at = coalesce(first_receive_at, ?), received_at = ?, visible_at = ?, receipt = ?
     WHERE seq IN (${Array.from({ length: count }, () => "?").join(", ")})`,
);

/** Moves a message to `dlq`; a tracked job queue's job records `reason`. */
export function moveToDeadLetterQueue(
  ctx: EngineContext,
  row: Pick<MessageRow, "seq" | "message_group_id">,
  source: QueueRecord,
  dlq: QueueRecord,
  now: number,
  reason: string,
): void {
  const sourceArn = source.arn;
  if (ctx.jobs.queueOf(source.id)?.role === "queue") ctx.jobs.deadLettered(row.seq, reason, now);
  ctx.stmts
    .get(
      `UPDATE messages SET queue_id = ?, visible_at = ?, receipt = NULL, dead_letter_source_arn = ?,
         moved_at = ?
       WHERE seq = ?`,
    )
    .run(dlq.id, now, sourceArn, now, row.seq);
  if (row.message_group_id !== null) noteGroupedMessage(ctx, dlq.id);
  const dlqId = dlq.id;
  ctx.committer.afterCommit(() => ctx.longPoll.notify(dlqId));
}

export function nextVisibleAt(ctx: EngineContext, queueId: number): number | undefined {
  const row = ctx.stmts
    .get("SELECT MIN(visible_at) AS next FROM messages WHERE queue_id = ? AND visible_at > ?")
    .get(queueId, ctx.clock.now()) as { next: number | null };
  return row.next ?? undefined;
}

/** Builds the Message SQS returns, with only the attributes the request asked for. */
function projection(input: ReceiveMessageInput): (claimed: Claimed) => Message {
  const systemNames = new Set([
    ...(input.AttributeNames ?? []),
    ...(input.MessageSystemAttributeNames ?? []),
  ]);
  const allSystem = systemNames.has("All");
  const attributeNames = input.MessageAttributeNames ?? [];
  const wantsAttribute = attributeMatcher(attributeNames);
  return ({ row, handle }) => {
    const message: Message = {
      MessageId: row.message_id,
      ReceiptHandle: handle,
      MD5OfBody: row.md5_body,
      Body: row.body,
    };
    // Most receives ask for no system attribute: their strings are not made then.
    if (systemNames.size > 0) {
      const system = systemAttributes(row);
      const attributes: Record<string, string> = {};
      for (const name of SYSTEM_ATTRIBUTES) {
        const value = system[name];
        if (value !== undefined && (allSystem || systemNames.has(name))) attributes[name] = value;
      }
      if (Object.keys(attributes).length > 0) message.Attributes = attributes;
    }
    if (row.attributes && attributeNames.length > 0) {
      const all = deserializeAttributes(row.attributes);
      const picked: Record<string, MessageAttributeValue> = Object.create(null);
      for (const [name, value] of Object.entries(all))
        if (wantsAttribute(name)) picked[name] = value;
      if (Object.keys(picked).length > 0) {
        message.MessageAttributes = picked;
        message.MD5OfMessageAttributes =
          Object.keys(picked).length === Object.keys(all).length && row.md5_attributes
            ? row.md5_attributes
            : md5OfAttributes(picked)!;
      }
    }
    return message;
  };
}

/** Every system attribute the message has, by the name SQS gives it. */
function systemAttributes(row: ClaimRow): Record<string, string> {
  const attributes: Record<string, string> = {
    SenderId: row.sender_id,
    SentTimestamp: String(row.sent_at),
    ApproximateReceiveCount: String(row.receive_count),
    ApproximateFirstReceiveTimestamp: String(row.first_receive_at ?? row.sent_at),
  };
  if (row.system_attributes) {
    const trace = (JSON.parse(row.system_attributes) as { AWSTraceHeader?: string }).AWSTraceHeader;
    if (trace !== undefined) attributes.AWSTraceHeader = trace;
  }
  if (row.dead_letter_source_arn) attributes.DeadLetterQueueSourceArn = row.dead_letter_source_arn;
  if (row.message_group_id !== null) attributes.MessageGroupId = row.message_group_id;
  return attributes;
}

/**
 * MessageAttributeNames: "All", ".*" or "*" (every attribute), exact names, or "prefix.*"
 * (every name that starts with the prefix: "Hel.*" takes `Hello` and `Help.Me`). As AWS
 * answers them, recorded in LocalStack's snapshot of
 * `test_receive_message_message_attribute_names_filters` (tests/aws/services/sqs/test_sqs.snapshot.json).
 */
function attributeMatcher(names: string[]): (name: string) => boolean {
  if (names.some((n) => n === "All" || n === ".*" || n === "*")) return () => true;
  const exact = new Set(names.filter((n) => !n.endsWith(".*")));
  const prefixes = names.filter((n) => n.endsWith(".*")).map((n) => n.slice(0, -2));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}
