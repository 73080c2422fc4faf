/**
 * What the HTTP API needs from the app, and nothing more: the API is a thin
 * HTTP face on this port. The local server implements it over the engine and
 * the runtime; the API Lambda over AWS. Errors are OffloadErrors whose `code`
 * the API maps to a status (see errors.ts).
 */

import type { JobStatusStore } from "../core/job-status.js";
import type { ScheduleSummary } from "../core/schedule-summary.js";
import type { RedriveResult } from "../core/transport.js";

export type { RedriveResult };

/** The state of one job's queue and DLQ, as the dashboard and `offload stats` show it. */
export interface JobQueueSummary {
  jobName: string;
  /** Messages ready to be received. */
  visible: number;
  /** Messages received and not yet deleted (running, or waiting out a retry delay). */
  inFlight: number;
  /** Messages waiting out a delivery delay. */
  delayed: number;
  /** Age in seconds of the oldest message in the queue, 0 when empty. */
  oldestMessageAgeSeconds: number;
  /** ISO time the first delayed job is due, where the backend knows it; null when none is delayed. */
  nextDueAt: string | null;
  dlq: { visible: number; oldestMessageAgeSeconds: number };
  /** The DLQ alarm, where the backend evaluates one. */
  alarm: "OK" | "ALARM" | null;
  /** Since the process started, where the backend runs the jobs (null on AWS). */
  processed: number | null;
  failed: number | null;
}

/** A message in a job's DLQ, read without consuming it. */
export interface DlqMessage {
  /** The job's id, as `POST /jobs` answered it. */
  jobId: string;
  messageId: string;
  body: string;
  /** Message attributes (jobName, idempotencyKey, ...). */
  attributes: Record<string, string>;
  receiveCount: number;
  /** ISO time the job was first sent. */
  sentAt: string;
  /** The first and the last error of its attempts, where known. */
  firstError: string | null;
  lastError: string | null;
}

export interface SendJobOptions {
  /** 0 to 31,536,000 (365 days). Not with `runAt`. */
  delaySeconds?: number;
  /**
   * When the job is due: an ISO 8601 date-time with its offset, counted from the backend's
   * clock (a time past: now). Not with `delaySeconds`.
   */
  runAt?: string;
  /** The caller's own job id (see job-id.ts). @defaultValue a new UUIDv7 */
  jobId?: string;
  /** A second send of the job with this key within its idempotencyWindow answers the first job's id. */
  idempotencyKey?: string;
}

export interface ApiBackend {
  /** The app's job names, sorted. */
  jobNames(): string[];
  /**
   * Whether the backend can take work (GET /health answers 503 with the reason when not):
   * the local server's database file may be deleted under it. Absent: always healthy.
   */
  health?(): { ok: true } | { ok: false; reason: string };
  /**
   * Validates against the job's schema and enqueues durably; resolves with the job id.
   * Rejects with OffloadError code UnknownJob, InvalidPayload (with `issues`), PayloadTooLarge,
   * DelayTooLong (a runAt over 365 days ahead), InvalidJobId, JobIdInUse or InvalidSendOptions.
   */
  send(jobName: string, payload: unknown, options?: SendJobOptions): Promise<string>;
  queues(): Promise<JobQueueSummary[]>;
  queue(jobName: string): Promise<JobQueueSummary>;
  /**
   * The jobs' recurring schedules: next due times, last run and its outcome
   * (`GET /api/schedules`). Absent: the backend keeps none (the list is empty).
   */
  schedules?(): Promise<ScheduleSummary[]>;
  /** Up to `limit` DLQ messages, oldest first. */
  dlqList(jobName: string, options: { limit: number }): Promise<DlqMessage[]>;
  /**
   * Moves DLQ messages (all, or the given job ids or message ids; `notFound` lists chosen ids
   * not in the DLQ) back to the job's queue, each keeping its job id.
   */
  redrive(jobName: string, options: { ids?: string[] }): Promise<RedriveResult>;
  /**
   * Jobs by id: status, history, listing and cancel (`GET /jobs/:id`, `GET /jobs`,
   * `DELETE /jobs/:id`). Absent where no history is kept: those routes answer JobNotFound.
   */
  readonly jobs?: JobStatusStore;
  /** Deletes every message in the job's DLQ; rejects with PurgeInProgress within a minute of the last purge. */
  purge(jobName: string): Promise<{ purged: number }>;
}
