import type { ErrorInfo } from "./error-info.js";

/** How one record ended. */
export type RecordOutcome =
  | {
      messageId: string;
      jobId: string;
      status: "succeeded";
      attempt: number;
      /** The handler's result (or, for an idempotent duplicate, the first run's), when kept. */
      result?: unknown;
    }
  | {
      messageId: string;
      jobId: string;
      status: "failed";
      attempt: number;
      error: ErrorInfo;
      /** Seconds until the next attempt, when the handler or backoff set one. */
      retryAfterSeconds: number | undefined;
      /** Why it is retried: the handler's RetryLater, the job's backoff, or an error. */
      retryReason: "error" | "retry-later" | "backoff";
    }
  | { messageId: string; jobId: string; status: "dead-lettered"; attempt: number; reason: string }
  /** Cancelled (before it ran, or while it ran): its message is deleted like a success's. */
  | { messageId: string; jobId: string; status: "cancelled"; attempt: number };

/** A received job's identity: its message, its id, which attempt this is. */
export interface ReceivedJob {
  record: { messageId: string };
  jobId: string;
  attempt: number;
}

export function cancelledOutcome(item: ReceivedJob): RecordOutcome {
  return {
    messageId: item.record.messageId,
    jobId: item.jobId,
    status: "cancelled",
    attempt: item.attempt,
  };
}
