import type { Clock, TimerHandle } from "../core/clock.js";
import { toError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/**
 * Where a handler asks, while a batch runs, whether a cancel was asked for its running jobs
 * (the AWS job function reads the job table).
 */
export interface CancelCheck {
  /** How long between two checks of one batch; the first comes this long after it starts. */
  intervalMs: number;
  /** Which of these jobs a cancel was asked for (ids it cannot tell of are left out). */
  cancelsRequested(jobIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/** A batch's checks under way: stopped when the batch ends. */
export interface CancelChecks {
  stop(): void;
}

/**
 * Checks the jobs `running()` names every `check.intervalMs` and hands those a cancel was asked
 * for to `cancel`. One check at a time: the next is timed from the end of the one before, so a
 * slow read never piles up. After `stop()` nothing more is read, and a read in flight is
 * ignored. A failing read is logged; the next check tries again.
 */
export function startCancelChecks(
  check: CancelCheck,
  clock: Clock,
  logger: Logger,
  jobName: string,
  running: () => readonly string[],
  cancel: (jobId: string) => void,
): CancelChecks {
  let stopped = false;
  let timer: TimerHandle | undefined;
  const next = () => {
    timer = clock.setTimer(() => void tick(), check.intervalMs);
  };
  const tick = async () => {
    timer = undefined;
    const jobIds = running();
    if (jobIds.length > 0) {
      try {
        const asked = await check.cancelsRequested(jobIds);
        if (stopped) return;
        for (const jobId of asked) cancel(jobId);
      } catch (e) {
        if (stopped) return;
        logger.warn(
          { jobName, jobIds, error: toError(e).message },
          "could not check the running jobs for cancels; checking again later",
        );
      }
    }
    if (!stopped) next();
  };
  next();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    },
  };
}
