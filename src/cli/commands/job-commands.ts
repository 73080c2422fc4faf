import type { JobAttempt, JobFilter, JobState, JobStatus } from "../../core/job-status.js";
import { table, truncate } from "../format.js";
import type { JobsClient } from "../jobs-client.js";
import { UsageError } from "../usage-error.js";
import type { Output } from "./client-commands.js";

const STATES: readonly JobState[] = [
  "queued",
  "delayed",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
  "deleted",
];

/** `offload job <id>`: the job's state and its timeline. */
export async function jobCommand(client: JobsClient, o: Output, jobId: string) {
  const job = await client.getJob(jobId);
  if (o.json) return o.out(JSON.stringify(job));
  o.out(timeline(job));
}

/** A job's status as the lines a person reads: state first, then what happened, oldest first. */
export function timeline(job: JobStatus): string {
  const lines = [`job ${job.jobId} (${job.jobName}): ${job.state}${where(job)}`];
  if (job.progress) {
    const { value, message } = job.progress;
    const shown = typeof value === "number" ? `${value}%` : `${value.done} of ${value.total}`;
    lines.push(`progress   ${shown}${message ? ` ${message}` : ""} (${job.progress.at})`);
  }
  lines.push(`accepted   ${job.acceptedAt}`);
  for (const attempt of job.attempts) lines.push(attemptLine(attempt));
  for (const event of job.events) {
    if (event.type === "redriven") lines.push(`redriven   ${event.at}`);
    else if (event.type === "cancelled")
      lines.push(`cancelled  ${event.at} (while ${event.while})`);
    else if (event.type === "expired") lines.push(`expired    ${event.at}`);
    else if (event.type === "deleted") lines.push(`deleted    ${event.at} (${event.how})`);
    else if (event.type === "dead-lettered")
      lines.push(`to DLQ     ${event.at}: ${truncate(event.reason, 120)}`);
  }
  if (job.cancelRequested && job.state === "running")
    lines.push("cancel requested: its signal fired");
  return lines.join("\n");
}

function where(job: JobStatus): string {
  if (job.state === "delayed" && job.runAt) return `, due ${job.runAt}`;
  if (job.state === "retrying" && job.runAt) return `, next attempt from ${job.runAt}`;
  if (job.state === "failed") return ", in the dead-letter queue";
  return "";
}

function attemptLine(a: JobAttempt): string {
  const head = `attempt ${a.attempt}  ${a.startedAt}`;
  if (a.outcome === undefined) return `${head}  no end recorded (running, or the process stopped)`;
  const took = a.durationMs === undefined ? "" : ` after ${a.durationMs} ms`;
  const error = a.error ? `: ${a.error.name}: ${truncate(a.error.message, 120)}` : "";
  const retry = a.retry ? `; retry from ${a.retry.at} (${a.retry.reason})` : "";
  return `${head}  ${a.outcome}${took}${error}${retry}`;
}

/** `offload jobs [--job --state --since --limit --cursor]`: jobs newest first. */
export async function jobsCommand(
  client: JobsClient,
  o: Output,
  options: { job?: string; state?: string; since?: string; limit?: number; cursor?: string },
) {
  const filter: JobFilter = {};
  if (options.job !== undefined) filter.jobName = options.job;
  if (options.state !== undefined) {
    if (!(STATES as readonly string[]).includes(options.state)) {
      throw new UsageError(
        "InvalidState",
        `--state must be one of ${STATES.join(", ")}; got ${JSON.stringify(options.state)}`,
      );
    }
    filter.state = options.state as JobState;
  }
  if (options.since !== undefined) {
    const at = Date.parse(options.since);
    if (Number.isNaN(at)) {
      throw new UsageError(
        "InvalidSince",
        `--since must be an ISO 8601 time such as 2026-12-07T09:00:00Z; got ${JSON.stringify(options.since)}`,
      );
    }
    filter.since = new Date(at).toISOString();
  }
  if (options.limit !== undefined) filter.limit = options.limit;
  if (options.cursor !== undefined) filter.cursor = options.cursor;
  const page = await client.listJobs(filter);
  if (o.json) return o.out(JSON.stringify(page));
  if (page.jobs.length === 0) return o.out("no jobs");
  o.out(
    table(
      ["job id", "job", "state", "attempts", "accepted", "last error"],
      page.jobs.map((j) => [
        j.jobId,
        j.jobName,
        j.state,
        j.attempts,
        j.acceptedAt,
        j.lastError ? truncate(`${j.lastError.name}: ${j.lastError.message}`, 50) : "-",
      ]),
    ),
  );
  if (page.nextCursor) o.out(`more: --cursor ${page.nextCursor}`);
}

/** `offload cancel <id>` */
export async function cancelCommand(client: JobsClient, o: Output, jobId: string) {
  const result = await client.cancel(jobId);
  if (o.json) return o.out(JSON.stringify(result));
  const what = {
    removed: "removed from its queue: it never runs",
    signalled: "it was running: its ctx.signal fired, and it ends cancelled",
    marked: "marked cancelled: the job function drops it unrun when it arrives",
  }[result.cancelled];
  o.out(`cancelled job ${jobId}: ${what}`);
}
