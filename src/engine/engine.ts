import { type Clock, systemClock, type TimerHandle } from "../core/clock.js";
import type { OffloadError } from "../core/errors.js";
import type { IdempotencyStore } from "../core/idempotency.js";
import { Committer } from "./committer.js";
import type { EngineContext } from "./context.js";
import { DatabaseFileGuard } from "./db/file-guard.js";
import { type Durability, openDatabase } from "./db/open.js";
import { createIdempotencyStore } from "./idempotency/store.js";
import { JobHooks } from "./jobs/hooks.js";
import { resolveJobHistoryOptions } from "./jobs/options.js";
import {
  type AcceptJobInput,
  type AcceptJobOutput,
  createJobRecords,
  type EngineJobs,
} from "./jobs/records.js";
import type { Location } from "./location.js";
import { createEngineSchedules, type EngineSchedules } from "./schedules/store.js";
import { createSnsApi, type EngineSnsApi } from "./sns/api.js";
import { deleteMessages, moveHeldToDeadLetterQueue } from "./sqs/acknowledge.js";
import { createSqsApi, type EngineSqsApi } from "./sqs/api.js";
import {
  lastSeqOf,
  MOVE_START,
  moveChunk,
  noteError,
  type PeekedMessage,
  peekMessages,
} from "./sqs/inspect.js";
import { LongPoll } from "./sqs/long-poll.js";
import { MoveTasks } from "./sqs/move-tasks.js";
import { QueueStore } from "./sqs/queue-store.js";
import { queueCounts } from "./sqs/queues.js";
import { type ClaimInput, receiveMessages } from "./sqs/receive.js";
import type { ReceivedMessage, ReceiveOptions } from "./sqs/types.js";
import { Statements } from "./statements.js";
import { RetentionSweeper } from "./sweeper.js";

export interface EngineOptions {
  /**
   * The SQLite database file (created with its folder if missing); `":memory:"` for a throwaway engine.
   * @defaultValue ".offload/offload.db"
   */
  path?: string;
  /** Where time comes from; tests pass a `TestClock`. @defaultValue systemClock */
  clock?: Clock;
  /**
   * `"full"`: a send resolves only after the commit is synced to disk (survives power loss).
   * `"relaxed"`: synced by the OS later (survives a process crash, not power loss); for development.
   * @defaultValue "full"
   */
  durability?: Durability;
  /** Region in ARNs and URLs. @defaultValue "us-east-1" */
  region?: string;
  /** Account id in ARNs and URLs. @defaultValue "000000000000" */
  accountId?: string;
  /**
   * Queue URLs are `${queueUrlBase}/${accountId}/${name}`; a local server sets its own address.
   * @defaultValue `https://sqs.${region}.amazonaws.com`
   */
  queueUrlBase?: string;
  /** How often expired messages are deleted. @defaultValue 60000 */
  sweepIntervalMs?: number;
  /**
   * How often the database file is checked while no send arrives (each commit that takes new
   * work checks it first): deleted, moved or replaced, as its `-wal`, the engine refuses new
   * work with `DatabaseGone`. @defaultValue 1000
   */
  fileCheckIntervalMs?: number;
  /**
   * Called once when the database file is found gone (see `fileCheckIntervalMs`), with the
   * error new work is refused with: the operator's to hear of, at once.
   */
  onDatabaseGone?: (error: OffloadError) => void;
  /**
   * Keep each job's status and history (see {@link Engine.jobs}): off, nothing is recorded,
   * `jobs.get` answers JobNotFound saying so, and acceptJob checks neither job ids nor
   * idempotency keys.
   * @defaultValue true
   */
  jobHistory?: boolean;
  /** How long a finished job's record is kept, ms. @defaultValue 604800000 (7 days) */
  finishedJobRetentionMs?: number;
  /** The most finished jobs' records kept; the sweeper drops the oldest beyond. @defaultValue 100000 */
  maxFinishedJobs?: number;
}

/** The approximate state of one queue, for dashboards and alarms. */
export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Seconds since the oldest message came into the queue (sent, or moved to this DLQ), 0 when empty. */
  oldestMessageAgeSeconds: number;
  /** Epoch ms the first delayed message becomes due; absent when none is delayed. */
  nextDueAt?: number;
}

/** What {@link Engine.moveMessages} did. */
export interface MoveResult {
  moved: number;
  /** Of the chosen `MessageIds`, those not moved; empty when none were chosen. */
  notMoved: string[];
}

/** The embedded engine: SQS and SNS semantics on one SQLite file. */
export interface Engine {
  readonly path: string;
  readonly sqs: EngineSqsApi;
  readonly sns: EngineSnsApi;
  /**
   * The records of jobs: the messages of tracked queues (see `jobs.track`) are jobs, keyed by
   * their `jobId` String attribute (else their message id), whose state and events commit with
   * every change of their message.
   */
  readonly jobs: EngineJobs;
  /**
   * The keys and results of idempotent handlers (the `idempotency` job option), kept beside
   * the jobs; the runtime's workers reach it through the runtime.
   */
  readonly idempotency: IdempotencyStore;
  /**
   * Sends (to a queue) or publishes (to a topic) a job, in one commit with its checks: a job id
   * an earlier job still holds is refused (JobIdInUse), and an idempotency key a job of the
   * same name was accepted with within the window answers with that job's id, sending nothing.
   */
  acceptJob(input: AcceptJobInput): Promise<AcceptJobOutput>;
  /**
   * The recurring schedules' rows (next due time, last run): the local scheduler sends each
   * due run and advances its row in one commit.
   */
  readonly schedules: EngineSchedules;
  /**
   * ReceiveMessage with every system and message attribute, for a consumer in this process
   * (the local runtime): the same claim, long poll, visibility, receive counts and redrive as
   * `sqs.receiveMessage`, answered as plain records without the SQS response shape.
   */
  receiveMessages(
    input: ClaimInput & { QueueUrl: string },
    options?: ReceiveOptions,
  ): Promise<ReceivedMessage[]>;
  /**
   * Deletes received messages of one queue by their receipt handles, any number, in one
   * commit, as DeleteMessage does each. Rejects, deleting nothing, if a handle is not one
   * the queue issued.
   */
  deleteMessages(input: { QueueUrl: string; ReceiptHandles: readonly string[] }): Promise<void>;
  /**
   * Moves a received message (by its current receipt handle) to its queue's
   * DLQ now, keeping id, body, attributes and receive count. Not an SQS
   * action: what the runtime does for `Unrecoverable` and invalid payloads.
   */
  moveToDeadLetterQueue(input: {
    QueueUrl: string;
    ReceiptHandle: string;
    /** Why, for the job's record. @defaultValue "moved to the dead-letter queue" */
    Reason?: string;
  }): Promise<void>;
  /** Up to `Limit` messages of a queue (at most 1000), oldest first, read without receiving them. */
  peekMessages(input: { QueueUrl: string; Limit?: number }): Promise<PeekedMessage[]>;
  /**
   * Moves chosen messages (all when `MessageIds` is absent; an id chooses the message with that
   * message id, or with that `jobId` attribute) to `DestinationUrl`, or back to the queue each
   * came from; each arrives as a new message.
   * Moves what the source holds when it starts (later arrivals stay), 1,000
   * messages per commit. Resolves with how many moved and, of the chosen
   * ids, those that did not (not in the source, or with no queue to go
   * back to). Not an SQS action: a DLQ redrive of chosen messages.
   */
  moveMessages(input: {
    SourceUrl: string;
    MessageIds?: string[];
    DestinationUrl?: string;
  }): Promise<MoveResult>;
  /** Keeps an error of a message's attempt: peekMessages shows the first and the last. */
  noteError(messageId: string, error: string): Promise<void>;
  /** Counters of one queue, by URL. */
  queueStats(queueUrl: string): Promise<QueueStats>;
  /** Transactions committed so far and the operations they carried (group commit at work). */
  commitStats(): { groups: number; ops: number };
  /**
   * Checks now that the database file (and its -wal) is still the one open. Returns the
   * `DatabaseGone` error new work is refused with once it is not; undefined while it is.
   */
  checkDatabaseFile(): OffloadError | undefined;
  /** Deletes expired messages now (the sweeper also runs on a timer). */
  sweep(): Promise<number>;
  /** Resolves when no unthrottled message move task is running. */
  whenIdle(): Promise<void>;
  /** Ends long polls, stops timers, commits what is queued, closes the file. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) an engine on a database file.
 *
 * @example
 * const engine = createEngine({ path: ".offload/offload.db" });
 * const { QueueUrl } = await engine.sqs.createQueue({ QueueName: "greeting" });
 * await engine.sqs.sendMessage({ QueueUrl, MessageBody: JSON.stringify({ friendName: "Hank" }) });
 * const { Messages } = await engine.sqs.receiveMessage({ QueueUrl, WaitTimeSeconds: 20 });
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const path = options.path ?? ".offload/offload.db";
  const region = options.region ?? "us-east-1";
  const loc: Location = {
    region,
    accountId: options.accountId ?? "000000000000",
    queueUrlBase: (options.queueUrlBase ?? `https://sqs.${region}.amazonaws.com`).replace(
      /\/+$/,
      "",
    ),
  };
  const clock = options.clock ?? systemClock;
  const history = resolveJobHistoryOptions(options);
  const db = openDatabase(path, options.durability ?? "full");
  const stmts = new Statements(db);
  const queues = new QueueStore(stmts, loc);
  const committer = new Committer(db, (options.durability ?? "full") === "full");
  const jobHooks = new JobHooks(stmts, history.enabled);
  committer.onRollback(() => {
    queues.invalidate();
    jobHooks.invalidate();
  });
  const fileWatch = watchDatabaseFile(path, clock, options);
  committer.refuseDurableWhen(fileWatch.check);
  const ctx: EngineContext = {
    db,
    stmts,
    committer,
    clock,
    loc,
    senderId: loc.accountId,
    queues,
    longPoll: new LongPoll(clock),
    jobs: jobHooks,
  };
  const moveTasks = new MoveTasks(ctx);
  const sns = createSnsApi(ctx);
  const records = createJobRecords(ctx, history, sns.publishOp);
  const idempotency = createIdempotencyStore(ctx);
  const sweeper = new RetentionSweeper(
    ctx,
    options.sweepIntervalMs ?? 60_000,
    () => records.sweep() + idempotency.sweep(),
  );
  moveTasks.resume();
  sweeper.start();
  let closed: Promise<void> | undefined;

  return {
    path,
    sqs: createSqsApi(ctx, moveTasks),
    sns: sns.api,
    jobs: records.jobs,
    idempotency: {
      claim: idempotency.claim,
      complete: idempotency.complete,
      release: idempotency.release,
    },
    acceptJob: records.acceptJob,
    schedules: createEngineSchedules(ctx, records.acceptJobOp),
    receiveMessages: async (input, receiveOptions) =>
      receiveMessages(ctx, queues.byUrl(input.QueueUrl), input, receiveOptions),
    deleteMessages: async (input) =>
      deleteMessages(ctx, queues.byUrl(input.QueueUrl), input.ReceiptHandles),
    moveToDeadLetterQueue: async (input) =>
      moveHeldToDeadLetterQueue(
        ctx,
        queues.byUrl(input.QueueUrl),
        input.ReceiptHandle,
        input.Reason,
      ),
    async peekMessages(input) {
      return peekMessages(ctx, queues.byUrl(input.QueueUrl), input.Limit ?? 100);
    },
    async moveMessages(input) {
      const source = queues.byUrl(input.SourceUrl);
      const destination =
        input.DestinationUrl === undefined ? undefined : queues.byUrl(input.DestinationUrl);
      // What is in the source now; messages that arrive while the move runs stay, as with a
      // move task. Chunk by chunk, each its own commit, so a large DLQ neither holds the
      // event loop nor builds one huge transaction.
      const upToSeq = lastSeqOf(ctx, source);
      const ids = input.MessageIds === undefined ? undefined : JSON.stringify(input.MessageIds);
      let moved = 0;
      const movedIds = new Set<string>();
      let after = MOVE_START;
      for (;;) {
        const chunk = await committer.run(() =>
          moveChunk(ctx, source, { after, upToSeq }, ids, destination, clock.now()),
        );
        moved += chunk.moved;
        for (const id of chunk.movedIds) movedIds.add(id);
        if (chunk.next === undefined) {
          const notMoved = [...new Set(input.MessageIds ?? [])].filter((id) => !movedIds.has(id));
          return { moved, notMoved };
        }
        after = chunk.next;
      }
    },
    // A note is advice for whoever reads the DLQ, like a receive count: it need not wait for a sync.
    noteError: (messageId, error) =>
      committer.run(() => noteError(ctx, messageId, error, clock.now()), { durable: false }),
    async queueStats(queueUrl) {
      const queue = queues.byUrl(queueUrl);
      const now = clock.now();
      const counts = queueCounts(ctx, queue, now);
      return {
        visible: counts.visible,
        inFlight: counts.inFlight,
        delayed: counts.delayed,
        oldestMessageAgeSeconds:
          counts.oldestEnteredAt === undefined
            ? 0
            : Math.max(0, Math.floor((now - counts.oldestEnteredAt) / 1000)),
        ...(counts.nextDueAt === undefined ? {} : { nextDueAt: counts.nextDueAt }),
      };
    },
    commitStats: () => committer.stats,
    checkDatabaseFile: fileWatch.check,
    sweep: () => sweeper.sweep(),
    whenIdle: () => moveTasks.whenIdle(),
    close() {
      closed ??= (async () => {
        sweeper.stop();
        fileWatch.stop();
        moveTasks.close();
        ctx.longPoll.close();
        committer.close();
        db.close();
      })();
      return closed;
    },
  };
}

/**
 * Checks the database file on every commit that takes new work and on a timer (so an idle
 * engine, and the health check, learn of it too); reports the first failure once.
 */
function watchDatabaseFile(
  path: string,
  clock: Clock,
  options: EngineOptions,
): { check: () => OffloadError | undefined; stop: () => void } {
  if (path === ":memory:") return { check: () => undefined, stop: () => {} };
  const guard = new DatabaseFileGuard(path);
  const intervalMs = options.fileCheckIntervalMs ?? 1000;
  let timer: TimerHandle | undefined;
  let reported = false;
  const check = () => {
    const gone = guard.check();
    if (gone && !reported) {
      reported = true;
      options.onDatabaseGone?.(gone);
    }
    return gone;
  };
  const arm = () => {
    timer = clock.setTimer(() => {
      if (check() === undefined) arm();
    }, intervalMs);
  };
  arm();
  return {
    check,
    stop: () => {
      if (timer) clock.clearTimer(timer);
    },
  };
}
