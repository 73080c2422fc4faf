/**
 * The recurring schedules' rows: per job schedule its next due time and its
 * last run. A run is sent and its row advanced in one committer op, guarded by
 * the due time the sender saw: whatever stops the process, a due time is sent
 * once (a second fire of the same due time finds the row advanced and sends
 * nothing).
 */

import { OffloadError } from "../../core/errors.js";
import type { JobState } from "../../core/job-status.js";
import type { EngineContext } from "../context.js";
import type { AcceptJobInput, AcceptJobOutput } from "../jobs/records.js";
import { queueUrl } from "../location.js";

/** A schedule the app defines, as {@link EngineSchedules.reconcile} takes it. */
export interface ScheduleDefinitionInput {
  JobName: string;
  ScheduleName: string;
  /** What the due times follow (expression, time zone, start, end), as a string: a change recomputes NextDueAt. */
  Definition: string;
  /** The first due time for a new or changed schedule; null when it never runs. */
  FirstDueAt: number | null;
}

/** One schedule's stored state. */
export interface ScheduleRecord {
  JobName: string;
  ScheduleName: string;
  Definition: string;
  /** Epoch ms; null when it runs no more (past its end, or its years). */
  NextDueAt: number | null;
  /** The due time of the last run sent. */
  LastDueAt: number | null;
  /** When the last run was sent (its due time, or later when caught up at start). */
  LastFiredAt: number | null;
  LastJobId: string | null;
  /** The last job's state from the job records; null when unknown (no history, or swept). */
  LastJobState: JobState | null;
  /** When missed runs were last skipped (catchUp "skip"). */
  LastSkippedAt: number | null;
}

/** What {@link EngineSchedules.fire} does with a due time. */
export interface FireScheduleInput {
  JobName: string;
  ScheduleName: string;
  /** The row's NextDueAt as the caller read it: the fire does nothing unless it still is. */
  DueAt: number;
  /** The next due time to store; null when the schedule runs no more. */
  NextDueAt: number | null;
  /** The run to send (to the job's queue, with its deterministic JobId); absent: skip it. */
  Send?: Omit<AcceptJobInput, "TopicArn" | "QueueUrl" | "JobName" | "JobId"> & { JobId: string };
}

export interface FireScheduleOutput {
  /** Whether the row was at DueAt (and so was advanced, the run sent unless skipped). */
  Advanced: boolean;
  /** The run's job id when one was sent now; absent when skipped, stale or already on record. */
  JobId?: string;
}

/** The engine's schedule rows. */
export interface EngineSchedules {
  /**
   * Makes the rows match the app's schedules: new ones are added at FirstDueAt, changed ones
   * (another Definition) restart at FirstDueAt, and rows of schedules no longer defined are
   * dropped. Resolves with every row.
   */
  reconcile(definitions: readonly ScheduleDefinitionInput[]): Promise<ScheduleRecord[]>;
  /** Sends a due run and advances its row, in one commit (see {@link FireScheduleInput}). */
  fire(input: FireScheduleInput): Promise<FireScheduleOutput>;
  /** Every row, by job and schedule name, with its last job's state. */
  list(): Promise<ScheduleRecord[]>;
}

interface Row {
  job_name: string;
  schedule_name: string;
  definition: string;
  next_due_at: number | null;
  last_due_at: number | null;
  last_fired_at: number | null;
  last_job_id: string | null;
  last_skipped_at: number | null;
  state: JobState | null;
}

const SELECT_ROWS = `SELECT s.job_name, s.schedule_name, s.definition, s.next_due_at, s.last_due_at,
    s.last_fired_at, s.last_job_id, s.last_skipped_at, j.state
  FROM schedules s LEFT JOIN jobs j ON j.job_id = s.last_job_id`;

/** The schedules over one engine context; `acceptJobOp` is the engine's acceptJob as an op. */
export function createEngineSchedules(
  ctx: EngineContext,
  acceptJobOp: (input: AcceptJobInput) => () => AcceptJobOutput,
): EngineSchedules {
  const { stmts, committer, clock } = ctx;
  const list = (): ScheduleRecord[] =>
    (stmts.get(`${SELECT_ROWS} ORDER BY s.job_name, s.schedule_name`).all() as Row[]).map(record);

  return {
    reconcile: (definitions) =>
      committer.run(() => {
        const now = clock.now();
        const kept = new Set<string>();
        for (const d of definitions) {
          kept.add(JSON.stringify([d.JobName, d.ScheduleName]));
          const row = stmts
            .get("SELECT definition FROM schedules WHERE job_name = ? AND schedule_name = ?")
            .get(d.JobName, d.ScheduleName) as { definition: string } | undefined;
          if (!row) {
            stmts
              .get(
                `INSERT INTO schedules (job_name, schedule_name, definition, next_due_at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?)`,
              )
              .run(d.JobName, d.ScheduleName, d.Definition, d.FirstDueAt, now, now);
          } else if (row.definition !== d.Definition) {
            stmts
              .get(
                `UPDATE schedules SET definition = ?, next_due_at = ?, updated_at = ?
                 WHERE job_name = ? AND schedule_name = ?`,
              )
              .run(d.Definition, d.FirstDueAt, now, d.JobName, d.ScheduleName);
          }
        }
        const all = stmts.get("SELECT job_name, schedule_name FROM schedules").all() as Array<
          Pick<Row, "job_name" | "schedule_name">
        >;
        for (const r of all) {
          if (kept.has(JSON.stringify([r.job_name, r.schedule_name]))) continue;
          stmts
            .get("DELETE FROM schedules WHERE job_name = ? AND schedule_name = ?")
            .run(r.job_name, r.schedule_name);
        }
        return list();
      }),

    fire(input) {
      const send =
        input.Send &&
        acceptJobOp({
          ...input.Send,
          JobName: input.JobName,
          QueueUrl: queueUrlOf(ctx, input.JobName),
        });
      return committer.run((): FireScheduleOutput => {
        const row = stmts
          .get("SELECT next_due_at FROM schedules WHERE job_name = ? AND schedule_name = ?")
          .get(input.JobName, input.ScheduleName) as { next_due_at: number | null } | undefined;
        if (!row || row.next_due_at !== input.DueAt) return { Advanced: false };
        const now = clock.now();
        let jobId: string | undefined;
        if (send) {
          try {
            jobId = send().JobId;
          } catch (e) {
            // The run's id is on record: it was sent before (a schedule changed back to an
            // earlier definition meets its old due times). Sending it again would run it twice.
            if (!(e instanceof OffloadError && e.code === "JobIdInUse")) throw e;
          }
        }
        stmts
          .get(
            input.Send
              ? `UPDATE schedules SET next_due_at = ?, last_due_at = ?, last_fired_at = ?,
                   last_job_id = ?, updated_at = ? WHERE job_name = ? AND schedule_name = ?`
              : `UPDATE schedules SET next_due_at = ?, last_skipped_at = ?, updated_at = ?
                   WHERE job_name = ? AND schedule_name = ?`,
          )
          .run(
            ...(input.Send
              ? [input.NextDueAt, input.DueAt, now, input.Send.JobId, now]
              : [input.NextDueAt, now, now]),
            input.JobName,
            input.ScheduleName,
          );
        return jobId === undefined ? { Advanced: true } : { Advanced: true, JobId: jobId };
      });
    },

    list: async () => list(),
  };
}

/** The job's queue: the one tracked as its queue (see EngineJobs.track). */
function queueUrlOf(ctx: EngineContext, jobName: string): string {
  const row = ctx.stmts
    .get(
      `SELECT q.name FROM job_queues t JOIN queues q ON q.id = t.queue_id
       WHERE t.job_name = ? AND t.role = 'queue'`,
    )
    .get(jobName) as { name: string } | undefined;
  if (!row) {
    throw new OffloadError(
      "UnknownJob",
      `Job ${jobName} has no queue in this database: a schedule's run goes to the job's queue, made when the app starts`,
      { jobName },
    );
  }
  return queueUrl(ctx.loc, row.name);
}

function record(row: Row): ScheduleRecord {
  return {
    JobName: row.job_name,
    ScheduleName: row.schedule_name,
    Definition: row.definition,
    NextDueAt: row.next_due_at,
    LastDueAt: row.last_due_at,
    LastFiredAt: row.last_fired_at,
    LastJobId: row.last_job_id,
    LastJobState: row.state,
    LastSkippedAt: row.last_skipped_at,
  };
}
