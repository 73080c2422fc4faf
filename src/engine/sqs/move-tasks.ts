import { randomUUID } from "node:crypto";
import type { TimerHandle } from "../../core/clock.js";
import { jobIdOf } from "../../core/job-id.js";
import type { EngineContext } from "../context.js";
import { sqsError } from "./errors.js";
import { noteGroupedMessage } from "./fair.js";
import { type MessageRow, receivedAttributes } from "./message-row.js";
import type { QueueRecord } from "./queue-store.js";
import { storedCounts } from "./queues.js";
import type {
  CancelMessageMoveTaskOutput,
  ListMessageMoveTasksInput,
  ListMessageMoveTasksOutput,
  ListMessageMoveTasksResultEntry,
  MessageMoveTaskStatus,
  StartMessageMoveTaskInput,
} from "./types.js";
import { intParameter } from "./validate.js";

/** Messages moved per step when no rate is set ("system optimized" on AWS). */
const UNLIMITED_CHUNK = 1000;
const MAX_RATE = 500;

interface TaskRow {
  handle: string;
  source_arn: string;
  destination_arn: string | null;
  rate: number | null;
  status: MessageMoveTaskStatus;
  moved: number;
  to_move: number;
  max_seq: number;
  failure_reason: string | null;
  started_at: number;
}

/**
 * DLQ redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.
 * Tasks are rows, so a task running when the process stops resumes when the
 * engine opens the database again. A task moves the messages that were in the
 * DLQ when it started (up to their highest sequence number): to DestinationArn,
 * or without it back to the queue each message came from.
 */
export class MoveTasks {
  readonly #ctx: EngineContext;
  readonly #timers = new Map<string, TimerHandle>();
  readonly #immediates = new Map<string, NodeJS.Immediate>();
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /** Resumes the tasks a previous process left running. */
  resume(): void {
    const rows = this.#ctx.stmts
      .get("SELECT * FROM move_tasks WHERE status = 'RUNNING'")
      .all() as TaskRow[];
    for (const row of rows) this.#schedule(row);
  }

  async start(input: StartMessageMoveTaskInput): Promise<string> {
    const ctx = this.#ctx;
    if (typeof input.SourceArn !== "string" || input.SourceArn === "") {
      throw sqsError.missingParameter("SourceArn");
    }
    const rate = intParameter(
      "MaxNumberOfMessagesPerSecond",
      input.MaxNumberOfMessagesPerSecond,
      1,
      MAX_RATE,
    );
    const row = await ctx.committer.run(() => {
      const source = ctx.queues.byArn(input.SourceArn);
      if (!source) {
        throw sqsError.resourceNotFound(
          "The resource that you specified for the SourceArn parameter doesn't exist.",
        );
      }
      if (ctx.queues.deadLetterSources(source.arn).length === 0) {
        throw sqsError.invalidParameterValue(
          "Source queue must be configured as a Dead Letter Queue.",
        );
      }
      if (input.DestinationArn !== undefined && !ctx.queues.byArn(input.DestinationArn)) {
        throw sqsError.resourceNotFound(
          "The resource that you specified for the DestinationArn parameter doesn't exist.",
        );
      }
      const running = ctx.stmts
        .get(
          "SELECT 1 FROM move_tasks WHERE source_arn = ? AND status IN ('RUNNING', 'CANCELLING')",
        )
        .get(source.arn);
      if (running) {
        throw sqsError.invalidParameterValue(
          "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
        );
      }
      const stats = {
        n: storedCounts(ctx, source).messages,
        max:
          (
            ctx.stmts
              .get("SELECT MAX(seq) AS max FROM messages WHERE queue_id = ?")
              .get(source.id) as {
              max: number | null;
            }
          ).max ?? 0,
      };
      const task: TaskRow = {
        handle: Buffer.from(
          JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn }),
        ).toString("base64"),
        source_arn: source.arn,
        destination_arn: input.DestinationArn ?? null,
        rate: rate ?? null,
        status: "RUNNING",
        moved: 0,
        to_move: stats.n,
        max_seq: stats.max,
        failure_reason: null,
        started_at: ctx.clock.now(),
      };
      ctx.stmts
        .get(
          `INSERT INTO move_tasks (handle, source_arn, destination_arn, rate, status, moved, to_move, max_seq, started_at)
           VALUES (@handle, @source_arn, @destination_arn, @rate, @status, @moved, @to_move, @max_seq, @started_at)`,
        )
        .run(task);
      return task;
    });
    this.#schedule(row);
    return row.handle;
  }

  async cancel(handle: string): Promise<CancelMessageMoveTaskOutput> {
    const ctx = this.#ctx;
    if (typeof handle !== "string" || handle === "") throw sqsError.missingParameter("TaskHandle");
    if (!isTaskHandle(handle))
      throw sqsError.invalidParameterValue("Value for parameter TaskHandle is invalid.");
    const moved = await ctx.committer.run(() => {
      const row = this.#get(handle);
      if (!row) throw sqsError.resourceNotFound("Task does not exist.");
      if (row.status !== "RUNNING") {
        throw sqsError.invalidParameterValue(
          `Value for parameter TaskHandle is invalid. Reason: only a RUNNING task can be cancelled; this one is ${row.status}.`,
        );
      }
      ctx.stmts.get("UPDATE move_tasks SET status = 'CANCELLED' WHERE handle = ?").run(handle);
      return row.moved;
    });
    this.#unschedule(handle);
    return { ApproximateNumberOfMessagesMoved: moved };
  }

  list(input: ListMessageMoveTasksInput): ListMessageMoveTasksOutput {
    const ctx = this.#ctx;
    if (typeof input.SourceArn !== "string" || input.SourceArn === "") {
      throw sqsError.missingParameter("SourceArn");
    }
    const max = intParameter("MaxResults", input.MaxResults, 1, 10) ?? 1;
    if (!ctx.queues.byArn(input.SourceArn)) {
      throw sqsError.resourceNotFound(
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      );
    }
    const rows = ctx.stmts
      .get(
        "SELECT * FROM move_tasks WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
      )
      .all(input.SourceArn, max) as TaskRow[];
    return { Results: rows.map(toResult) };
  }

  /** Resolves when no task without a rate limit is moving messages (rate-limited ones wait on the clock). */
  whenIdle(): Promise<void> {
    if (this.#immediates.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) this.#ctx.clock.clearTimer(timer);
    for (const immediate of this.#immediates.values()) clearImmediate(immediate);
    this.#timers.clear();
    this.#immediates.clear();
    this.#notifyIdle();
  }

  #get(handle: string): TaskRow | undefined {
    return this.#ctx.stmts.get("SELECT * FROM move_tasks WHERE handle = ?").get(handle) as
      | TaskRow
      | undefined;
  }

  #schedule(row: TaskRow): void {
    if (this.#closed) return;
    if (row.rate === null) {
      this.#immediates.set(
        row.handle,
        setImmediate(() => void this.#step(row.handle)),
      );
    } else {
      this.#timers.set(
        row.handle,
        this.#ctx.clock.setTimer(() => void this.#step(row.handle), 1000),
      );
    }
  }

  #unschedule(handle: string): void {
    const timer = this.#timers.get(handle);
    if (timer) this.#ctx.clock.clearTimer(timer);
    const immediate = this.#immediates.get(handle);
    if (immediate) clearImmediate(immediate);
    this.#timers.delete(handle);
    this.#immediates.delete(handle);
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (this.#immediates.size > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #step(handle: string): Promise<void> {
    this.#timers.delete(handle);
    this.#immediates.delete(handle);
    let next: TaskRow | undefined;
    try {
      next = await this.#ctx.committer.run(() => this.#moveChunk(handle));
    } catch {
      next = undefined;
    }
    if (next?.status === "RUNNING") this.#schedule(next);
    else this.#notifyIdle();
  }

  /** One step inside a committer op: moves up to a chunk, updates the task row. */
  #moveChunk(handle: string): TaskRow | undefined {
    const ctx = this.#ctx;
    const task = this.#get(handle);
    if (task?.status !== "RUNNING") return task;
    const now = ctx.clock.now();
    const fail = (reason: string) => {
      ctx.stmts
        .get("UPDATE move_tasks SET status = 'FAILED', failure_reason = ? WHERE handle = ?")
        .run(reason, handle);
      return { ...task, status: "FAILED" as const, failure_reason: reason };
    };
    const source = ctx.queues.byArn(task.source_arn);
    if (!source) return fail("AWS.SimpleQueueService.NonExistentQueue");
    const fixed =
      task.destination_arn === null ? undefined : ctx.queues.byArn(task.destination_arn);
    if (task.destination_arn !== null && !fixed)
      return fail("AWS.SimpleQueueService.NonExistentQueue");
    const rows = ctx.stmts
      .get("SELECT * FROM messages WHERE queue_id = ? AND seq <= ? ORDER BY seq LIMIT ?")
      .all(source.id, task.max_seq, task.rate ?? UNLIMITED_CHUNK) as MessageRow[];
    let moved = 0;
    const touched = new Set<number>();
    const wake = () => {
      for (const queueId of touched) ctx.committer.afterCommit(() => ctx.longPoll.notify(queueId));
    };
    for (const row of rows) {
      const destination: QueueRecord | undefined =
        fixed ??
        (row.dead_letter_source_arn ? ctx.queues.byArn(row.dead_letter_source_arn) : undefined);
      if (!destination) {
        ctx.stmts
          .get("UPDATE move_tasks SET moved = moved + ? WHERE handle = ?")
          .run(moved, handle);
        wake();
        return fail(
          row.dead_letter_source_arn
            ? "AWS.SimpleQueueService.NonExistentQueue"
            : "CouldNotDetermineMessageSource",
        );
      }
      redriveRow(ctx, row, destination, now);
      touched.add(destination.id);
      moved++;
    }
    wake();
    const done = rows.length < (task.rate ?? UNLIMITED_CHUNK);
    ctx.stmts
      .get(`UPDATE move_tasks SET moved = moved + ?, status = ? WHERE handle = ?`)
      .run(moved, done ? "COMPLETED" : "RUNNING", handle);
    return { ...task, moved: task.moved + moved, status: done ? "COMPLETED" : "RUNNING" };
  }
}

/**
 * A redriven message is a new message in the destination: a new id, a fresh
 * receive count and a new retention period, as when SQS's redrive sends it
 * again. The caller wakes the destination's waiting receives after commit.
 */
export function redriveRow(
  ctx: EngineContext,
  row: MessageRow,
  destination: QueueRecord,
  now: number,
): void {
  const messageId = randomUUID();
  ctx.stmts
    .get(
      `UPDATE messages SET queue_id = ?, message_id = ?, sent_at = ?, visible_at = ?, receive_count = 0,
         first_receive_at = NULL, received_at = NULL, receipt = NULL, dead_letter_source_arn = NULL,
         moved_at = NULL
       WHERE seq = ?`,
    )
    .run(destination.id, messageId, now, now, row.seq);
  if (row.message_group_id !== null) noteGroupedMessage(ctx, destination.id);
  const tracked = ctx.jobs.queueOf(destination.id);
  if (tracked?.role === "queue") redrivenJob(ctx, row, tracked.jobName, messageId, now);
}

/**
 * A message redriven into a tracked job queue: its job, the same id, is queued again. A
 * message with no job yet (it came from elsewhere, or before its queue was tracked) gets one,
 * by its jobId attribute or else its new message id, as a send into the queue would.
 */
function redrivenJob(
  ctx: EngineContext,
  row: MessageRow,
  jobName: string,
  messageId: string,
  now: number,
): void {
  if (row.job_id !== null && ctx.jobs.redriven(row.job_id, jobName, now)) return;
  const jobId =
    row.job_id ?? jobIdOf({ messageId, messageAttributes: receivedAttributes(row.attributes) });
  if (row.job_id === null) {
    ctx.stmts.get("UPDATE messages SET job_id = ? WHERE seq = ?").run(jobId, row.seq);
  }
  ctx.jobs.accepted(
    { jobName, jobId, seq: row.seq, runAt: undefined, idempotencyKey: undefined },
    now,
  );
}

/** Task handles are base64 of `{"taskId","sourceArn"}`, as AWS issues them. */
function isTaskHandle(handle: string): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(handle, "base64").toString("utf8")) as Record<
      string,
      unknown
    >;
    return typeof parsed.taskId === "string" && typeof parsed.sourceArn === "string";
  } catch {
    return false;
  }
}

function toResult(row: TaskRow): ListMessageMoveTasksResultEntry {
  return {
    ...(row.status === "RUNNING" ? { TaskHandle: row.handle } : {}),
    Status: row.status,
    SourceArn: row.source_arn,
    ...(row.destination_arn ? { DestinationArn: row.destination_arn } : {}),
    ...(row.rate !== null ? { MaxNumberOfMessagesPerSecond: row.rate } : {}),
    ApproximateNumberOfMessagesMoved: row.moved,
    ApproximateNumberOfMessagesToMove: row.to_move,
    ...(row.failure_reason ? { FailureReason: row.failure_reason } : {}),
    StartedTimestamp: row.started_at,
  };
}
