import { Worker } from "node:worker_threads";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { OffloadError, toError } from "../../core/errors.js";
import type { IdempotencyStore } from "../../core/idempotency.js";
import type { JobProgress } from "../../core/job-status.js";
import type { Logger } from "../../core/logger.js";
import type { QueueMessage } from "../../core/transport.js";
import type { ErrorInfo } from "../../lambda/error-info.js";
import { LAMBDA_INIT_LIMIT_MS } from "../../lambda/failures.js";
import type { RecordOutcome } from "../../lambda/outcomes.js";
import type { LoadedJob } from "../load-jobs.js";
import { Outbox } from "../outbox.js";
import { threadEntry } from "../thread-entry.js";
import { DEFAULT_LOG_LIMITS, LOG_WINDOW_MS, type LogLimits } from "./log-limits.js";
import type {
  FromWorker,
  IdempotencyCall,
  RunAnswer,
  RunRequest,
  ToWorker,
  WorkerData,
} from "./protocol.js";
import { SharingPolicy } from "./sharing.js";

/** How a batch ended in its worker. */
export type SandboxResult =
  /** Every record succeeded; nothing to retry or dead-letter. */
  | { kind: "succeeded" }
  | {
      kind: "completed";
      outcomes: RecordOutcome[];
      retries: Map<string, number>;
      deadLetters: Map<string, string>;
    }
  /** The worker was terminated at the job's timeout; the whole batch is retried, as after a Lambda timeout. */
  | { kind: "timeout" }
  /** The worker died (process.exit, an uncaught error in a timer); the whole batch is retried. */
  | { kind: "crashed"; message: string }
  /** The handler failed outside the per-record work; the whole batch is retried. */
  | { kind: "batch-error"; error: ErrorInfo };

export interface JobSandboxOptions {
  job: LoadedJob;
  /** The job queue's ARN and region, for the SQS event records built in the worker. */
  eventSourceARN: string;
  awsRegion: string;
  clock: Clock;
  logger: Logger;
  /** Idle workers above one are stopped after this long. @defaultValue 60000 */
  idleMs?: number;
  /**
   * A worker that has not loaded the job by then is stopped, and the batch waiting for it
   * fails as a whole (it is retried): a job file whose module code hangs must not hold a
   * slot for good. @defaultValue 10000 (Lambda's limit on a function's init phase)
   */
  startTimeoutMs?: number;
  /**
   * The job's worker bundle (see bundleWorkers); without it, workers load the
   * job file through the TypeScript loader.
   */
  workerFile?: string | undefined;
  /** Each worker's heap limit, MB (its old generation). @defaultValue Node's own limit */
  memoryMb?: number;
  /** How much each worker may log (see LogLimits). @defaultValue DEFAULT_LOG_LIMITS */
  logLimits?: Partial<LogLimits>;
  /**
   * Where the workers' `process.stdout` and `process.stderr` (their `console.*`) go.
   * @defaultValue this thread's own
   */
  output?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  /** Where the job's `ctx.progress` reports go. @defaultValue dropped */
  onProgress?: (jobId: string, progress: JobProgress) => void;
  /** Where the job's workers keep idempotency keys (the engine's store). @defaultValue none */
  idempotency?: IdempotencyStore;
  /**
   * How long a batch kept its worker's event loop busy, ms, given what the worker measured:
   * what decides whether batches share a worker (see sharing.ts). The measure is real time, so
   * tests that need a batch to count as light or heavy whatever the machine's load give their
   * own. @defaultValue the worker's measure
   */
  busyOf?: (batch: readonly QueueMessage[], measuredMs: number) => number;
}

/**
 * A worker held for one batch (see {@link JobSandbox.acquire}): run the batch in it, or
 * release it unused. Until then no other batch is given this worker unless batches share.
 */
export interface WorkerLease {
  /**
   * The worker was started for this batch. The time it took to load the job came out of
   * the batch's visibility timeout, as a Lambda cold start's does.
   */
  readonly started: boolean;
  run(messages: readonly QueueMessage[], timeoutMs: number): Promise<SandboxResult>;
  release(): void;
}

interface PooledWorker {
  worker: Worker;
  /** The batches given to it in this event-loop turn, posted together at its end. */
  runs: Outbox<RunRequest>;
  /** Leases given out whose batch is not posted yet: they count as batches running. */
  leased: number;
  /** The batches running in this worker, by id: each settles with what the worker answers. */
  running: Map<number, (message: RunAnswer | { type: "died"; message: string }) => void>;
  /** It has loaded the job; until then it is spoken for by the batch that started it. */
  ready: boolean;
  /** A batch in it timed out: it takes no new batches and is stopped once the others settle. */
  retiring: boolean;
  dead: boolean;
  idleTimer: TimerHandle | undefined;
  /** When its log allowance's window began, by the sandbox's clock (see LogAllowance). */
  logWindowStart: number;
  /** Set while it waits for the next window of its log allowance. */
  logCreditTimer: TimerHandle | undefined;
  /**
   * Marks it dead and settles what waits on it: its start (rejected), its batches (crashed).
   * `expected`: the sandbox stopped it (no warning).
   */
  end: (message: string, expected: boolean) => void;
}

/** A worker that loads its job file as it is on disk (when it could not be bundled). */
const workerMain = threadEntry(import.meta.url, "worker-main");

/**
 * The worker threads of one job. Until its batches have shown they are light
 * (see sharing.ts), each batch runs in a worker of its own, up to
 * the job's concurrency; light batches share one worker, which runs them
 * concurrently as one Node.js process runs concurrent requests. A batch that
 * times out has its worker stopped once the worker's other batches have
 * ended (each by its own timeout at the latest), so a handler that hangs or
 * spins is stopped and its batch retried; a crash (process.exit, an error
 * thrown in a timer) fails the batches running in that worker, and they are
 * retried. One worker is kept warm for low latency.
 */
export class JobSandbox {
  readonly #job: LoadedJob;
  readonly #eventSource: { eventSourceARN: string; awsRegion: string };
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #idleMs: number;
  readonly #startTimeoutMs: number;
  readonly #memoryMb: number | undefined;
  readonly #logLimits: LogLimits;
  readonly #output: JobSandboxOptions["output"];
  readonly #onProgress: JobSandboxOptions["onProgress"];
  readonly #idempotency: IdempotencyStore | undefined;
  #workerFile: string | undefined;
  readonly #all = new Set<PooledWorker>();
  readonly #sharing = new SharingPolicy();
  readonly #busyOf: NonNullable<JobSandboxOptions["busyOf"]>;
  #nextId = 1;
  #closed = false;

  constructor(options: JobSandboxOptions) {
    this.#job = options.job;
    this.#eventSource = { eventSourceARN: options.eventSourceARN, awsRegion: options.awsRegion };
    this.#clock = options.clock;
    this.#busyOf = options.busyOf ?? ((_, measuredMs) => measuredMs);
    this.#logger = options.logger;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? LAMBDA_INIT_LIMIT_MS;
    this.#workerFile = options.workerFile;
    this.#memoryMb = options.memoryMb;
    this.#logLimits = { ...DEFAULT_LOG_LIMITS, ...options.logLimits };
    this.#output = options.output;
    this.#onProgress = options.onProgress;
    this.#idempotency = options.idempotency;
  }

  /**
   * Cancels a job if one of this job's workers runs it: its ctx.signal fires with JobCancelled
   * (MessageLost when `why` is `lost`), and its batch reports it cancelled. (A job not running
   * anywhere ignores it.)
   */
  cancel(jobId: string, why: "cancelled" | "lost" = "cancelled"): void {
    for (const pooled of this.#all) {
      if (!pooled.dead && pooled.ready) {
        pooled.worker.postMessage({ type: "cancel", jobId, why } satisfies ToWorker);
      }
    }
  }

  /**
   * Starts one worker and waits until it has loaded the job (load errors surface here).
   * If the job's bundle does not load but the job file does through the TypeScript
   * loader (a dependency that cannot be bundled), workers use the loader from then on.
   */
  async warm(): Promise<void> {
    let worker: PooledWorker;
    try {
      worker = await this.#spawn();
      worker.leased--;
    } catch (bundled) {
      if (this.#workerFile === undefined) throw bundled;
      this.#workerFile = undefined;
      worker = await this.#spawn();
      worker.leased--;
      this.#logger.warn(
        { jobName: this.#job.name, file: this.#job.file, reason: (bundled as Error).message },
        "the job's bundle did not load; its workers load it through the TypeScript loader (slower to start)",
      );
    }
    this.#settled(worker);
  }

  /** Workers alive now (for tests and stats). */
  get workers(): number {
    return this.#all.size;
  }

  /** Whether the job's batches have shown they are light enough to share a worker. */
  get sharing(): boolean {
    return this.#sharing.sharing;
  }

  /** The average time a batch kept its worker busy, ms (see sharing.ts); undefined at first. */
  get averageBusyMs(): number | undefined {
    return this.#sharing.averageBusyMs;
  }

  /** Runs a batch through the job's handler as the SQS event of these messages. */
  async run(messages: readonly QueueMessage[], timeoutMs: number): Promise<SandboxResult> {
    let lease: WorkerLease;
    try {
      lease = await this.acquire();
    } catch (e) {
      return { kind: "crashed", message: (e as Error).message };
    }
    return lease.run(messages, timeoutMs);
  }

  /**
   * The worker for the next batch: a running one, or one started for it (rejects with
   * JobLoadFailed if it does not load). The caller may act on the wait for a started
   * worker before it runs the batch (the poller keeps the batch's messages hidden).
   */
  async acquire(): Promise<WorkerLease> {
    const picked = this.#pick();
    // A started worker is leased from its start, so no other batch takes it once it is ready.
    const pooled = picked ?? (await this.#spawn());
    if (picked) picked.leased++;
    if (pooled.idleTimer) this.#clock.clearTimer(pooled.idleTimer);
    pooled.idleTimer = undefined;
    let held = true;
    const unlease = () => {
      if (!held) throw new OffloadError("LeaseUsed", "A worker lease runs one batch");
      held = false;
      pooled.leased--;
    };
    return {
      started: picked === undefined,
      run: (messages, timeoutMs) => {
        unlease();
        // It stopped, or a batch that shared it timed out, while the lease waited: another one.
        if (pooled.dead || pooled.retiring) {
          this.#settled(pooled);
          return this.run(messages, timeoutMs);
        }
        return this.#runIn(pooled, messages, timeoutMs);
      },
      release: () => {
        unlease();
        this.#settled(pooled);
      },
    };
  }

  #runIn(
    pooled: PooledWorker,
    messages: readonly QueueMessage[],
    timeoutMs: number,
  ): Promise<SandboxResult> {
    const id = this.#nextId++;
    return new Promise<SandboxResult>((resolve) => {
      const finish = (result: SandboxResult) => {
        if (!pooled.running.delete(id)) return;
        this.#clock.clearTimer(timer);
        resolve(result);
        this.#settled(pooled);
      };
      const timer = this.#clock.setTimer(() => {
        pooled.retiring = true;
        this.#sharing.noteFailed();
        finish({ kind: "timeout" });
      }, timeoutMs);
      pooled.running.set(id, (message) => {
        if (message.type === "died") {
          this.#sharing.noteFailed();
          finish({ kind: "crashed", message: message.message });
          return;
        }
        this.#sharing.note(this.#busyOf(messages, message.busyMs));
        if (message.type === "succeeded") finish({ kind: "succeeded" });
        else if (message.type === "result") {
          finish({
            kind: "completed",
            outcomes: message.outcomes,
            retries: new Map(message.retries),
            deadLetters: new Map(message.deadLetters),
          });
        } else if (message.type === "batch-error") {
          finish({ kind: "batch-error", error: message.error });
        }
      });
      pooled.runs.push({ id, messages, remainingMs: timeoutMs });
    });
  }

  /**
   * The worker for the next batch, or undefined to start one: while batches are light, the
   * busiest worker that takes batches (so one thread wakes for all of them); otherwise an
   * idle one.
   */
  #pick(): PooledWorker | undefined {
    const sharing = this.sharing;
    let best: PooledWorker | undefined;
    for (const pooled of this.#all) {
      if (!pooled.ready || pooled.dead || pooled.retiring) continue;
      if (!sharing) {
        if (load(pooled) === 0) return pooled;
      } else if (best === undefined || load(pooled) > load(best)) {
        best = pooled;
      }
    }
    return best;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#all].map((w) => this.#discard(w)));
  }

  #spawn(): Promise<PooledWorker> {
    if (this.#closed)
      return Promise.reject(new OffloadError("SandboxClosed", "The job sandbox is closed"));
    const data: WorkerData = {
      entry: workerMain.entry,
      jobFile: this.#job.file,
      jobName: this.#job.name,
      ...this.#eventSource,
      logLimits: this.#logLimits,
      idempotency: this.#idempotency !== undefined,
    };
    const output = this.#output;
    const worker = new Worker(this.#workerFile ?? workerMain.file, {
      workerData: data,
      ...(output ? { stdout: true, stderr: true } : {}),
      ...(this.#memoryMb === undefined
        ? {}
        : { resourceLimits: { maxOldGenerationSizeMb: this.#memoryMb } }),
    });
    const pooled: PooledWorker = {
      worker,
      runs: new Outbox<RunRequest>(
        (runs) => worker.postMessage({ type: "run", runs } satisfies ToWorker),
        {
          schedule: setImmediate,
          // A batch that cannot be copied to the worker fails as a batch error, and is retried.
          undeliverable: (run, error) => {
            const { name, message } = toError(error);
            pooled.running.get(run.id)?.({
              type: "batch-error",
              id: run.id,
              busyMs: 0,
              error: { name, message, code: undefined },
            });
          },
        },
      ),
      leased: 1,
      running: new Map(),
      ready: false,
      retiring: false,
      dead: false,
      idleTimer: undefined,
      logWindowStart: this.#clock.now(),
      logCreditTimer: undefined,
      end: () => {},
    };
    if (output) {
      worker.stdout.pipe(output.stdout, { end: false });
      worker.stderr.pipe(output.stderr, { end: false });
    }
    this.#all.add(pooled);
    return new Promise<PooledWorker>((resolve, reject) => {
      const startTimer = this.#clock.setTimer(() => {
        if (pooled.ready || pooled.dead) return;
        died(`it did not load the job within ${this.#startTimeoutMs / 1000} s and was stopped`);
        void pooled.worker.terminate();
      }, this.#startTimeoutMs);
      const died = (message: string, expected = false) => {
        this.#clock.clearTimer(startTimer);
        if (pooled.dead) return;
        pooled.dead = true;
        this.#all.delete(pooled);
        if (pooled.idleTimer) this.#clock.clearTimer(pooled.idleTimer);
        if (pooled.logCreditTimer) this.#clock.clearTimer(pooled.logCreditTimer);
        if (!pooled.ready) {
          reject(
            new OffloadError(
              "JobLoadFailed",
              `${this.#job.file}: the job worker failed to start: ${message}`,
              { jobName: this.#job.name },
            ),
          );
        } else if (pooled.running.size > 0) {
          for (const settle of [...pooled.running.values()]) settle({ type: "died", message });
        } else if (!expected && !this.#closed && pooled.leased === 0) {
          this.#logger.warn(
            { jobName: this.#job.name, reason: message },
            "an idle job worker stopped",
          );
        }
      };
      pooled.end = died;
      worker.on("message", (message: FromWorker) => {
        if (message.type === "log") {
          const fields = { jobName: this.#job.name, ...message.fields };
          if (message.message === undefined) this.#logger[message.level](fields);
          else this.#logger[message.level](fields, message.message);
        } else if (message.type === "ready") {
          this.#clock.clearTimer(startTimer);
          pooled.ready = true;
          resolve(pooled);
        } else if (message.type === "load-error") {
          died(message.message);
        } else if (message.type === "log-exhausted") {
          this.#renewLogsLater(pooled);
        } else if (message.type === "progress") {
          this.#onProgress?.(message.jobId, message.progress);
        } else if (message.type === "idempotency") {
          void this.#idempotencyCall(pooled, message.id, message.call);
        } else {
          for (const answer of message.answers) pooled.running.get(answer.id)?.(answer);
        }
      });
      worker.on("error", (error) => died(`uncaught ${error.name}: ${error.message}`));
      worker.on("exit", (code) => died(`the worker exited with code ${code}`));
    });
  }

  /** Makes a worker's idempotency call on the store, and answers it (unless the worker died). */
  async #idempotencyCall(pooled: PooledWorker, id: number, call: IdempotencyCall): Promise<void> {
    const store = this.#idempotency!;
    let answer: ToWorker;
    try {
      const claim =
        call.op === "claim"
          ? await store.claim(call.ref, call.holdMs)
          : call.op === "complete"
            ? void (await store.complete(call.ref, call.resultJson, call.ttlMs))
            : void (await store.release(call.ref));
      answer = { type: "idempotency-answer", id, ...(claim ? { claim } : {}) };
    } catch (e) {
      const error = toError(e);
      const code = (error as { code?: unknown }).code;
      answer = {
        type: "idempotency-answer",
        id,
        error: {
          name: error.name,
          message: error.message,
          code: typeof code === "string" ? code : undefined,
        },
      };
    }
    if (!pooled.dead) pooled.worker.postMessage(answer);
  }

  /**
   * A worker spent its log allowance: its next window begins a window's length after the last
   * began, by the sandbox's clock. Until then the worker drops what it logs.
   */
  #renewLogsLater(pooled: PooledWorker): void {
    if (pooled.logCreditTimer || pooled.dead) return;
    const due = Math.max(0, pooled.logWindowStart + LOG_WINDOW_MS - this.#clock.now());
    pooled.logCreditTimer = this.#clock.setTimer(() => {
      pooled.logCreditTimer = undefined;
      if (pooled.dead) return;
      pooled.logWindowStart = this.#clock.now();
      pooled.worker.postMessage({ type: "log-credit" } satisfies ToWorker);
    }, due);
  }

  /**
   * A batch of this worker has ended (or it has just started): a retiring worker with no batch
   * left is stopped; an idle worker beside others is stopped after idleMs.
   */
  #settled(pooled: PooledWorker): void {
    if (load(pooled) > 0) return;
    if (this.#closed || pooled.dead || pooled.retiring) {
      void this.#discard(pooled);
      return;
    }
    if (this.#all.size > 1 && pooled.idleTimer === undefined) {
      pooled.idleTimer = this.#clock.setTimer(() => {
        pooled.idleTimer = undefined;
        const others = [...this.#all].filter((w) => w !== pooled && !w.dead && !w.retiring);
        if (load(pooled) === 0 && others.length > 0) void this.#discard(pooled);
      }, this.#idleMs);
    }
  }

  async #discard(pooled: PooledWorker): Promise<void> {
    if (pooled.idleTimer) this.#clock.clearTimer(pooled.idleTimer);
    pooled.idleTimer = undefined;
    if (!pooled.dead) {
      pooled.end("the job sandbox was closed", true);
      await pooled.worker.terminate();
    }
  }
}

/** The batches a worker has or is promised. */
function load(pooled: PooledWorker): number {
  return pooled.running.size + pooled.leased;
}
