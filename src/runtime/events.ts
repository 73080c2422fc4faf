import type { AttemptEnd, JobProgress } from "../core/job-status.js";
import type { ErrorInfo } from "../lambda/error-info.js";

/**
 * What the runtime tells the job records (the engine's `engine.jobs`), and hears from them:
 * failed attempts (receives, deletes and DLQ moves record themselves), progress, and cancels
 * of running jobs, which it passes to the job's workers.
 */
export interface RuntimeJobRecords {
  ended(ends: readonly AttemptEnd[]): Promise<void>;
  progress(jobId: string, progress: JobProgress): Promise<void>;
  onCancelRequested(listener: (jobId: string) => void): () => void;
}

/** Events a runtime emits (for tests, logs and the dashboard). */
export interface RuntimeEvents {
  /** A batch was handed to its worker. */
  "batch:start": [{ jobName: string; jobIds: string[]; messageIds: string[] }];
  /** A job's handler resolved; its message is deleted. */
  "job:done": [
    { jobName: string; jobId: string; messageId: string; attempt: number; durationMs: number },
  ];
  /**
   * A job failed and stays in its queue; it is tried again after its retry delay,
   * or moved to the DLQ on its next receive when `final` (no attempts left).
   */
  "job:failed": [
    {
      jobName: string;
      jobId: string;
      messageId: string;
      attempt: number;
      error: ErrorInfo;
      retryAfterSeconds: number | undefined;
      final: boolean;
    },
  ];
  /** A job went to its DLQ at once: Unrecoverable, or a payload that can never succeed. */
  "job:dlq": [
    { jobName: string; jobId: string; messageId: string; attempt: number; reason: string },
  ];
  /** A job was cancelled (before its handler ran, or while it ran); its message is deleted. */
  "job:cancelled": [{ jobName: string; jobId: string; messageId: string; attempt: number }];
  /** A job's DLQ alarm changed state. */
  alarm: [AlarmEvent];
}

export interface AlarmEvent {
  jobName: string;
  state: "ALARM" | "OK";
  previousState: "ALARM" | "OK";
  reason: string;
  dlq: { visible: number; oldestMessageAgeSeconds: number };
  timestamp: string;
}
