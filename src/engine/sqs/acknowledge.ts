import { OffloadError } from "../../core/errors.js";
import type { EngineContext } from "../context.js";
import { sqsError } from "./errors.js";
import type { MessageRow } from "./message-row.js";
import type { QueueRecord } from "./queue-store.js";
import { decodeReceiptHandle, type Receipt } from "./receipt.js";
import { moveToDeadLetterQueue } from "./receive.js";
import { batchFailure } from "./send.js";
import type {
  BatchIdOutput,
  BatchResultErrorEntry,
  ChangeMessageVisibilityBatchInput,
  DeleteMessageBatchInput,
} from "./types.js";
import { intParameter, limits, validateBatchShape } from "./validate.js";

/** AWS caps a message's invisibility at 12 hours from the receive that made it invisible. */
const MAX_INVISIBLE_MS = limits.maxVisibilityTimeoutSeconds * 1000;

interface HeldRow {
  queue_id: number;
  receipt: string | null;
  visible_at: number;
  received_at: number | null;
}

export function parseHandle(queue: QueueRecord, handle: unknown): Receipt {
  if (typeof handle !== "string" || handle === "") throw sqsError.missingParameter("ReceiptHandle");
  const receipt = decodeReceiptHandle(handle);
  if (!receipt || receipt.queueId !== queue.id) throw sqsError.receiptHandleIsInvalid(handle);
  return receipt;
}

function visibilityParameter(timeout: unknown): number {
  const seconds = intParameter("VisibilityTimeout", timeout, 0, limits.maxVisibilityTimeoutSeconds);
  if (seconds === undefined) throw sqsError.missingParameter("VisibilityTimeout");
  return seconds;
}

function held(ctx: EngineContext, receipt: Receipt): HeldRow | undefined {
  const row = ctx.stmts
    .get("SELECT queue_id, receipt, visible_at, received_at FROM messages WHERE seq = ?")
    .get(receipt.seq) as HeldRow | undefined;
  if (!row || row.queue_id !== receipt.queueId || row.receipt !== receipt.token) return undefined;
  return row;
}

/**
 * Deletes the messages these receipts hold, inside a committer op. As the SQS API reference
 * says, a handle from an earlier receive (the message was received again since) "succeeds, but
 * the message will not be deleted"; deleting a deleted message succeeds. Up to 10 receipts go
 * in one statement (a rowid lookup per receipt), not one statement each.
 */
export function deleteReceipts(ctx: EngineContext, receipts: readonly Receipt[]): void {
  // Every receipt of one call names the same queue (parseHandle checks it against the queue).
  const tracked = receipts[0] === undefined ? undefined : ctx.jobs.queueOf(receipts[0].queueId);
  const now = tracked ? ctx.clock.now() : 0;
  for (let i = 0; i < receipts.length; i += DELETE_CHUNK) {
    const chunk = receipts.slice(i, i + DELETE_CHUNK);
    const values: Array<number | string> = [];
    for (const r of chunk) values.push(r.seq, r.queueId, r.token);
    if (!tracked) {
      ctx.stmts.get(DELETE_RECEIPTS[chunk.length]!).run(values);
      continue;
    }
    // The deleted rows' jobs, by id, with their first receive (a first attempt's start, which
    // its receive did not write): a lookup each, where matching the receipts again to find
    // them cost more than the delete itself.
    const deleted = ctx.stmts.raw(DELETE_RECEIPTS_RETURNING[chunk.length]!).all(values) as Array<
      [string | null, number | null]
    >;
    const pairs: Array<string | number | null> = [];
    for (const [jobId, firstReceiveAt] of deleted) {
      if (jobId !== null) pairs.push(jobId, firstReceiveAt);
    }
    if (pairs.length > 0) ctx.jobs.deleted(tracked.role, pairs, now);
  }
}

const DELETE_CHUNK = limits.maxBatchEntries;
const DELETE_RECEIPTS = Array.from(
  { length: DELETE_CHUNK + 1 },
  (_, count) =>
    `DELETE FROM messages WHERE ${Array.from(
      { length: count },
      () => "(seq = ? AND queue_id = ? AND receipt = ?)",
    ).join(" OR ")}`,
);
const DELETE_RECEIPTS_RETURNING = DELETE_RECEIPTS.map(
  (sql) => `${sql} RETURNING job_id, first_receive_at`,
);

function changeOne(
  ctx: EngineContext,
  queue: QueueRecord,
  handle: unknown,
  timeout: unknown,
  now: number,
): void {
  const seconds = visibilityParameter(timeout);
  const receipt = parseHandle(queue, handle);
  const row = held(ctx, receipt);
  // A handle whose visibility already expired still works while it is the latest
  // receive of the message (AWS answers 200; it never returns MessageNotInflight here).
  if (!row) throw sqsError.staleReceiptHandle(String(handle));
  const visibleAt = now + seconds * 1000;
  if (row.received_at !== null && visibleAt - row.received_at > MAX_INVISIBLE_MS) {
    throw sqsError.parameterOutOfRange(
      "VisibilityTimeout",
      seconds,
      `Total VisibilityTimeout for the message is beyond the limit [${limits.maxVisibilityTimeoutSeconds} seconds].`,
    );
  }
  ctx.stmts.get("UPDATE messages SET visible_at = ? WHERE seq = ?").run(visibleAt, receipt.seq);
  const queueId = queue.id;
  ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
}

/**
 * Moves a received message to its queue's dead-letter queue now, as a redrive
 * would (same id, body, attributes and receive count, DeadLetterQueueSourceArn
 * set). Not an SQS action: the runtime's way to honour `Unrecoverable`.
 */
export function moveHeldToDeadLetterQueue(
  ctx: EngineContext,
  queue: QueueRecord,
  handle: unknown,
  reason = "moved to the dead-letter queue",
): Promise<void> {
  parseHandle(queue, handle);
  return ctx.committer.run(() => {
    const current = ctx.queues.byName(queue.name);
    const target = current?.redrive
      ? ctx.queues.byArn(current.redrive.deadLetterTargetArn)
      : undefined;
    if (!current || !target) {
      throw new OffloadError(
        "NoDeadLetterQueue",
        `Queue ${queue.name} has no dead-letter queue (RedrivePolicy) to move the message to`,
        { queue: queue.name },
      );
    }
    const receipt = parseHandle(current, handle);
    if (!held(ctx, receipt)) throw sqsError.staleReceiptHandle(String(handle));
    const row = ctx.stmts
      .get("SELECT * FROM messages WHERE seq = ?")
      .get(receipt.seq) as MessageRow;
    moveToDeadLetterQueue(ctx, row, current, target, ctx.clock.now(), reason);
  });
}

export function deleteMessage(
  ctx: EngineContext,
  queue: QueueRecord,
  handle: unknown,
): Promise<void> {
  const receipt = parseHandle(queue, handle);
  return ctx.committer.run(() => deleteReceipts(ctx, [receipt]), { durable: false });
}

export function deleteMessageBatch(
  ctx: EngineContext,
  queue: QueueRecord,
  input: DeleteMessageBatchInput,
): Promise<BatchIdOutput> {
  const entries = validateBatchShape(input.Entries, "DeleteMessageBatchRequestEntry");
  const receipts: Receipt[] = [];
  const result = perEntry(entries, (entry) => {
    receipts.push(parseHandle(queue, entry.ReceiptHandle));
  });
  return ctx.committer.run(
    () => {
      deleteReceipts(ctx, receipts);
      return result;
    },
    { durable: false },
  );
}

/**
 * Deletes received messages of one queue, any number, in one commit: what a consumer in this
 * process does after a batch. Rejects, deleting nothing, if a handle is not one this queue issued.
 */
export function deleteMessages(
  ctx: EngineContext,
  queue: QueueRecord,
  handles: readonly string[],
): Promise<void> {
  const receipts = handles.map((handle) => parseHandle(queue, handle));
  return ctx.committer.run(() => deleteReceipts(ctx, receipts), { durable: false });
}

export function changeMessageVisibility(
  ctx: EngineContext,
  queue: QueueRecord,
  handle: unknown,
  timeout: unknown,
): Promise<void> {
  visibilityParameter(timeout);
  parseHandle(queue, handle);
  return ctx.committer.run(() => changeOne(ctx, queue, handle, timeout, ctx.clock.now()), {
    durable: false,
  });
}

export function changeMessageVisibilityBatch(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ChangeMessageVisibilityBatchInput,
): Promise<BatchIdOutput> {
  const entries = validateBatchShape(input.Entries, "ChangeMessageVisibilityBatchRequestEntry");
  return ctx.committer.run(
    () => {
      const now = ctx.clock.now();
      return perEntry(entries, (entry) =>
        changeOne(ctx, queue, entry.ReceiptHandle, entry.VisibilityTimeout ?? 0, now),
      );
    },
    { durable: false },
  );
}

function perEntry<T extends { Id: string }>(entries: T[], fn: (entry: T) => void): BatchIdOutput {
  const successful: Array<{ Id: string }> = [];
  const failed: BatchResultErrorEntry[] = [];
  for (const entry of entries) {
    try {
      fn(entry);
      successful.push({ Id: entry.Id });
    } catch (error) {
      failed.push(batchFailure(entry.Id, error));
    }
  }
  return { Successful: successful, Failed: failed };
}
