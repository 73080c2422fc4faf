import type { Clock, TimerHandle } from "../../core/clock.js";
import { toError } from "../../core/errors.js";
import { AWS_LIMITS } from "../../core/limits.js";
import type { Logger } from "../../core/logger.js";

const { minProtectionMinutes, maxProtectionMinutes } = AWS_LIMITS.ecs;
const MINUTE = 60_000;

/**
 * Held while the worker has work in hand; the runtime's pollers take it before they run a batch
 * and drop it once the batch is finished.
 */
export interface WorkGuard {
  /**
   * Takes a hold covering the next `coverMs` (a batch's timeout); resolves once it is in force,
   * with whether it had to wait for a change (rather than finding one in force).
   */
  hold(coverMs: number): Promise<boolean>;
  /** Drops one hold; the last one dropped releases the guard. */
  drop(): void;
}

export interface TaskProtectionOptions {
  /** The ECS agent's endpoint: the task's `ECS_AGENT_URI`. */
  agentUri: string;
  clock: Clock;
  logger: Logger;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** The wait before the first retry of a failed call; it doubles each time. @defaultValue 1000 */
  retryDelayMs?: number;
  /** The longest wait between retries. @defaultValue 30000 */
  maxRetryDelayMs?: number;
  /** Calls made for one change before it is given up (and logged). @defaultValue 6 */
  maxAttempts?: number;
  /** Protection still held this long before it expires is renewed. @defaultValue 60000 */
  renewBeforeMs?: number;
}

/**
 * ECS task scale-in protection for the task the worker runs in, through the ECS agent's
 * endpoint (`PUT $ECS_AGENT_URI/task-protection/v1/state`): protected while a batch is in hand,
 * for as long as the batch may run (ExpiresInMinutes 1 to 2,880), renewed before it expires while
 * work goes on, released once the worker is idle. Scale-in and deployments then stop only idle
 * tasks. A call the agent answers with an error is retried with backoff; one that keeps failing
 * is logged and given up: the work runs anyway (a SIGTERM then gets the graceful shutdown).
 *
 * @example
 * const protection = new TaskProtection({ agentUri: process.env.ECS_AGENT_URI!, clock, logger });
 * await protection.hold(timeoutMs);
 * // ... run the batch ...
 * protection.drop();
 */
export class TaskProtection implements WorkGuard {
  readonly #o: Required<Omit<TaskProtectionOptions, "fetch">> & {
    fetch: typeof globalThis.fetch;
  };
  #holders = 0;
  /** Epoch ms the protection in force ends (0: none), as of the last change the agent took. */
  #expiresAt = 0;
  #minutes: number = minProtectionMinutes;
  #renewTimer: TimerHandle | undefined;
  /** Changes go to the agent one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve();
  /** Waits between retries, ended at once by close(). */
  readonly #closing = new AbortController();

  constructor(options: TaskProtectionOptions) {
    this.#o = {
      fetch: options.fetch ?? globalThis.fetch,
      retryDelayMs: 1000,
      maxRetryDelayMs: 30_000,
      maxAttempts: 6,
      renewBeforeMs: MINUTE,
      ...options,
    };
  }

  /** Whether the task is protected now, as far as the worker knows. */
  get protected(): boolean {
    return this.#expiresAt > this.#o.clock.now();
  }

  async hold(coverMs: number): Promise<boolean> {
    this.#holders++;
    let waited = false;
    await this.#then(async () => {
      const { clock } = this.#o;
      if (this.#holders === 0 || this.#expiresAt >= clock.now() + coverMs) return;
      waited = true;
      const minutes = Math.min(
        maxProtectionMinutes,
        Math.max(minProtectionMinutes, Math.ceil(coverMs / MINUTE)),
      );
      await this.#protect(Math.max(minutes, this.#minutes), this.protected ? "renew" : "acquire");
    });
    return waited;
  }

  drop(): void {
    if (this.#holders === 0) return;
    this.#holders--;
    if (this.#holders === 0) void this.#then(() => this.#releaseNow());
  }

  /**
   * Releases protection whatever holds it (shutdown). Retries under way end at once, and the
   * release is tried once: the task is stopping, and ECS stops it at its stopTimeout anyway.
   */
  async close(): Promise<void> {
    this.#holders = 0;
    this.#closing.abort();
    await this.#then(() => this.#releaseNow());
  }

  #then(step: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(step, step);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #protect(minutes: number, how: "acquire" | "renew"): Promise<void> {
    const { clock, logger } = this.#o;
    logger.info(
      { expiresInMinutes: minutes },
      how === "acquire" ? "Acquiring task protection" : "Renewing task protection",
    );
    const since = clock.now();
    if (!(await this.#put({ ProtectionEnabled: true, ExpiresInMinutes: minutes }))) return;
    this.#minutes = minutes;
    this.#expiresAt = since + minutes * MINUTE;
    this.#scheduleRenewal();
  }

  async #releaseNow(): Promise<void> {
    if (this.#holders > 0) return;
    if (this.#renewTimer) this.#o.clock.clearTimer(this.#renewTimer);
    this.#renewTimer = undefined;
    if (this.#expiresAt === 0) return;
    this.#o.logger.info("Releasing task protection");
    this.#expiresAt = 0;
    this.#minutes = minProtectionMinutes;
    await this.#put({ ProtectionEnabled: false });
  }

  /** Renews the protection shortly before it expires, if work is still in hand then. */
  #scheduleRenewal(): void {
    const { clock } = this.#o;
    if (this.#renewTimer) clock.clearTimer(this.#renewTimer);
    const dueIn = Math.max(0, this.#expiresAt - this.#o.renewBeforeMs - clock.now());
    this.#renewTimer = clock.setTimer(() => {
      this.#renewTimer = undefined;
      if (this.#holders > 0) void this.#then(() => this.#protect(this.#minutes, "renew"));
    }, dueIn);
  }

  /** One change, retried with backoff while the agent answers an error; false if given up. */
  async #put(body: { ProtectionEnabled: boolean; ExpiresInMinutes?: number }): Promise<boolean> {
    const { logger, maxAttempts } = this.#o;
    let delayMs = this.#o.retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const response = await this.#o.fetch(`${this.#o.agentUri}/task-protection/v1/state`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        problem = agentProblem(response.status, text);
        if (problem === "") return true;
      } catch (e) {
        problem = toError(e).message;
      }
      if (attempt >= maxAttempts || this.#closing.signal.aborted) {
        logger.error(
          { protectionEnabled: body.ProtectionEnabled, attempts: attempt, error: problem },
          "could not change task protection: the ECS agent kept answering an error; giving up",
        );
        return false;
      }
      logger.warn(
        { protectionEnabled: body.ProtectionEnabled, attempt, retryInMs: delayMs, error: problem },
        "the ECS agent answered an error on task protection; retrying",
      );
      await this.#wait(delayMs);
      delayMs = Math.min(delayMs * 2, this.#o.maxRetryDelayMs);
    }
  }

  #wait(ms: number): Promise<void> {
    const { clock } = this.#o;
    const signal = this.#closing.signal;
    return new Promise((resolve) => {
      const done = () => {
        clock.clearTimer(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = clock.setTimer(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/**
 * What is wrong with the agent's answer, or "" if it took the change. The agent answers
 * `{"protection": {...}}`, or `{"failure": {...}}` / `{"error": {...}}` (ECS's failure or
 * error), the latter with a 4xx or 5xx status.
 */
function agentProblem(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const issue = fields.error ?? fields.failure;
  if (status >= 200 && status < 300 && issue === undefined) return "";
  return `HTTP ${status}${issue === undefined ? "" : `: ${JSON.stringify(issue)}`}`;
}
