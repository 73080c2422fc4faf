// `offload schedules --aws`: the recurring schedules of a deployed stack, read from EventBridge
// Scheduler, with their next due times and, from the job table, their last run.
import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  type SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { OffloadError } from "../core/errors.js";
import { scheduledJobId } from "../core/job-schedules.js";
import type { JobStatusStore } from "../core/job-status.js";
import { nextRun, parseSchedule, type Schedule } from "../core/schedule.js";
import type { ScheduleSummary } from "../core/schedule-summary.js";

/** What {@link listStackSchedules} found in the stack's group. */
export interface StackScheduleList {
  /** The recurring schedules, by job then schedule name. */
  schedules: ScheduleSummary[];
  /** How many one-time schedules (sends delayed beyond 900 s, not fired yet) the group holds. */
  delayedSends: number;
}

/** What {@link listStackSchedules} reads. */
export interface ListStackSchedulesOptions {
  scheduler: SchedulerClient;
  groupName: string;
  /** The stack's job table, where a run's record tells its outcome. @defaultValue none: unknown */
  records?: Pick<JobStatusStore, "get">;
  now: number;
}

/** The due times of one deployed schedule, as Scheduler runs it. */
interface Deployed {
  schedule: Schedule;
  timezone: string;
  /** No run before it: the schedule's StartDate, or when it was created. */
  from: number;
  end: number | undefined;
}

const HOUR_MS = 3_600_000;
/** How far back the last run is looked for, widening until one is found. */
const LOOKBACK_MS = [HOUR_MS, 24 * HOUR_MS, 32 * 24 * HOUR_MS, 367 * 24 * HOUR_MS];

/**
 * The stack's recurring schedules with their expression, time zone, state, next three due
 * times (none when disabled) and last run: its due time and job id always (Scheduler runs every
 * due time), its outcome from the run's job record when there is a job table (`firedAt` is when
 * that record was made), else unknown. A one-time schedule is counted, not read: there is one per
 * job delayed beyond 900 s.
 *
 * @example
 * const { schedules, delayedSends } = await listStackSchedules({ scheduler, groupName: "shop-dev", now: Date.now() });
 */
export async function listStackSchedules(
  options: ListStackSchedulesOptions,
): Promise<StackScheduleList> {
  const { scheduler, groupName, records, now } = options;
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send(
      new ListSchedulesCommand({ GroupName: groupName, ...(NextToken ? { NextToken } : {}) }),
    );
    for (const s of page.Schedules ?? []) if (s.Name) names.push(s.Name);
    NextToken = page.NextToken;
  } while (NextToken);

  const schedules: ScheduleSummary[] = [];
  let delayedSends = 0;
  for (const awsName of names) {
    if (!mayBeRecurring(awsName)) {
      delayedSends += 1;
      continue;
    }
    const found = await scheduler.send(
      new GetScheduleCommand({ GroupName: groupName, Name: awsName }),
    );
    const expression = found.ScheduleExpression ?? "";
    if (!expression.startsWith("rate(") && !expression.startsWith("cron(")) {
      delayedSends += 1;
      continue;
    }
    const names = namesOf(awsName, found.Description);
    schedules.push(await summary(names, found, expression, records, now));
  }
  schedules.sort((a, b) => a.jobName.localeCompare(b.jobName) || a.name.localeCompare(b.name));
  return { schedules, delayedSends };
}

async function summary(
  { jobName, name }: { jobName: string; name: string },
  found: GetScheduleCommandOutput,
  expression: string,
  records: Pick<JobStatusStore, "get"> | undefined,
  now: number,
): Promise<ScheduleSummary> {
  const timezone = found.ScheduleExpressionTimezone ?? "UTC";
  const deployed: Deployed = {
    schedule: parseSchedule(expression),
    timezone,
    from: (found.StartDate ?? found.CreationDate ?? new Date(now)).getTime(),
    end: found.EndDate?.getTime(),
  };
  const enabled = found.State !== "DISABLED";
  const lastDue = lastDueAt(deployed, now);
  let last: ScheduleSummary["last"] = null;
  if (lastDue !== undefined) {
    const jobId = scheduledJobId(jobName, name, lastDue);
    const run = records ? await records.get(jobId).catch(notFound) : undefined;
    last = {
      dueAt: new Date(lastDue).toISOString(),
      firedAt: run?.acceptedAt ?? null,
      jobId,
      state: run?.state ?? null,
    };
  }
  return {
    jobName,
    name,
    expression,
    timezone,
    next: enabled ? nextDueTimes(deployed, now, 3).map((t) => new Date(t).toISOString()) : [],
    last,
    skippedAt: null,
    catchUp: "once",
    start: found.StartDate?.toISOString() ?? null,
    end: found.EndDate?.toISOString() ?? null,
    state: found.State ?? "ENABLED",
  };
}

/** A run's record, or undefined when the table has none (not run yet, or expired). */
function notFound(e: unknown): undefined {
  if (e instanceof OffloadError && e.code === "JobNotFound") return undefined;
  throw e;
}

/**
 * A recurring schedule is named `<job>.<schedule>`, or, cut to 64 characters, ends with `-` and
 * 8 hex digits; a one-time one is named from its job id (a UUID, or the id cut with `-` and 16
 * hex digits), so only an id chosen with a `.` or that ending needs GetSchedule to tell.
 */
function mayBeRecurring(awsName: string): boolean {
  return awsName.includes(".") || (awsName.length === 64 && /-[0-9a-f]{8}$/.test(awsName));
}

/** The stack describes each recurring schedule as `offload job <job>, schedule <name>: …`. */
const DESCRIPTION = /^offload job ([^\s,]+), schedule ([^\s:]+):/;

function namesOf(
  awsName: string,
  description: string | undefined,
): { jobName: string; name: string } {
  const described = DESCRIPTION.exec(description ?? "");
  if (described) return { jobName: described[1]!, name: described[2]! };
  const dot = awsName.indexOf(".");
  return { jobName: awsName.slice(0, dot), name: awsName.slice(dot + 1) };
}

/** The first due time after `after` (a rate schedule: on its grid from `from`). */
function dueAfter(d: Deployed, after: number): number | undefined {
  let due: number | undefined;
  if (d.schedule.kind === "rate") {
    const { intervalMs } = d.schedule;
    due =
      after < d.from
        ? d.from
        : d.from + (Math.floor((after - d.from) / intervalMs) + 1) * intervalMs;
  } else {
    due = nextRun(d.schedule, Math.max(after, d.from - 1), d.timezone);
  }
  return due !== undefined && (d.end === undefined || due <= d.end) ? due : undefined;
}

/** Up to `count` due times after `now`. */
function nextDueTimes(d: Deployed, now: number, count: number): number[] {
  const out: number[] = [];
  let due = dueAfter(d, now);
  while (due !== undefined && out.length < count) {
    out.push(due);
    due = dueAfter(d, due);
  }
  return out;
}

/** The last due time at or before `now`, looked for in ever wider windows; none within a year. */
function lastDueAt(d: Deployed, now: number): number | undefined {
  for (const lookback of LOOKBACK_MS) {
    let last: number | undefined;
    let due = dueAfter(d, Math.max(now - lookback, d.from - 1));
    while (due !== undefined && due <= now) {
      last = due;
      due = dueAfter(d, due);
    }
    if (last !== undefined) return last;
    if (now - lookback <= d.from) return undefined;
  }
  return undefined;
}
