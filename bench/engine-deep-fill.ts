/**
 * The memory of a process holding a deep queue. Fills a queue with `count` small messages, then
 * serves it for a while (receive → delete → send, durable), and reports RSS after each step, with
 * a GC first when run with --expose-gc (bench/engine.ts does). Prints one JSON line.
 *
 * The fill uses `durability: "relaxed"` (no fsync per commit) so a million messages go in within
 * seconds; serving reopens the file with the default, "full".
 *
 * Usage: node --expose-gc --import tsx bench/engine-deep-fill.ts <count> <dbPath>
 */
import { statSync } from "node:fs";
import { createEngine } from "../src/engine/index.js";
import { cycle, DEEP_QUEUE_NAME } from "./lib/deep-cycle.js";
import { nowMs, rate, round } from "./lib/stats.js";

const PRODUCERS = 64;
const SERVE_CYCLES = 1000;

export interface DeepFillResult {
  queued: number;
  fillMs: number;
  fillPerSec: number;
  fileMB: number;
  gcAvailable: boolean;
  /** After the fill and a GC, the filling engine still open. */
  rssAfterFillMB: number;
  heapUsedAfterFillMB: number;
  /** Reopened durable, after SERVE_CYCLES receive → delete → send cycles and a GC. */
  rssAfterServeMB: number;
  /** Peak RSS of the process (getrusage maxrss), fill included. */
  maxRssMB: number;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
const gc = (globalThis as { gc?: () => void }).gc;

function memoryAfterGc(): NodeJS.MemoryUsage {
  gc?.();
  gc?.();
  return process.memoryUsage();
}

const count = Number(process.argv[2]);
const path = process.argv[3];
if (!Number.isInteger(count) || count < 1 || !path) {
  throw new Error("usage: engine-deep-fill.ts <count> <dbPath>");
}

const filler = createEngine({ path, durability: "relaxed", sweepIntervalMs: 3_600_000 });
let fillMs: number;
let afterFill: NodeJS.MemoryUsage;
try {
  const { QueueUrl } = await filler.sqs.createQueue({ QueueName: DEEP_QUEUE_NAME });
  const batches = Math.ceil(count / 10);
  let next = 0;
  const start = nowMs();
  const produce = async () => {
    for (let b = next++; b < batches; b = next++) {
      const Entries = Array.from({ length: Math.min(10, count - b * 10) }, (_, i) => ({
        Id: String(i),
        MessageBody: `{"i":${b * 10 + i}}`,
      }));
      const { Failed } = await filler.sqs.sendMessageBatch({ QueueUrl, Entries });
      if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed[0])}`);
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, produce));
  fillMs = nowMs() - start;
  const stats = await filler.queueStats(QueueUrl);
  if (stats.visible !== count) throw new Error(`expected ${count} visible, got ${stats.visible}`);
  afterFill = memoryAfterGc();
} finally {
  await filler.close();
}
const fileBytes =
  statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);

const server = createEngine({ path, sweepIntervalMs: 3_600_000 });
let afterServe: NodeJS.MemoryUsage;
try {
  const { QueueUrl } = await server.sqs.getQueueUrl({ QueueName: DEEP_QUEUE_NAME });
  for (let i = 0; i < SERVE_CYCLES; i++) await cycle(server, QueueUrl, i);
  afterServe = memoryAfterGc();
} finally {
  await server.close();
}

const result: DeepFillResult = {
  queued: count,
  fillMs: round(fillMs),
  fillPerSec: round(rate(count, fillMs)),
  fileMB: mb(fileBytes),
  gcAvailable: gc !== undefined,
  rssAfterFillMB: mb(afterFill.rss),
  heapUsedAfterFillMB: mb(afterFill.heapUsed),
  rssAfterServeMB: mb(afterServe.rss),
  maxRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
