/**
 * Idempotent handlers: a job with the `idempotency` option keeps its handler's result under a
 * key (by default the job's id) and, when the same key comes again (SQS delivers a message at
 * least once; a second job may carry the same key), answers with that result without running
 * the handler. While an attempt runs, the key is held until the attempt's deadline, so a
 * duplicate running at the same time is retried rather than run twice, and an attempt that
 * crashed does not hold the key for good. Locally the engine's SQLite file keeps the keys; on
 * AWS the stack's job table.
 */

/** What {@link IdempotencyStore.claim} found. */
export type IdempotencyClaim =
  /** The key was free (or its record expired): this attempt holds it now, and runs. */
  | { status: "claimed" }
  /** An earlier run with this key succeeded: its result (undefined when it kept none). */
  | { status: "done"; jobId: string; result: unknown }
  /** Another attempt holds the key for up to `heldForMs` more: this one must not run now. */
  | { status: "in-progress"; jobId: string; heldForMs: number };

/** One key of one job. */
export interface IdempotencyRef {
  jobName: string;
  key: string;
  /** The job claiming, completing or releasing it. */
  jobId: string;
}

/**
 * Where idempotent handlers keep their keys. Durations, not times: the store's own clock
 * dates the records, so every writer of one store agrees on when a record expires.
 */
export interface IdempotencyStore {
  /** Holds the key for `holdMs` unless a live record has it (see {@link IdempotencyClaim}). */
  claim(ref: IdempotencyRef, holdMs: number): Promise<IdempotencyClaim>;
  /**
   * Records the handler's success with its result (`resultJson`: its JSON text, or undefined
   * when there is none to keep), kept for `ttlMs`.
   */
  complete(ref: IdempotencyRef, resultJson: string | undefined, ttlMs: number): Promise<void>;
  /** Frees a key this job holds (its attempt failed): the next attempt may claim it at once. */
  release(ref: IdempotencyRef): Promise<void>;
}

/** The longest idempotency key, in characters (a DynamoDB key holds 2,048 bytes with its prefix). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 512;

/**
 * The largest result kept, as JSON text (the engine's and the job table's cap): a larger
 * one is neither kept with the job's record nor returned to a duplicate.
 */
export const MAX_RESULT_JSON_CHARS = 16 * 1024;
