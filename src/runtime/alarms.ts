import type { Clock, TimerHandle } from "../core/clock.js";
import { toError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { JobQueueStats, Transport } from "../core/transport.js";
import type { AlarmEvent } from "./events.js";
import type { LoadedJob } from "./load-jobs.js";

export interface AlarmOptions {
  jobs: readonly LoadedJob[];
  transport: Transport;
  clock: Clock;
  logger: Logger;
  onChange: (event: AlarmEvent) => void;
  /** POST target for state changes. @defaultValue none */
  webhookUrl?: string | undefined;
  /** How often each DLQ is checked. @defaultValue 10000 */
  intervalMs?: number;
}

/**
 * Local alarms, the counterpart of the CloudWatch alarm on each DLQ: the
 * job's `alarm` condition is evaluated on a timer (and on demand after a job
 * is dead-lettered); every OK→ALARM and ALARM→OK change is logged, emitted,
 * and POSTed as JSON to the webhook when one is configured.
 */
export class Alarms {
  readonly #o: AlarmOptions;
  readonly #state = new Map<string, "OK" | "ALARM">();
  #timer: TimerHandle | undefined;
  #stopped = false;
  #evaluating: Promise<void> | undefined;
  #again = false;

  constructor(options: AlarmOptions) {
    this.#o = options;
    for (const job of options.jobs) this.#state.set(job.name, "OK");
  }

  start(): void {
    this.#arm();
  }

  state(jobName: string): "OK" | "ALARM" | undefined {
    return this.#state.get(jobName);
  }

  /** Evaluates every job's condition now. Concurrent calls coalesce. */
  evaluate(): Promise<void> {
    if (this.#evaluating) {
      this.#again = true;
      return this.#evaluating;
    }
    this.#evaluating = (async () => {
      do {
        this.#again = false;
        for (const job of this.#o.jobs) await this.#evaluateJob(job);
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#evaluating = undefined;
    });
    return this.#evaluating;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#o.clock.clearTimer(this.#timer);
    await this.#evaluating;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimer(() => {
      void this.evaluate().finally(() => this.#arm());
    }, this.#o.intervalMs ?? 10_000);
  }

  async #evaluateJob(job: LoadedJob): Promise<void> {
    const { transport, logger } = this.#o;
    let stats: JobQueueStats;
    try {
      stats = await transport.stats(job.name);
    } catch (e) {
      logger.error(
        { jobName: job.name, error: toError(e).message },
        "reading the DLQ for its alarm failed",
      );
      return;
    }
    const alarm = job.definition.options.alarm;
    const breaching =
      alarm.kind === "messages"
        ? stats.dlq.visible >= alarm.count
        : stats.dlq.visible > 0 && stats.dlq.oldestMessageAgeSeconds >= alarm.seconds;
    const previous = this.#state.get(job.name) ?? "OK";
    const state = breaching ? "ALARM" : "OK";
    if (state === previous) return;
    this.#state.set(job.name, state);
    const reason =
      alarm.kind === "messages"
        ? `${stats.dlq.visible} message(s) in the DLQ; the threshold is ${alarm.count}`
        : `the oldest DLQ message is ${stats.dlq.oldestMessageAgeSeconds} s old; the threshold is ${alarm.seconds} s`;
    const event: AlarmEvent = {
      jobName: job.name,
      state,
      previousState: previous,
      reason,
      dlq: stats.dlq,
      timestamp: new Date(this.#o.clock.now()).toISOString(),
    };
    (state === "ALARM" ? logger.error : logger.info)(
      { ...event, event: "alarm" },
      `alarm ${job.name}: ${previous} -> ${state}`,
    );
    this.#o.onChange(event);
    if (this.#o.webhookUrl) await this.#post(event);
  }

  async #post(event: AlarmEvent): Promise<void> {
    try {
      const response = await fetch(this.#o.webhookUrl!, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      });
      if (!response.ok) {
        this.#o.logger.error(
          { jobName: event.jobName, status: response.status },
          "the alert webhook answered with an error",
        );
      }
    } catch (e) {
      this.#o.logger.error(
        { jobName: event.jobName, error: toError(e).message },
        "the alert webhook could not be reached",
      );
    }
  }
}
