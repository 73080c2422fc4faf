import {
  JOB_STATES,
  type JobEvent,
  type JobFilter,
  type JobState,
  type JobStatus,
} from "../../core/job-status.js";
import { table, truncate } from "../format.js";
import type { JobsClient } from "../jobs-client.js";
import { UsageError } from "../usage-error.js";
import type { Output } from "./client-commands.js";

/** The most of a payload's JSON the timeline shows. */
const PAYLOAD_CHARS = 120;

/** `offload job <id>`: the job's state, its payload while it has one, and its timeline. */
export async function jobCommand(client: JobsClient, o: Output, jobId: string) {
  const job = await client.getJob(jobId);
  if (o.json) return o.out(JSON.stringify(job));
  o.out(timeline(job));
}

/** A job's status as the lines a person reads: state first, then what happened, oldest first. */
export function timeline(job: JobStatus): string {
  const lines = [`job ${job.jobId} (${job.jobName}): ${job.state}${where(job)}`];
  // One line, cut: a payload may be a megabyte (`--json` has it whole).
  if (job.payload !== undefined) {
    lines.push(`payload    ${truncate(JSON.stringify(job.payload), PAYLOAD_CHARS)}`);
  }
  if (job.progress) {
    const { value, message } = job.progress;
    const shown = typeof value === "number" ? `${value}%` : `${value.done} of ${value.total}`;
    lines.push(`progress   ${shown}${message ? ` ${message}` : ""} (${job.progress.at})`);
  }
  for (const event of job.events) lines.push(eventLine(event));
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

function eventLine(event: JobEvent): string {
  const at = event.at;
  switch (event.type) {
    case "accepted":
      return `${at}  accepted${event.runAt ? `, due ${event.runAt}` : ""}`;
    case "started":
      return `${at}  attempt ${event.attempt} started`;
    case "succeeded":
      return `${at}  attempt ${event.attempt} succeeded${took(event.durationMs)}`;
    case "attempt-failed": {
      const retry = event.retry ? `; retry from ${event.retry.at} (${event.retry.reason})` : "";
      return `${at}  attempt ${event.attempt} failed${took(event.durationMs)}: ${event.error.name}: ${truncate(event.error.message, 120)}${retry}`;
    }
    case "dead-lettered":
      return `${at}  moved to the dead-letter queue: ${truncate(event.reason, 120)}`;
    case "redriven":
      return `${at}  redriven to its queue`;
    case "cancelled":
      return `${at}  cancelled (while ${event.while})`;
    case "expired":
      return `${at}  expired: deleted unrun by its queue's retention period`;
    case "deleted":
      return `${at}  deleted (${event.how})`;
  }
}

function took(durationMs: number | undefined): string {
  return durationMs === undefined ? "" : ` after ${durationMs} ms`;
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
    if (!(JOB_STATES as readonly string[]).includes(options.state)) {
      throw new UsageError(
        "InvalidState",
        `--state must be one of ${JOB_STATES.join(", ")}; got ${JSON.stringify(options.state)}`,
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
