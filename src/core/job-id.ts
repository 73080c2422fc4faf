/**
 * A job's id: one per job, from its acceptance to its end, on every hop (the
 * topic, the queue, the handler's `ctx.jobId`, retries, the DLQ, redrive).
 *
 * offload draws a UUIDv7 (RFC 9562): a UUID, the shape every tool and
 * database column takes and the shape of an SQS message id (so a job sent
 * over the SQS API without an id, whose id is then its message id, looks like
 * any other), and ordered by time, so jobs sort and page by id in the order
 * they were accepted without a second index. A caller may give its own id
 * within {@link JOB_ID_RULE}.
 */

import { OffloadError } from "./errors.js";

/** The message attribute that carries a job's id. */
export const JOB_ID_ATTRIBUTE = "jobId";

/** What a caller's own job id may be: 1–128 of letters, digits and `-_.:`, starting with a letter or digit. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** {@link JOB_ID_PATTERN} in words, for error messages and docs. */
export const JOB_ID_RULE =
  "1 to 128 characters of letters, digits, '-', '_', '.' and ':', starting with a letter or digit";

/**
 * A new UUIDv7 for a job accepted at `nowMs` (epoch ms): 48 bits of time, then random bits.
 * Ids drawn in the same millisecond are ordered by chance, not by draw.
 *
 * @example
 * newJobId(Date.now()); // "019a0c3e-8f21-7c4d-9b1a-3f2e6d5c4b3a"
 */
export function newJobId(nowMs: number): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let time = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A caller's own job id, checked against {@link JOB_ID_PATTERN}.
 *
 * @throws OffloadError `InvalidJobId` naming what came and what is allowed.
 */
export function checkJobId(jobId: unknown, jobName?: string): string {
  if (typeof jobId === "string" && JOB_ID_PATTERN.test(jobId)) return jobId;
  const shown =
    typeof jobId === "string"
      ? JSON.stringify(jobId.length > 140 ? `${jobId.slice(0, 140)}…` : jobId)
      : typeof jobId;
  throw new OffloadError(
    "InvalidJobId",
    `jobId must be ${JOB_ID_RULE}; got ${shown}${typeof jobId === "string" && jobId.length > 128 ? ` (${jobId.length} characters)` : ""}`,
    jobName === undefined ? {} : { jobName },
  );
}

/**
 * The ids of a recurring schedule's runs (`<job>:<schedule>:<due time>`, see scheduledJobId):
 * reserved, so that no caller can take a run's id before it is due.
 */
export const SCHEDULED_RUN_ID_PATTERN =
  /^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * The id a caller gives a job it sends: {@link checkJobId}, and not of the shape reserved for
 * scheduled runs.
 *
 * @throws OffloadError `InvalidJobId`.
 */
export function checkCallerJobId(jobId: unknown, jobName?: string): string {
  const checked = checkJobId(jobId, jobName);
  if (SCHEDULED_RUN_ID_PATTERN.test(checked)) {
    throw new OffloadError(
      "InvalidJobId",
      `jobId ${JSON.stringify(checked)} has the shape of a scheduled run's id (<job>:<schedule>:<time>), which is reserved for the scheduler`,
      jobName === undefined ? {} : { jobName },
    );
  }
  return checked;
}

/**
 * The id of a received job: its `jobId` String attribute, or else (a message sent over the SQS
 * API without one, or with one of another type, or one that breaks {@link JOB_ID_PATTERN}) its
 * message id. The engine keys its records the same way.
 */
export function jobIdOf(message: {
  messageId: string;
  messageAttributes?: Readonly<
    Record<string, { dataType?: string | undefined; stringValue?: string | undefined }>
  >;
}): string {
  const attribute = message.messageAttributes?.[JOB_ID_ATTRIBUTE];
  const value = attribute?.dataType === "String" ? attribute.stringValue : undefined;
  return value !== undefined && JOB_ID_PATTERN.test(value) ? value : message.messageId;
}
