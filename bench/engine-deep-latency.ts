/**
 * Receive latency against queue depth. Opens two databases filled by engine-deep-fill.ts (say
 * 1,000 and 1,000,000 messages) in one process and times single receive → delete → send cycles
 * on them interleaved, call by call, so the noise of a shared machine lands on both alike.
 * Runs once durable ("full", the default) and once "relaxed" (the query cost without fsync).
 * Prints one JSON line.
 *
 * Usage: node --import tsx bench/engine-deep-latency.ts <dbPath>...
 */
import { createEngine, type Durability } from "../src/engine/index.js";
import { type CycleTimes, cycle, DEEP_QUEUE_NAME } from "./lib/deep-cycle.js";
import { type LatencySummary, summarize } from "./lib/stats.js";

const WARMUP = 50;
/** p99 of 1,000 is the 10th worst: steadier than the 2nd worst of 200. */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);

export type CycleLatency = Record<keyof CycleTimes, LatencySummary>;
/** Per durability, per database path given, in order. */
export type DeepLatencyResult = Record<Durability, CycleLatency[]>;

async function measure(paths: string[], durability: Durability): Promise<CycleLatency[]> {
  const engines = paths.map((path) =>
    createEngine({ path, durability, sweepIntervalMs: 3_600_000 }),
  );
  try {
    const urls = await Promise.all(
      engines.map(async (e) => (await e.sqs.getQueueUrl({ QueueName: DEEP_QUEUE_NAME })).QueueUrl),
    );
    const samples = engines.map(() => ({
      receive: [] as number[],
      delete: [] as number[],
      send: [] as number[],
    }));
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Alternate which goes first, so neither always follows the other's fsync.
      for (let k = 0; k < engines.length; k++) {
        const j = (i + k) % engines.length;
        const times = await cycle(engines[j]!, urls[j]!, i);
        if (i < WARMUP) continue;
        const s = samples[j]!;
        s.receive.push(times.receive);
        s.delete.push(times.delete);
        s.send.push(times.send);
      }
    }
    return samples.map((s) => ({
      receive: summarize(s.receive),
      delete: summarize(s.delete),
      send: summarize(s.send),
    }));
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
}

const paths = process.argv.slice(2);
if (paths.length === 0) throw new Error("usage: engine-deep-latency.ts <dbPath>...");
const result: DeepLatencyResult = {
  full: await measure(paths, "full"),
  relaxed: await measure(paths, "relaxed"),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
