import type { RecordOutcome } from "../../lambda/sqs-handler.js";
import type { SQSEvent } from "../../lambda/sqs-types.js";

/** What the worker is started with. */
export interface WorkerData {
  /** The TypeScript or JavaScript module the bootstrap imports. */
  entry: string;
  jobFile: string;
  jobName: string;
}

/** Main thread → worker. */
export type ToWorker = { type: "run"; id: number; event: SQSEvent; remainingMs: number };

/** Worker → main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "load-error"; message: string }
  | {
      type: "result";
      id: number;
      outcomes: RecordOutcome[];
      retries: Array<[messageId: string, seconds: number]>;
      deadLetters: Array<[messageId: string, reason: string]>;
    }
  | {
      type: "batch-error";
      id: number;
      error: { name: string; message: string; code: string | undefined };
    }
  | {
      type: "log";
      level: "debug" | "info" | "warn" | "error";
      fields: Record<string, unknown>;
      message: string | undefined;
    };
