import type { EngineContext } from "../context.js";
import { deserializeAttributes, type MessageRow, receivedAttributes } from "./message-row.js";
import { redriveRow } from "./move-tasks.js";
import type { QueueRecord } from "./queue-store.js";
import type { MessageAttributeValue } from "./types.js";

/**
 * Engine operations beyond the SQS API, for dashboards and the runtime:
 * reading messages without receiving them, moving chosen messages, and
 * keeping the errors of a message's attempts.
 */

/** A message as stored, read without changing it. */
export interface PeekedMessage {
  MessageId: string;
  Body: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
  ReceiveCount: number;
  SentTimestamp: number;
  DeadLetterQueueSourceArn: string | undefined;
  FirstError: string | undefined;
  LastError: string | undefined;
}

const MAX_PEEK = 1000;

/** Up to `limit` messages of a queue, oldest first, whatever their visibility. */
export function peekMessages(
  ctx: EngineContext,
  queue: QueueRecord,
  limit: number,
): PeekedMessage[] {
  const rows = ctx.stmts
    .get(
      `SELECT m.*, n.first_error, n.last_error FROM messages m
       LEFT JOIN message_notes n ON n.message_id = m.message_id
       WHERE m.queue_id = ? ORDER BY m.sent_at, m.seq LIMIT ?`,
    )
    .all(queue.id, Math.max(1, Math.min(MAX_PEEK, Math.floor(limit)))) as Array<
    MessageRow & { first_error: string | null; last_error: string | null }
  >;
  return rows.map((row) => ({
    MessageId: row.message_id,
    Body: row.body,
    MessageAttributes: deserializeAttributes(row.attributes),
    ReceiveCount: row.receive_count,
    SentTimestamp: row.sent_at,
    DeadLetterQueueSourceArn: row.dead_letter_source_arn ?? undefined,
    FirstError: row.first_error ?? undefined,
    LastError: row.last_error ?? undefined,
  }));
}

/** Messages one commit moves at most: a redrive of a large DLQ commits chunk by chunk. */
export const MOVE_CHUNK = 1000;

/** Where a move has read up to, in the order it reads: oldest first (sent_at, then seq). */
export interface MovePosition {
  sentAt: number;
  seq: number;
}

/** Before every message. */
export const MOVE_START: MovePosition = { sentAt: Number.MIN_SAFE_INTEGER, seq: 0 };

/** What one chunk of a move did: how many moved, and where the next chunk goes on (none: done). */
export interface MoveChunk {
  moved: number;
  /** With chosen ids: the ids moved in this chunk. */
  movedIds: string[];
  next: MovePosition | undefined;
}

/** The newest message of a queue now: a move of "all" moves what is there when it starts. */
export function lastSeqOf(ctx: EngineContext, queue: QueueRecord): number {
  const row = ctx.stmts
    .get("SELECT max(seq) AS seq FROM messages WHERE queue_id = ?")
    .get(queue.id) as { seq: number | null };
  return row.seq ?? 0;
}

/**
 * Moves, inside a committer op, up to MOVE_CHUNK messages of `source` past
 * `range.after` (oldest first) with seq <= upToSeq — or, with `messageIdsJson`
 * (a JSON array of ids), those of them with these ids — to `destination`, or back to the queue each
 * came from. Like a move task (redriveRow), each arrives as a new message; a
 * message with no destination stays. Ids not in the source are skipped.
 * Reading by (sent_at, seq) walks the queue's age index from where the last
 * chunk stopped, so each chunk costs the same however large the queue.
 */
export function moveChunk(
  ctx: EngineContext,
  source: QueueRecord,
  range: { after: MovePosition; upToSeq: number },
  messageIdsJson: string | undefined,
  destination: QueueRecord | undefined,
  now: number,
): MoveChunk {
  const { after, upToSeq } = range;
  // Chosen by message id, or by the job id a message carries as its `jobId` attribute.
  const chosen =
    messageIdsJson === undefined
      ? ""
      : `AND (message_id IN (SELECT value FROM json_each(@ids))
           OR (json_extract(attributes, '$.jobId.DataType') = 'String'
             AND json_extract(attributes, '$.jobId.StringValue') IN (SELECT value FROM json_each(@ids))))`;
  const rows = ctx.stmts
    .get(
      `SELECT * FROM messages WHERE queue_id = @queue AND (sent_at, seq) > (@sentAt, @seq)
         AND seq <= @upToSeq ${chosen}
         ORDER BY sent_at, seq LIMIT ${MOVE_CHUNK}`,
    )
    .all({
      queue: source.id,
      sentAt: after.sentAt,
      seq: after.seq,
      upToSeq,
      ...(messageIdsJson === undefined ? {} : { ids: messageIdsJson }),
    }) as MessageRow[];
  let moved = 0;
  const movedIds: string[] = [];
  const touched = new Set<number>();
  for (const row of rows) {
    const target =
      destination ??
      (row.dead_letter_source_arn ? ctx.queues.byArn(row.dead_letter_source_arn) : undefined);
    if (!target) continue;
    redriveRow(ctx, row, target, now);
    touched.add(target.id);
    moved++;
    if (messageIdsJson !== undefined) {
      movedIds.push(row.message_id);
      const jobId = receivedAttributes(row.attributes).jobId;
      if (jobId?.dataType === "String" && jobId.stringValue) movedIds.push(jobId.stringValue);
    }
  }
  for (const queueId of touched) ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
  const last = rows.at(-1);
  return {
    moved,
    movedIds,
    next: rows.length < MOVE_CHUNK || !last ? undefined : { sentAt: last.sent_at, seq: last.seq },
  };
}

/** Records an error of one of a message's attempts (kept: the first and the last). */
export function noteError(ctx: EngineContext, messageId: string, error: string, now: number): void {
  ctx.stmts
    .get(
      `INSERT INTO message_notes (message_id, first_error, last_error, errors, updated_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (message_id) DO UPDATE SET last_error = excluded.last_error, errors = errors + 1,
         updated_at = excluded.updated_at`,
    )
    .run(messageId, error, error, now);
}

/** Drops notes of messages that no longer exist. */
export function sweepNotes(ctx: EngineContext): number {
  return ctx.stmts
    .get("DELETE FROM message_notes WHERE message_id NOT IN (SELECT message_id FROM messages)")
    .run().changes;
}
