import type { JobState } from "./job-status.js";

/** One recurring schedule as `offload schedules` and `GET /api/schedules` show it. Times are ISO 8601. */
export interface ScheduleSummary {
  jobName: string;
  /** The schedule's name within its job ("default" for a lone one). */
  name: string;
  expression: string;
  /** IANA time zone of a cron expression's fields. */
  timezone: string;
  /** The next due times (up to three); empty when it runs no more. */
  next: string[];
  /** The last run sent: its due time, when it was sent, its job id and that job's state. */
  last: {
    dueAt: string;
    /** On AWS, when the run's job record was made; null when the stack keeps none or has none. */
    firedAt: string | null;
    jobId: string;
    /** The job's state from the job records; null when unknown (no history, or expired). */
    state: JobState | null;
  } | null;
  /** When runs missed while the app was down were last skipped (`catchUp: "skip"`). */
  skippedAt: string | null;
  catchUp: "once" | "skip";
  start: string | null;
  end: string | null;
  /** On AWS, the schedule's state in EventBridge Scheduler (`ENABLED`, `DISABLED`); absent locally. */
  state?: string;
}
