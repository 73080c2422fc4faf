import type { Clock, TimerHandle } from "../../core/clock.js";
import { toError } from "../../core/errors.js";
import { jobMessageAttributes } from "../../core/job-attributes.js";
import { checkSchedulePayloads, scheduledJobId } from "../../core/job-schedules.js";
import type { JobDefinition, JobSchedule } from "../../core/job-types.js";
import type { Logger } from "../../core/logger.js";
import { serializePayload } from "../../core/send-request.js";
import type { EngineSchedules } from "../../engine/index.js";
import { definitionOf, firstDue, nextDue } from "./due-times.js";

/** A timer never waits longer than this: Node's timers overflow at 2^31 - 1 ms (24.8 days). */
const MAX_TIMER_MS = 86_400_000;
/** After a run could not be stored (a database error), it is tried again this much later. */
const RETRY_MS = 60_000;

export interface SchedulerOptions {
  /** The app's jobs; those with schedules are run on them. */
  jobs: ReadonlyArray<{
    name: string;
    definition: Pick<JobDefinition, "options" | "schema">;
  }>;
  /** Where the schedules' rows live and runs are sent: the engine's `engine.schedules`. */
  store: EngineSchedules;
  clock: Clock;
  logger: Logger;
  /** Told after each run is sent (not when skipped). */
  onFired?: (run: ScheduledRun) => void;
}

/** A run the scheduler sent. */
export interface ScheduledRun {
  jobName: string;
  scheduleName: string;
  dueAt: number;
  jobId: string;
}

/** A running scheduler, from {@link startScheduler}. */
export interface Scheduler {
  /** Resolves once no run is being sent (tests move the clock, then wait on this). */
  settled(): Promise<void>;
  /** Stops the timers; resolves once the run being sent, if any, is stored. */
  stop(): Promise<void>;
}

interface Entry {
  readonly jobName: string;
  readonly schedule: JobSchedule;
  /** The row's next due time as last stored. */
  due: number | null;
  timer: TimerHandle | undefined;
}

/**
 * Starts the app's recurring schedules: stores them (see EngineSchedules.reconcile), sends at
 * once what was missed while the app was down (or skips it: the schedule's `catchUp`), then
 * sends each run at its due time.
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { clock, logger, store } = options;
  const entries: Entry[] = [];
  for (const job of options.jobs) {
    const { schedules } = job.definition.options;
    if (schedules.length === 0) continue;
    // An async schema could not be awaited when the job was defined.
    await checkSchedulePayloads(job.name, schedules, job.definition.schema);
    for (const schedule of schedules) {
      entries.push({ jobName: job.name, schedule, due: null, timer: undefined });
    }
  }
  const now = clock.now();
  const rows = await store.reconcile(
    entries.map((e) => ({
      JobName: e.jobName,
      ScheduleName: e.schedule.name,
      Definition: definitionOf(e.schedule),
      FirstDueAt: firstDue(e.schedule, now),
    })),
  );
  const rowOf = new Map(rows.map((r) => [`${r.JobName}\n${r.ScheduleName}`, r]));
  for (const e of entries) e.due = rowOf.get(`${e.jobName}\n${e.schedule.name}`)?.NextDueAt ?? null;

  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  const arm = (e: Entry, ms: number) => {
    if (stopped) return;
    e.timer = clock.setTimer(
      () => {
        e.timer = undefined;
        track(tick(e));
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
  };
  const armForDue = (e: Entry) => {
    if (e.due !== null) arm(e, e.due - clock.now());
  };
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  /** Sends (or skips) the entry's due run and advances its row; then waits for the next. */
  const tick = async (e: Entry, skip = false): Promise<void> => {
    const due = e.due;
    if (due === null || stopped) return;
    const at = clock.now();
    if (at < due) return armForDue(e); // a capped timer: not yet
    const next = nextDue(e.schedule, due, at);
    const jobId = scheduledJobId(e.jobName, e.schedule.name, due);
    try {
      const { Advanced, JobId } = await store.fire({
        JobName: e.jobName,
        ScheduleName: e.schedule.name,
        DueAt: due,
        NextDueAt: next,
        ...(skip ? {} : { Send: sendOf(e, jobId) }),
      });
      const fields = {
        jobName: e.jobName,
        schedule: e.schedule.name,
        dueAt: new Date(due).toISOString(),
      };
      if (!Advanced) {
        // Another process advanced the row (two apps on one database): follow what it stored.
        const row = (await store.list()).find(
          (r) => r.JobName === e.jobName && r.ScheduleName === e.schedule.name,
        );
        e.due = row?.NextDueAt ?? null;
        logger.warn(fields, "a scheduled run was already sent: not sending it again");
      } else {
        e.due = next;
        if (skip)
          logger.info(fields, "skipped the runs missed while the app was down (catchUp: skip)");
        else if (JobId === undefined)
          logger.warn(
            { ...fields, jobId },
            "a scheduled run's job id is on record already: not sent again",
          );
        else {
          logger.info({ ...fields, jobId: JobId }, "sent a scheduled run");
          options.onFired?.({
            jobName: e.jobName,
            scheduleName: e.schedule.name,
            dueAt: due,
            jobId: JobId,
          });
        }
      }
      armForDue(e);
    } catch (error) {
      logger.error(
        { jobName: e.jobName, schedule: e.schedule.name, error: toError(error).message },
        `could not send a scheduled run; trying again in ${RETRY_MS / 1000} s`,
      );
      arm(e, RETRY_MS);
    }
  };

  const sendOf = (e: Entry, jobId: string) => {
    const body = serializePayload(e.jobName, e.schedule.payload);
    return {
      JobId: jobId,
      MessageBody: body,
      MessageAttributes: jobMessageAttributes({ jobName: e.jobName, jobId }),
    };
  };

  // Runs missed while the app was down: one run now, or none (catchUp), then the next due.
  for (const e of entries) {
    if (e.due === null) continue;
    if (e.due < now) track(tick(e, e.schedule.catchUp === "skip"));
    else armForDue(e);
  }
  logger.info(
    {
      schedules: entries.map((e) => ({
        jobName: e.jobName,
        schedule: e.schedule.name,
        nextDueAt: e.due === null ? null : new Date(e.due).toISOString(),
      })),
    },
    "schedules started",
  );

  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  return {
    settled,
    async stop() {
      stopped = true;
      for (const e of entries) if (e.timer) clock.clearTimer(e.timer);
      await settled();
    },
  };
}
