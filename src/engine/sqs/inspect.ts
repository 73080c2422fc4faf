import type { EngineContext } from "../context.js";
import { deserializeAttributes, type MessageRow } from "./message-row.js";
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

/**
 * Moves the messages with these ids (all of them when `messageIds` is
 * undefined) from `source` to `destination`, or back to the queue each came
 * from. Like a move task (redriveRow), each arrives as a new message. Ids not in the source are skipped. Returns how many moved.
 */
export function moveMessages(
  ctx: EngineContext,
  source: QueueRecord,
  messageIds: readonly string[] | undefined,
  destination: QueueRecord | undefined,
  now: number,
): number {
  const rows =
    messageIds === undefined
      ? (ctx.stmts
          .get("SELECT * FROM messages WHERE queue_id = ? ORDER BY seq")
          .all(source.id) as MessageRow[])
      : messageIds.flatMap(
          (id) =>
            ctx.stmts
              .get("SELECT * FROM messages WHERE queue_id = ? AND message_id = ?")
              .all(source.id, id) as MessageRow[],
        );
  let moved = 0;
  const touched = new Set<number>();
  for (const row of rows) {
    const target =
      destination ??
      (row.dead_letter_source_arn ? ctx.queues.byArn(row.dead_letter_source_arn) : undefined);
    if (!target) continue;
    redriveRow(ctx, row, target, now);
    touched.add(target.id);
    moved++;
  }
  for (const queueId of touched) ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
  return moved;
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
