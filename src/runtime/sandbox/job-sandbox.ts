import { Worker } from "node:worker_threads";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { OffloadError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { QueueMessage } from "../../core/transport.js";
import type { ErrorInfo, RecordOutcome } from "../../lambda/sqs-handler.js";
import type { LoadedJob } from "../load-jobs.js";
import type { FromWorker, ToWorker, WorkerData } from "./protocol.js";

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
   * The job's worker bundle (see bundleWorkers); without it, workers load the
   * job file through the TypeScript loader.
   */
  workerFile?: string | undefined;
}

interface PooledWorker {
  worker: Worker;
  /** The run waiting for this worker's answer, if any. */
  current: ((message: FromWorker) => void) | undefined;
  onDeath: ((message: string) => void) | undefined;
  dead: boolean;
  idleTimer: TimerHandle | undefined;
}

const here = new URL(".", import.meta.url);
const fromSource = import.meta.url.endsWith(".ts");
const bootstrap = new URL("worker-bootstrap.mjs", here);
const entry = new URL(fromSource ? "worker-main.ts" : "worker-main.js", here).href;

/**
 * The worker threads of one job. Each batch runs in a worker of its own
 * (up to the job's concurrency at once), so a handler that hangs or spins is
 * terminated at its timeout without stopping anything else, and a crash takes
 * down only its worker. One worker is kept warm for low latency.
 */
export class JobSandbox {
  readonly #job: LoadedJob;
  readonly #eventSource: { eventSourceARN: string; awsRegion: string };
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #idleMs: number;
  #workerFile: string | undefined;
  readonly #all = new Set<PooledWorker>();
  #idle: PooledWorker[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: JobSandboxOptions) {
    this.#job = options.job;
    this.#eventSource = { eventSourceARN: options.eventSourceARN, awsRegion: options.awsRegion };
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#workerFile = options.workerFile;
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
    } catch (bundled) {
      if (this.#workerFile === undefined) throw bundled;
      this.#workerFile = undefined;
      worker = await this.#spawn();
      this.#logger.warn(
        { jobName: this.#job.name, file: this.#job.file, reason: (bundled as Error).message },
        "the job's bundle did not load; its workers load it through the TypeScript loader (slower to start)",
      );
    }
    this.#release(worker);
  }

  /** Workers alive now (for tests and stats). */
  get workers(): number {
    return this.#all.size;
  }

  /** Runs a batch through the job's handler as the SQS event of these messages. */
  async run(messages: readonly QueueMessage[], timeoutMs: number): Promise<SandboxResult> {
    let pooled: PooledWorker;
    try {
      pooled = this.#idle.pop() ?? (await this.#spawn());
    } catch (e) {
      return { kind: "crashed", message: (e as Error).message };
    }
    if (pooled.idleTimer) this.#clock.clearTimer(pooled.idleTimer);
    pooled.idleTimer = undefined;
    const id = this.#nextId++;
    return new Promise<SandboxResult>((resolve) => {
      let settled = false;
      const finish = (result: SandboxResult, reusable: boolean) => {
        if (settled) return;
        settled = true;
        this.#clock.clearTimer(timer);
        pooled.current = undefined;
        pooled.onDeath = undefined;
        if (reusable) this.#release(pooled);
        else void this.#discard(pooled);
        resolve(result);
      };
      const timer = this.#clock.setTimer(() => finish({ kind: "timeout" }, false), timeoutMs);
      pooled.onDeath = (message) => finish({ kind: "crashed", message }, false);
      pooled.current = (message) => {
        if (message.type === "succeeded" && message.id === id) {
          finish({ kind: "succeeded" }, true);
        } else if (message.type === "result" && message.id === id) {
          finish(
            {
              kind: "completed",
              outcomes: message.outcomes,
              retries: new Map(message.retries),
              deadLetters: new Map(message.deadLetters),
            },
            true,
          );
        } else if (message.type === "batch-error" && message.id === id) {
          finish({ kind: "batch-error", error: message.error }, true);
        }
      };
      const request: ToWorker = { type: "run", id, messages, remainingMs: timeoutMs };
      pooled.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#idle = [];
    await Promise.all([...this.#all].map((w) => this.#discard(w)));
  }

  #spawn(): Promise<PooledWorker> {
    if (this.#closed)
      return Promise.reject(new OffloadError("SandboxClosed", "The job sandbox is closed"));
    const data: WorkerData = {
      entry,
      jobFile: this.#job.file,
      jobName: this.#job.name,
      ...this.#eventSource,
    };
    const worker = new Worker(this.#workerFile ?? bootstrap, { workerData: data });
    const pooled: PooledWorker = {
      worker,
      current: undefined,
      onDeath: undefined,
      dead: false,
      idleTimer: undefined,
    };
    this.#all.add(pooled);
    return new Promise<PooledWorker>((resolve, reject) => {
      let ready = false;
      const died = (message: string) => {
        if (pooled.dead) return;
        pooled.dead = true;
        this.#all.delete(pooled);
        this.#idle = this.#idle.filter((w) => w !== pooled);
        if (!ready) {
          reject(
            new OffloadError(
              "JobLoadFailed",
              `${this.#job.file}: the job worker failed to start: ${message}`,
              { jobName: this.#job.name },
            ),
          );
        } else if (pooled.onDeath) {
          pooled.onDeath(message);
        } else if (!this.#closed) {
          this.#logger.warn(
            { jobName: this.#job.name, reason: message },
            "an idle job worker stopped",
          );
        }
      };
      worker.on("message", (message: FromWorker) => {
        if (message.type === "log") {
          const fields = { jobName: this.#job.name, ...message.fields };
          if (message.message === undefined) this.#logger[message.level](fields);
          else this.#logger[message.level](fields, message.message);
        } else if (message.type === "ready") {
          ready = true;
          resolve(pooled);
        } else if (message.type === "load-error") {
          died(message.message);
        } else {
          pooled.current?.(message);
        }
      });
      worker.on("error", (error) => died(`uncaught ${error.name}: ${error.message}`));
      worker.on("exit", (code) => died(`the worker exited with code ${code}`));
    });
  }

  #release(pooled: PooledWorker): void {
    if (this.#closed || pooled.dead) {
      void this.#discard(pooled);
      return;
    }
    this.#idle.push(pooled);
    if (this.#idle.length > 1) {
      pooled.idleTimer = this.#clock.setTimer(() => {
        if (this.#idle.includes(pooled) && this.#idle.length > 1) {
          this.#idle = this.#idle.filter((w) => w !== pooled);
          void this.#discard(pooled);
        }
      }, this.#idleMs);
    }
  }

  async #discard(pooled: PooledWorker): Promise<void> {
    if (pooled.idleTimer) this.#clock.clearTimer(pooled.idleTimer);
    pooled.onDeath = undefined;
    pooled.current = undefined;
    if (!pooled.dead) {
      pooled.dead = true;
      this.#all.delete(pooled);
      await pooled.worker.terminate();
    }
  }
}
