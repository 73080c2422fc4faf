import { withinVisibilityLimit } from "../core/backoff.js";
import type { Clock } from "../core/clock.js";
import { OffloadError, toError } from "../core/errors.js";
import { jobIdOf } from "../core/job-id.js";
import type { AttemptEnd, RetryReason } from "../core/job-status.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { Logger } from "../core/logger.js";
import type { QueueMessage, Transport } from "../core/transport.js";
import { type ErrorInfo, errorInfo } from "../lambda/error-info.js";
import { workerSettings } from "./container/settings.js";
import type { WorkGuard } from "./container/task-protection.js";
import type { RuntimeEvents, RuntimeJobRecords } from "./events.js";
import type { LoadedJob } from "./load-jobs.js";
import type { JobSandbox, SandboxResult, WorkerLease } from "./sandbox/job-sandbox.js";
import { type Heartbeat, startHeartbeat } from "./visibility-heartbeat.js";

const SQS_MAX_RECEIVE = AWS_LIMITS.sqs.maxReceiveMessages;
const LONG_POLL_SECONDS = AWS_LIMITS.sqs.maxWaitTimeSeconds;
/** A guard's hold covers a batch's timeout plus this: its worker's start, its deletes. */
const GUARD_MARGIN_MS = 60_000;

/** A batch handed to a worker: the messages it ran, how it ended, when it started. */
interface Invocation {
  batch: QueueMessage[];
  result: SandboxResult;
  started: number;
}

export interface PollerOptions {
  job: LoadedJob;
  transport: Transport;
  /** Where attempts' failures are recorded (the engine's job records). @defaultValue none */
  records?: Pick<RuntimeJobRecords, "ended">;
  sandbox: JobSandbox;
  clock: Clock;
  logger: Logger;
  emit: <K extends keyof RuntimeEvents>(event: K, ...args: RuntimeEvents[K]) => void;
  /**
   * Held from before a batch runs until it is finished: the ECS task's scale-in protection in
   * `offload worker`. @defaultValue none
   */
  guard?: WorkGuard;
}

/**
 * An emulation of Lambda's SQS event source mapping for one job: long-poll
 * the job's queue, gather up to batchSize messages (waiting up to
 * maxBatchingWindow), run up to `concurrency` batches at once, delete what
 * succeeded and leave what failed to its visibility timeout.
 */
export class JobPoller {
  readonly #o: PollerOptions;
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  /** Batches whose handler has ended and whose deletes, retries and events are still under way. */
  readonly #finishing = new Set<Promise<void>>();
  /** When each message in hand was received: SQS hides a message at most 12 hours from then. */
  readonly #receivedAt = new WeakMap<QueueMessage, number>();
  /** Messages whose receipt the heartbeat found no longer holds them: not this poller's to finish. */
  readonly #lost = new WeakSet<QueueMessage>();
  /** Settles with "deadline" once a stop's grace period has passed. */
  readonly #deadline: Promise<"deadline">;
  #passDeadline: () => void = () => {};

  constructor(options: PollerOptions) {
    this.#o = options;
    this.#deadline = new Promise((resolve) => {
      this.#passDeadline = () => resolve("deadline");
    });
  }

  /** One receive loop per concurrency slot, as Lambda runs several pollers per event source. */
  start(): void {
    if (this.#loops.length > 0) return;
    const concurrency = this.#o.job.definition.options.concurrency;
    this.#loops = Array.from({ length: concurrency }, () => this.#run());
  }

  /**
   * Stops receiving at once (a long poll under way is aborted) and waits for running batches,
   * each ending by its timeout at the latest; with `graceMs`, batches still running that long
   * after have their messages made visible again at once, for another worker, and are left.
   */
  async stop(graceMs?: number): Promise<void> {
    this.#abort.abort();
    const { clock } = this.#o;
    const timer = graceMs === undefined ? undefined : clock.setTimer(this.#passDeadline, graceMs);
    try {
      await Promise.all(this.#loops);
      await Promise.all(this.#finishing);
    } finally {
      if (timer) clock.clearTimer(timer);
    }
  }

  /** One slot: receive a batch, run it, repeat; so at most `concurrency` batches run at once. */
  async #run(): Promise<void> {
    const { job, logger } = this.#o;
    while (!this.#abort.signal.aborted) {
      let messages: QueueMessage[];
      try {
        messages = await this.#collect();
      } catch (e) {
        if (this.#abort.signal.aborted) break;
        logger.error(
          { jobName: job.name, error: errorInfo(toError(e)) },
          "receiving jobs failed; trying again",
        );
        await this.#pause(1000);
        continue;
      }
      if (messages.length === 0) continue;
      if (this.#abort.signal.aborted) {
        // Received as the poller stopped (a batching window's receive): not to be started now.
        await this.#release(messages, "received as the worker stopped");
        break;
      }
      const ran = await this.#invoke(messages);
      if (ran === undefined) continue;
      // The slot is free once the handler has ended. Finishing the batch (deletes, events) goes
      // on while the slot receives again: the deletes of a batch that succeeded are queued in
      // this very turn, as is the next receive, so both share one group commit.
      const finishing = this.#finish(ran.batch, ran).finally(() => this.#o.guard?.drop());
      this.#finishing.add(finishing);
      void finishing.finally(() => this.#finishing.delete(finishing));
    }
  }

  /** One batch: up to batchSize messages, gathered for up to maxBatchingWindow. */
  async #collect(): Promise<QueueMessage[]> {
    const { job, transport, clock } = this.#o;
    const { batchSize, maxBatchingWindowMs } = job.definition.options;
    const signal = this.#abort.signal;
    const first = this.#received(
      await transport.receive(job.name, {
        maxMessages: Math.min(SQS_MAX_RECEIVE, batchSize),
        waitTimeSeconds: LONG_POLL_SECONDS,
        signal,
      }),
    );
    if (first.length === 0 || maxBatchingWindowMs === 0) return first;
    const batch = [...first];
    const windowEnds = clock.now() + maxBatchingWindowMs;
    while (batch.length < batchSize && !signal.aborted) {
      const left = windowEnds - clock.now();
      if (left <= 0) break;
      const more = await transport.receive(job.name, {
        maxMessages: Math.min(SQS_MAX_RECEIVE, batchSize - batch.length),
        waitTimeSeconds: Math.min(LONG_POLL_SECONDS, Math.ceil(left / 1000)),
        signal,
      });
      batch.push(...this.#received(more));
    }
    return batch;
  }

  #received(messages: QueueMessage[]): QueueMessage[] {
    const now = this.#o.clock.now();
    for (const m of messages) this.#receivedAt.set(m, now);
    return messages;
  }

  /** A visibility change to `seconds` from now for a message in hand, within SQS's 12 hours. */
  #hide(message: QueueMessage, seconds: number): Promise<void> {
    const { job, transport, clock } = this.#o;
    const heldMs = clock.now() - (this.#receivedAt.get(message) ?? clock.now());
    return transport.changeVisibility(
      job.name,
      message.receiptHandle,
      withinVisibilityLimit(seconds, heldMs),
    );
  }

  /**
   * Runs one batch in a worker; resolves when its handler has ended, with the messages it ran
   * (undefined if none was left to run, or if a stop's grace period ended first). While the
   * handler runs, the heartbeat keeps the messages hidden; the guard is held from before the
   * batch runs until it is finished (the caller drops it).
   */
  async #invoke(messages: QueueMessage[]): Promise<Invocation | undefined> {
    const { job, sandbox, clock, emit, guard } = this.#o;
    // A guard that had to wait for its change took time out of the visibility, as a worker's start does.
    const waited = guard
      ? await guard.hold(job.definition.options.timeoutMs + GUARD_MARGIN_MS)
      : false;
    let beat: Heartbeat | undefined;
    const ended = (): undefined => {
      beat?.stop();
      guard?.drop();
      return undefined;
    };
    let lease: WorkerLease | undefined;
    let failure: SandboxResult | undefined;
    try {
      lease = await sandbox.acquire();
    } catch (e) {
      failure = { kind: "crashed", message: toError(e).message };
    }
    // A new worker's start (or a start that failed) took time out of the messages' retry delay.
    const batch = lease?.started !== false || waited ? await this.#keepHidden(messages) : messages;
    if (batch.length === 0) {
      lease?.release();
      return ended();
    }
    beat = this.#beat(batch);
    const started = clock.now();
    emit("batch:start", {
      jobName: job.name,
      jobIds: batch.map(jobIdOf),
      messageIds: batch.map((m) => m.messageId),
    });
    const result = lease
      ? await Promise.race([lease.run(batch, job.definition.options.timeoutMs), this.#deadline])
      : failure!;
    beat?.stop();
    if (result === "deadline") {
      // Its worker is stopped with the sandbox; another worker runs the jobs again now.
      await this.#release(
        batch.filter((m) => !this.#lost.has(m)),
        "still running when the worker's stop timeout ended",
      );
      return ended();
    }
    return { batch, result, started };
  }

  /**
   * The batch's heartbeat (unless the job turns it off): its visibility is extended while it
   * runs. A message whose receipt no longer holds it is lost to this worker: its job's signal
   * fires, and its end is left to the receive that holds it now.
   */
  #beat(messages: QueueMessage[]): Heartbeat | undefined {
    const { job, sandbox, clock, logger } = this.#o;
    const options = job.definition.options;
    if (!workerSettings(options).heartbeat) return undefined;
    const about = (m: QueueMessage) => ({
      jobName: job.name,
      jobId: jobIdOf(m),
      messageId: m.messageId,
    });
    return startHeartbeat(messages, {
      clock,
      visibilitySeconds: Math.round(options.retryDelayMs / 1000),
      extend: (m, seconds) => this.#hide(m, seconds),
      onLost: (m, error) => {
        this.#lost.add(m);
        logger.error(
          { ...about(m), error: error.message },
          "a running job's message was lost (its receipt no longer holds it): its signal is aborted, and its end is left to the receive that holds it now",
        );
        sandbox.cancel(jobIdOf(m), "lost");
      },
      onFailed: (m, error) =>
        logger.warn(
          { ...about(m), error: toError(error).message },
          "could not extend a running job's visibility; trying again at the next beat",
        ),
    });
  }

  /** Makes messages in hand visible again at once, for another worker (best effort: logged). */
  async #release(messages: QueueMessage[], why: string): Promise<void> {
    if (messages.length === 0) return;
    const { job, transport, logger } = this.#o;
    const released = await Promise.allSettled(
      messages.map((m) => transport.changeVisibility(job.name, m.receiptHandle, 0)),
    );
    const failed = released.filter((r) => r.status === "rejected").length;
    logger.info(
      {
        jobName: job.name,
        jobIds: messages.map(jobIdOf),
        messageIds: messages.map((m) => m.messageId),
        ...(failed > 0 ? { notReleased: failed } : {}),
      },
      `${why}: made ${messages.length - failed} job(s) visible again for another worker`,
    );
  }

  /**
   * The batch waited for its worker to load the job, and that time came out of its messages'
   * visibility timeout: with a slow load (a loaded machine, the TypeScript loader) and a short
   * retryDelay they could become visible, and run again elsewhere, while their first run is
   * still to come. Each is hidden for the whole retryDelay from now, as if just received. One
   * whose receipt no longer holds it (its timeout passed and another receive took it) is left
   * to that receive: it runs there, once. One whose change failed otherwise stays in the batch.
   */
  async #keepHidden(messages: QueueMessage[]): Promise<QueueMessage[]> {
    const { job, logger } = this.#o;
    const seconds = Math.round(job.definition.options.retryDelayMs / 1000);
    const hidden = await Promise.allSettled(messages.map((m) => this.#hide(m, seconds)));
    const kept: QueueMessage[] = [];
    const taken: QueueMessage[] = [];
    messages.forEach((m, i) => {
      const outcome = hidden[i]!;
      if (outcome.status === "rejected" && isStaleReceipt(outcome.reason)) {
        taken.push(m);
        return;
      }
      if (outcome.status === "rejected") {
        logger.warn(
          {
            jobName: job.name,
            jobId: jobIdOf(m),
            messageId: m.messageId,
            error: toError(outcome.reason).message,
          },
          "could not hide a job again after its worker started; it runs now, and may run again once its retry delay passes",
        );
      }
      kept.push(m);
    });
    if (taken.length > 0) {
      logger.info(
        {
          jobName: job.name,
          jobIds: taken.map(jobIdOf),
          messageIds: taken.map((m) => m.messageId),
        },
        "these jobs' retry delay passed while their worker started, and another receive took them; they run there",
      );
    }
    return kept;
  }

  /** Deletes what succeeded, applies retries and dead letters, emits the jobs' events. */
  async #finish(ran: QueueMessage[], { result, started }: Invocation): Promise<void> {
    const { job, transport, clock, logger, emit } = this.#o;
    const options = job.definition.options;
    // A lost message's job may run again under its new receipt: that receive ends it.
    const messages = ran.filter((m) => !this.#lost.has(m));
    if (messages.length === 0) return;
    try {
      if (result.kind === "succeeded") {
        // Called in the turn the batch ended: the deletes share a commit with the next receive.
        await transport.deleteMessages(
          job.name,
          messages.map((m) => m.receiptHandle),
        );
        const durationMs = clock.now() - started;
        for (const m of messages) {
          emit("job:done", {
            jobName: job.name,
            jobId: jobIdOf(m),
            messageId: m.messageId,
            attempt: attemptOf(m),
            durationMs,
          });
        }
        return;
      }
      if (result.kind !== "completed") {
        const error = wholeBatchError(result, job.name, options.timeoutMs);
        const attempts = messages.map(attemptOf);
        const last = attempts.filter((attempt) => attempt >= options.maxAttempts).length;
        logger.warn(
          {
            jobName: job.name,
            jobIds: messages.map(jobIdOf),
            messageIds: messages.map((m) => m.messageId),
            attempts,
            error,
          },
          last === 0
            ? "the batch failed as a whole"
            : `the batch failed as a whole; ${last} of its jobs had their last attempt of ${options.maxAttempts}: they move to the dead-letter queue once their retry delay has passed`,
        );
        const reason =
          result.kind === "timeout" ? "timeout" : result.kind === "crashed" ? "crash" : "error";
        const ends = messages.map((m) => this.#failedEnd(m, started, error, reason, undefined));
        await this.#record(ends);
        for (const m of messages) {
          const attempt = attemptOf(m);
          await this.#note(m.messageId, error);
          emit("job:failed", {
            jobName: job.name,
            jobId: jobIdOf(m),
            messageId: m.messageId,
            attempt,
            error,
            retryAfterSeconds: undefined,
            final: attempt >= options.maxAttempts,
          });
        }
        return;
      }
      const byId = new Map(messages.map((m) => [m.messageId, m]));
      const succeeded: string[] = [];
      const ends: AttemptEnd[] = [];
      for (const outcome of result.outcomes) {
        const message = byId.get(outcome.messageId);
        if (!message) continue;
        // A cancelled job is done with too: its message goes, and it never runs again.
        if (outcome.status === "succeeded" || outcome.status === "cancelled") {
          succeeded.push(message.receiptHandle);
          // Its result is kept with the job's record before the delete finishes the job.
          if (outcome.status === "succeeded" && outcome.result !== undefined) {
            ends.push({
              jobId: outcome.jobId,
              jobName: job.name,
              attempt: outcome.attempt,
              startedAt: started,
              at: clock.now(),
              outcome: "succeeded",
              result: outcome.result,
            });
          }
        } else if (outcome.status === "dead-lettered") {
          await this.#note(message.messageId, {
            name: "DeadLettered",
            message: outcome.reason,
            code: undefined,
          });
          // A failed move leaves the message to its retry delay and maxAttempts.
          await this.#attempt(message, "could not move the job to its DLQ", () =>
            transport.deadLetter(job.name, message, outcome.reason),
          );
          emit("job:dlq", {
            jobName: job.name,
            jobId: outcome.jobId,
            messageId: message.messageId,
            attempt: outcome.attempt,
            reason: outcome.reason,
          });
        } else {
          await this.#note(message.messageId, outcome.error);
          const seconds = result.retries.get(outcome.messageId);
          ends.push(this.#failedEnd(message, started, outcome.error, outcome.retryReason, seconds));
          if (seconds !== undefined) {
            // A failed change leaves the message to the queue's retry delay.
            await this.#attempt(message, "could not set the job's retry delay", () =>
              this.#hide(message, seconds),
            );
          }
          emit("job:failed", {
            jobName: job.name,
            jobId: outcome.jobId,
            messageId: message.messageId,
            attempt: outcome.attempt,
            error: outcome.error,
            retryAfterSeconds: outcome.retryAfterSeconds,
            final: outcome.attempt >= options.maxAttempts,
          });
        }
      }
      await this.#record(ends);
      if (succeeded.length > 0) await transport.deleteMessages(job.name, succeeded);
      const durationMs = clock.now() - started;
      for (const outcome of result.outcomes) {
        if (outcome.status === "cancelled") {
          emit("job:cancelled", {
            jobName: job.name,
            jobId: outcome.jobId,
            messageId: outcome.messageId,
            attempt: outcome.attempt,
          });
        }
        if (outcome.status === "succeeded") {
          emit("job:done", {
            jobName: job.name,
            jobId: outcome.jobId,
            messageId: outcome.messageId,
            attempt: outcome.attempt,
            durationMs,
          });
        }
      }
    } catch (e) {
      // What was not deleted comes back after its visibility timeout: nothing is lost.
      logger.error(
        { jobName: job.name, error: errorInfo(toError(e)) },
        "finishing a batch failed; its jobs will be retried",
      );
    }
  }

  /** One message's retry or DLQ move: a failure is logged, and the rest of the batch goes on. */
  async #attempt(message: QueueMessage, what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      this.#o.logger.warn(
        {
          jobName: this.#o.job.name,
          jobId: jobIdOf(message),
          messageId: message.messageId,
          error: toError(e).message,
        },
        what,
      );
    }
  }

  /**
   * A failed attempt as the job's record keeps it: its error, and (unless it was the last)
   * why and from when it may run again: after `retrySeconds` when set, else the retry delay.
   */
  #failedEnd(
    message: QueueMessage,
    started: number,
    error: ErrorInfo,
    reason: RetryReason,
    retrySeconds: number | undefined,
  ): AttemptEnd {
    const { job, clock } = this.#o;
    const options = job.definition.options;
    const at = clock.now();
    const attempt = attemptOf(message);
    const end: AttemptEnd = {
      jobId: jobIdOf(message),
      jobName: job.name,
      attempt,
      startedAt: started,
      at,
      outcome: "failed",
      error,
    };
    if (attempt < options.maxAttempts) {
      end.retry = {
        reason,
        at: retrySeconds === undefined ? started + options.retryDelayMs : at + retrySeconds * 1000,
      };
    }
    return end;
  }

  /** Records attempts' ends (best effort: the record is advice, the queue holds the truth). */
  async #record(ends: AttemptEnd[]): Promise<void> {
    if (ends.length === 0 || !this.#o.records) return;
    try {
      await this.#o.records.ended(ends);
    } catch (e) {
      this.#o.logger.warn(
        { jobName: this.#o.job.name, jobIds: ends.map((e) => e.jobId), error: toError(e).message },
        "could not record how the jobs' attempts ended",
      );
    }
  }

  /** Keeps the error with the message (best effort: a failed note loses nothing). */
  async #note(messageId: string, error: ErrorInfo): Promise<void> {
    try {
      await this.#o.transport.noteError(
        this.#o.job.name,
        messageId,
        `${error.name}: ${error.message}`,
      );
    } catch (e) {
      this.#o.logger.warn(
        { jobName: this.#o.job.name, messageId, error: toError(e).message },
        "could not keep the job's error",
      );
    }
  }

  #pause(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const done = () => {
        this.#o.clock.clearTimer(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.#o.clock.setTimer(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/**
 * A visibility change refused because the receipt no longer holds the message: it was received
 * again since (or deleted). Each transport turns its backend's refusal into StaleReceipt.
 */
function isStaleReceipt(error: unknown): boolean {
  return error instanceof OffloadError && error.code === "StaleReceipt";
}

/** The attempt a received message is on: its receive count, as the handler counts it. */
function attemptOf(message: QueueMessage): number {
  return Number(message.attributes.ApproximateReceiveCount) || 1;
}

function wholeBatchError(
  result: Exclude<SandboxResult, { kind: "completed" | "succeeded" }>,
  jobName: string,
  timeoutMs: number,
): ErrorInfo {
  if (result.kind === "timeout") {
    return {
      name: "Timeout",
      message: `${jobName} did not finish within its timeout of ${timeoutMs} ms; the worker was stopped`,
      code: "Timeout",
    };
  }
  if (result.kind === "crashed") {
    return {
      name: "WorkerCrashed",
      message: `${jobName}'s worker stopped: ${result.message}`,
      code: "WorkerCrashed",
    };
  }
  return result.error;
}
