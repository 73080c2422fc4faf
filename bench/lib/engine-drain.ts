import { join } from "node:path";
import { createEngine } from "../../src/engine/index.js";
import { nowMs, rate, round, tempDir } from "./stats.js";

export interface DrainOptions {
  messages: number;
  /** Concurrent sendMessageBatch loops during the fill. */
  producers: number;
  /** Concurrent receive + deleteMessageBatch loops during the drain. */
  consumers: number;
}

/** Throughput of one fill-then-drain run; shared by the engine and the bare-SQLite ceiling. */
export interface DrainResult {
  messages: number;
  fillMs: number;
  drainMs: number;
  sendPerSec: number;
  drainPerSec: number;
  endToEndPerSec: number;
  /** CPU time (user + system) of the process per message, fill and drain together. */
  cpuMicrosPerMessage: number;
  /** Operations (API calls or their bare equivalents) per SQLite transaction. */
  fillOpsPerCommit: number;
  drainOpsPerCommit: number;
}

export const body = (i: number) => JSON.stringify({ job: "noop", i });

/** Operations and the transactions that carried them, over one phase. */
export interface CommitCounts {
  ops: number;
  commits: number;
}

/** CPU microseconds (user + system) used by this process since `start`. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

export function drainResult(
  messages: number,
  fillMs: number,
  drainMs: number,
  cpuMicros: number,
  fill: CommitCounts,
  drain: CommitCounts,
): DrainResult {
  return {
    messages,
    fillMs: round(fillMs),
    drainMs: round(drainMs),
    sendPerSec: round(rate(messages, fillMs)),
    drainPerSec: round(rate(messages, drainMs)),
    endToEndPerSec: round(rate(messages, fillMs + drainMs)),
    cpuMicrosPerMessage: round(cpuMicros / messages, 2),
    fillOpsPerCommit: round(fill.ops / Math.max(1, fill.commits), 2),
    drainOpsPerCommit: round(drain.ops / Math.max(1, drain.commits), 2),
  };
}

/**
 * The engine, durable (default `durability: "full"`): fill with sendMessageBatch of 10 from
 * `producers` loops, then drain with `consumers` loops of receiveMessage(10) + deleteMessageBatch.
 * Loops run concurrently in one process, so their calls share group commits.
 */
export async function engineDrain(options: DrainOptions): Promise<DrainResult> {
  const dir = tempDir("offload-bench-engine-");
  const engine = createEngine({ path: join(dir.path, "engine.db"), sweepIntervalMs: 3_600_000 });
  try {
    const { QueueUrl } = await engine.sqs.createQueue({ QueueName: "drain" });
    const batches = Math.ceil(options.messages / 10);
    let nextBatch = 0;
    // The engine's own group-commit counters: ops / groups is how many calls shared a commit.
    let mark = engine.commitStats();
    const take = (): CommitCounts => {
      const now = engine.commitStats();
      const counts = { ops: now.ops - mark.ops, commits: now.groups - mark.groups };
      mark = now;
      return counts;
    };

    const cpuStart = process.cpuUsage();
    const fillStart = nowMs();
    const produce = async () => {
      for (let b = nextBatch++; b < batches; b = nextBatch++) {
        const first = b * 10;
        const count = Math.min(10, options.messages - first);
        const Entries = Array.from({ length: count }, (_, i) => ({
          Id: String(i),
          MessageBody: body(first + i),
        }));
        const { Failed } = await engine.sqs.sendMessageBatch({ QueueUrl, Entries });
        if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed[0])}`);
      }
    };
    await Promise.all(Array.from({ length: options.producers }, produce));
    const fillMs = nowMs() - fillStart;
    const fill = take();

    let deleted = 0;
    const drainStart = nowMs();
    const consume = async () => {
      for (;;) {
        const { Messages = [] } = await engine.sqs.receiveMessage({
          QueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
        });
        // Nothing visible: the rest is held by other consumers, who delete it.
        if (Messages.length === 0) return;
        const { Successful, Failed } = await engine.sqs.deleteMessageBatch({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        });
        if (Failed.length > 0) throw new Error(`delete failed: ${JSON.stringify(Failed[0])}`);
        deleted += Successful.length;
      }
    };
    await Promise.all(Array.from({ length: options.consumers }, consume));
    const drainMs = nowMs() - drainStart;
    const cpuMicros = cpuSince(cpuStart);
    const drain = take();
    if (deleted !== options.messages) {
      throw new Error(`drained ${deleted} of ${options.messages} messages`);
    }
    return drainResult(options.messages, fillMs, drainMs, cpuMicros, fill, drain);
  } finally {
    await engine.close();
    dir.remove();
  }
}
