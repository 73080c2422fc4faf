import type { EngineContext } from "../context.js";
import { md5OfAttributes } from "./md5.js";
import { deserializeAttributes, type MessageRow } from "./message-row.js";
import type { QueueRecord } from "./queue-store.js";
import { encodeReceiptHandle, newReceiptToken } from "./receipt.js";
import type {
  Message,
  MessageAttributeValue,
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
] as const;

interface Claimed {
  row: MessageRow;
  handle: string;
}

/** ReceiveMessage: claim up to N visible messages, long-polling up to WaitTimeSeconds. */
export async function receiveMessage(
  ctx: EngineContext,
  queue: QueueRecord,
  input: ReceiveMessageInput,
  options: ReceiveOptions = {},
): Promise<Message[]> {
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
  const project = projection(input);
  const attempt = () =>
    ctx.committer.run(() => claim(ctx, queue, max, visibility, ctx.clock.now()), {
      durable: false,
    });

  let claimed: Claimed[];
  if (waitSeconds === 0 || options.signal?.aborted) {
    claimed = await attempt();
  } else {
    claimed = await ctx.longPoll.wait(
      queue.id,
      waitSeconds * 1000,
      { attempt, nextVisibleAt: () => nextVisibleAt(ctx, queue.id) },
      options.signal,
    );
  }
  return claimed.map((c) => project(c));
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
  const select = ctx.stmts.get(
    "SELECT * FROM messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
  );
  const expiredBefore = now - current.retentionSeconds * 1000;
  const redrive = current.redrive;
  const dlq = redrive ? ctx.queues.byArn(redrive.deadLetterTargetArn) : undefined;
  const claimed: Claimed[] = [];
  for (;;) {
    const want = max - claimed.length;
    const rows = select.all(current.id, now, want) as MessageRow[];
    for (const row of rows) {
      if (row.sent_at <= expiredBefore) {
        ctx.stmts.get("DELETE FROM messages WHERE seq = ?").run(row.seq);
      } else if (redrive && dlq && row.receive_count >= redrive.maxReceiveCount) {
        moveToDeadLetterQueue(ctx, row, dlq, current.arn, now);
      } else {
        claimed.push(deliver(ctx, row, current.id, now, visibilitySeconds));
      }
    }
    // Rows that expired or moved to the DLQ left this queue: select again to fill the batch.
    if (claimed.length >= max || rows.length < want) break;
  }
  return claimed;
}

function deliver(
  ctx: EngineContext,
  row: MessageRow,
  queueId: number,
  now: number,
  visibilitySeconds: number,
): Claimed {
  const token = newReceiptToken();
  const firstReceiveAt = row.first_receive_at ?? now;
  ctx.stmts
    .get(
      `UPDATE messages SET receive_count = receive_count + 1, first_receive_at = ?, received_at = ?,
         visible_at = ?, receipt = ? WHERE seq = ?`,
    )
    .run(firstReceiveAt, now, now + visibilitySeconds * 1000, token, row.seq);
  return {
    row: {
      ...row,
      receive_count: row.receive_count + 1,
      first_receive_at: firstReceiveAt,
      received_at: now,
      receipt: token,
    },
    handle: encodeReceiptHandle({ queueId, seq: row.seq, token }),
  };
}

export function moveToDeadLetterQueue(
  ctx: EngineContext,
  row: MessageRow,
  dlq: QueueRecord,
  sourceArn: string,
  now: number,
): void {
  ctx.stmts
    .get(
      `UPDATE messages SET queue_id = ?, visible_at = ?, receipt = NULL, dead_letter_source_arn = ?
       WHERE seq = ?`,
    )
    .run(dlq.id, now, sourceArn, row.seq);
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
    const system = systemAttributes(row);
    const attributes: Record<string, string> = {};
    for (const name of SYSTEM_ATTRIBUTES) {
      const value = system[name];
      if (value !== undefined && (allSystem || systemNames.has(name))) attributes[name] = value;
    }
    if (Object.keys(attributes).length > 0) message.Attributes = attributes;
    if (row.attributes && attributeNames.length > 0) {
      const all = deserializeAttributes(row.attributes);
      const picked: Record<string, MessageAttributeValue> = {};
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

function systemAttributes(
  row: MessageRow,
): Partial<Record<(typeof SYSTEM_ATTRIBUTES)[number], string>> {
  const trace = row.system_attributes
    ? (JSON.parse(row.system_attributes) as { AWSTraceHeader?: string }).AWSTraceHeader
    : undefined;
  return {
    SenderId: row.sender_id,
    SentTimestamp: String(row.sent_at),
    ApproximateReceiveCount: String(row.receive_count),
    ApproximateFirstReceiveTimestamp: String(
      row.first_receive_at ?? row.received_at ?? row.sent_at,
    ),
    ...(trace === undefined ? {} : { AWSTraceHeader: trace }),
    ...(row.dead_letter_source_arn ? { DeadLetterQueueSourceArn: row.dead_letter_source_arn } : {}),
  };
}

/** MessageAttributeNames: "All", ".*", exact names, or "prefix.*". */
function attributeMatcher(names: string[]): (name: string) => boolean {
  if (names.includes("All") || names.includes(".*")) return () => true;
  const exact = new Set(names.filter((n) => !n.endsWith(".*")));
  const prefixes = names.filter((n) => n.endsWith(".*")).map((n) => n.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}
