/**
 * Recurring jobs, locally: the runtime sends each job schedule's runs at their due times.
 *
 * Design:
 * - The due times are EventBridge Scheduler's (src/core/schedule.ts `nextRun`: cron fields
 *   in the schedule's IANA time zone, DST as Scheduler handles it; rate() every interval).
 * - The engine keeps one row per job schedule (migration 8, src/engine/schedules): its next
 *   due time and its last run. A run is sent to the job's queue (as Scheduler targets the
 *   queue on AWS) and its row advanced in one committer op, guarded by the due time the
 *   scheduler read: a process killed before the commit sent nothing and advanced nothing;
 *   killed after, it finds the row advanced. Either way a due time is sent once. The run's
 *   job id comes from the job, schedule and due time (`scheduledJobId`), so even a row reset
 *   to an old due time (a schedule changed back) cannot send a run still on record.
 * - On start the definitions are reconciled with the rows: a new or changed schedule
 *   (expression, time zone, start, end) starts at its first due time from now; a removed
 *   one's row is dropped. A due time missed while the app was down is sent once at start
 *   (`catchUp: "once"`, the default: one run for all the missed ones, with the first missed
 *   due time's id) or skipped (`"skip"`); then the schedule goes on from now.
 * - Time comes from the injected clock; a timer waits at most a day and checks again.
 */

export { definitionOf, firstDue, nextDue, upcoming } from "./due-times.js";
export type { ScheduledRun, Scheduler, SchedulerOptions } from "./scheduler.js";
export { startScheduler } from "./scheduler.js";
export { scheduleSummaries } from "./summary.js";
