import { Queue, Worker } from "bullmq";
import { startRedis } from "./redis.js";
import {
  type BullmqDrainOptions,
  type BullmqLatencyOptions,
  cpuSince,
  type DrainRun,
  type LatencyRun,
  pause,
} from "./runtime-results.js";
import { nowMs, rate, round, summarize } from "./stats.js";

const QUEUE = "bench";

/** Completed jobs are removed, as offload deletes a message once its job is done. */
const jobOptions = { removeOnComplete: true, removeOnFail: false } as const;

/**
 * BullMQ on a fresh redis-server: jobs added with `addBulk` first, then a Worker with a no-op
 * processor, timed from `worker.run()` to its last `completed` event.
 */
export async function bullmqDrain(options: BullmqDrainOptions): Promise<DrainRun> {
  const redis = await startRedis(options.appendfsync);
  const connection = { host: "127.0.0.1", port: redis.port };
  const queue = new Queue(QUEUE, { connection, defaultJobOptions: jobOptions });
  let worker: Worker | undefined;
  try {
    await queue.waitUntilReady();
    const enqueueStart = nowMs();
    let next = 0;
    const producer = async () => {
      for (let first = next; first < options.jobs; first = next) {
        next += options.bulkSize;
        const count = Math.min(options.bulkSize, options.jobs - first);
        await queue.addBulk(
          Array.from({ length: count }, (_, k) => ({ name: "noop", data: { i: first + k } })),
        );
      }
    };
    await Promise.all(Array.from({ length: options.producers }, producer));
    const enqueueMs = nowMs() - enqueueStart;
    const waiting = await queue.getWaitingCount();
    if (waiting !== options.jobs)
      throw new Error(`bullmq: ${waiting} jobs waiting, not ${options.jobs}`);

    let done = 0;
    let failed = 0;
    let resolveDone: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    worker = new Worker(QUEUE, async () => {}, {
      connection,
      concurrency: options.concurrency,
      autorun: false,
    });
    worker.on("completed", () => {
      if (++done === options.jobs) resolveDone();
    });
    worker.on("failed", () => {
      failed++;
    });
    await worker.waitUntilReady();
    const redisCpuStart = redis.cpuMicros();
    const cpuStart = process.cpuUsage();
    const start = nowMs();
    void worker.run();
    await allDone;
    const drainMs = nowMs() - start;
    const cpuMicros = cpuSince(cpuStart);
    const redisCpuMicros = redis.cpuMicros() - redisCpuStart;
    if (failed > 0) throw new Error(`bullmq: ${failed} jobs failed`);
    return {
      jobs: options.jobs,
      enqueueMs: round(enqueueMs),
      enqueuePerSec: round(rate(options.jobs, enqueueMs)),
      drainMs: round(drainMs),
      drainPerSec: round(rate(options.jobs, drainMs)),
      cpuMicrosPerJob: round(cpuMicros / options.jobs, 2),
      extra: {
        appendfsync: options.appendfsync,
        concurrency: options.concurrency,
        redisCpuMicrosPerJob: round(redisCpuMicros / options.jobs, 2),
      },
    };
  } finally {
    await worker?.close();
    await queue.close();
    await redis.stop();
  }
}

/**
 * Idle latency, the way offload's is measured: the clock read just before `queue.add`, the
 * processor's first act reads it again (same thread here); the next add waits for `completed`
 * and a random pause.
 */
export async function bullmqLatency(options: BullmqLatencyOptions): Promise<LatencyRun> {
  const redis = await startRedis(options.appendfsync);
  const connection = { host: "127.0.0.1", port: redis.port };
  const queue = new Queue(QUEUE, { connection, defaultJobOptions: jobOptions });
  const stamps = new Map<number, bigint>();
  const worker = new Worker(
    QUEUE,
    async (job) => {
      stamps.set((job.data as { i: number }).i, process.hrtime.bigint());
    },
    { connection, concurrency: options.concurrency },
  );
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const latencies: number[] = [];
    for (let i = 0; i < options.warmUp + options.samples; i++) {
      const done = new Promise<void>((resolve) => worker.once("completed", () => resolve()));
      const before = process.hrtime.bigint();
      await queue.add("noop", { i });
      await done;
      const stamp = stamps.get(i);
      if (stamp === undefined) throw new Error(`bullmq sample ${i}: the processor did not run`);
      if (i >= options.warmUp) latencies.push(Number(stamp - before) / 1e6);
      await pause(Math.random() * options.maxPauseMs);
    }
    return {
      samples: latencies.length,
      latency: summarize(latencies),
      extra: { appendfsync: options.appendfsync, concurrency: options.concurrency },
    };
  } finally {
    await worker.close();
    await queue.close();
    await redis.stop();
  }
}
