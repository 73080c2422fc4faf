import type Database from "better-sqlite3";
import type { Clock } from "../core/clock.js";
import type { Committer } from "./committer.js";
import type { JobHooks } from "./jobs/hooks.js";
import type { Location } from "./location.js";
import type { LongPoll } from "./sqs/long-poll.js";
import type { QueueStore } from "./sqs/queue-store.js";
import type { Statements } from "./statements.js";

/** What the engine's parts share: one database, one committer, one clock. */
export interface EngineContext {
  readonly db: Database.Database;
  readonly stmts: Statements;
  readonly committer: Committer;
  readonly clock: Clock;
  readonly loc: Location;
  /** SenderId of every message sent through this engine. */
  readonly senderId: string;
  readonly queues: QueueStore;
  readonly longPoll: LongPoll;
  /** The job records' side of message changes (see jobs/hooks.ts). */
  readonly jobs: JobHooks;
}
