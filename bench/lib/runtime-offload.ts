import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "../../src/core/client.js";
import { newJobId } from "../../src/core/job-id.js";
import type { Logger } from "../../src/core/logger.js";
import type { Transport } from "../../src/core/transport.js";
import { createEngine } from "../../src/engine/index.js";
import { createEngineTransport, loadJobs, startRuntime } from "../../src/runtime/index.js";
import { mainThreadCpuMicros } from "./runtime-proc.js";
import {
  cpuSince,
  type DrainRun,
  type LatencyOptions,
  type LatencyRun,
  pause,
} from "./runtime-results.js";
import { nowMs, percentile, rate, round, summarize, tempDir } from "./stats.js";

const jobsRoot = join(dirname(fileURLToPath(import.meta.url)), "../jobs");
const idle = () => {};

export interface OffloadDrainOptions {
  jobs: number;
  /** `transport.send` calls in flight at once during the pre-fill (they share group commits). */
  senders: number;
  /** Jobs sent with one `createClient().sendBatch` after the drain, to time that path too. */
  sendBatchSample: number;
  /** The engine's `jobHistory` option: whether each job's status and history is recorded. */
  jobHistory: boolean;
}

/**
 * The engine on a temp file (durability "full", job history as `options.jobHistory` says), the
 * runtime on `bench/jobs/drain` (one no-op job). The queue is pre-filled through
 * `transport.send` — SNS publish → filter policy → SQS, the path `createClient().send` takes —
 * `senders` at a time; then the runtime starts, and the drain is timed from its start (first
 * worker warm) to the last `job:done`.
 */
export async function offloadDrain(options: OffloadDrainOptions): Promise<DrainRun> {
  const dir = tempDir("offload-bench-runtime-");
  const engine = createEngine({
    path: join(dir.path, "engine.db"),
    sweepIntervalMs: 3_600_000,
    jobHistory: options.jobHistory,
  });
  try {
    const jobs = await loadJobs(join(jobsRoot, "drain"));
    const job = jobs[0]!;
    const transport = await createEngineTransport(engine, jobs);

    const enqueueStart = nowMs();
    await sendAll(transport, job.name, options.jobs, options.senders);
    const enqueueMs = nowMs() - enqueueStart;

    let done = 0;
    let resolveDone = idle;
    const allDone = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const warmStart = nowMs();
    const runtime = await startRuntime({ jobs, transport });
    // startRuntime resolves once a worker is warm; its pollers' first receive has not run yet.
    const commitsBefore = engine.commitStats();
    const mainCpuStart = mainThreadCpuMicros();
    const cpuStart = process.cpuUsage();
    const start = nowMs();
    runtime.on("job:done", () => {
      if (++done === options.jobs) resolveDone();
    });
    await allDone;
    const drainMs = nowMs() - start;
    const cpuMicros = cpuSince(cpuStart);
    const mainCpuMicros = mainThreadCpuMicros() - mainCpuStart;
    const commits = engine.commitStats();
    await runtime.stop();
    const left = await transport.stats(job.name);
    if (left.visible + left.inFlight + left.delayed + left.dlq.visible > 0)
      throw new Error(`offload: jobs left after the drain: ${JSON.stringify(left)}`);

    const client = createClient({ transport });
    const payloads = Array.from({ length: options.sendBatchSample }, (_, i) => ({ i }));
    const sampleStart = nowMs();
    await client.sendBatch(job.name, payloads);
    const sampleMs = nowMs() - sampleStart;

    const drainCommits = commits.groups - commitsBefore.groups;
    return {
      jobs: options.jobs,
      enqueueMs: round(enqueueMs),
      enqueuePerSec: round(rate(options.jobs, enqueueMs)),
      drainMs: round(drainMs),
      drainPerSec: round(rate(options.jobs, drainMs)),
      cpuMicrosPerJob: round(cpuMicros / options.jobs, 2),
      extra: {
        concurrency: job.definition.options.concurrency,
        batchSize: job.definition.options.batchSize,
        jobHistory: options.jobHistory,
        warmUpMs: round(start - warmStart),
        mainThreadCpuMicrosPerJob: round(mainCpuMicros / options.jobs, 2),
        drainCommits,
        drainOpsPerCommit: round((commits.ops - commitsBefore.ops) / Math.max(1, drainCommits), 2),
        clientSendBatchPerSec: round(rate(options.sendBatchSample, sampleMs)),
      },
    };
  } finally {
    await engine.close();
    dir.remove();
  }
}

async function sendAll(transport: Transport, jobName: string, count: number, senders: number) {
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < count; i = next++) {
      await transport.send({ jobId: newJobId(Date.now()), jobName, body: JSON.stringify({ i }) });
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
}

interface Stamp {
  monoNs: bigint;
  wallMs: number;
  timeOrigin: number;
}

/**
 * Idle send → handler start, one job at a time through `createClient().send` on an engine on
 * a temp file (durability "full") and the runtime on `bench/jobs/latency`. The clock is read
 * just before the call; the handler's first act reads it again and logs the reading, which
 * the runtime forwards to this logger. The next send waits for the job's `job:done` (queue
 * empty again, the worker idle) and a random pause.
 */
export async function offloadLatency(options: LatencyOptions): Promise<LatencyRun> {
  const dir = tempDir("offload-bench-latency-");
  const engine = createEngine({ path: join(dir.path, "engine.db"), sweepIntervalMs: 3_600_000 });
  const stamps = new Map<number, Stamp>();
  const log = (fields: Record<string, unknown> | string) => {
    if (typeof fields === "string" || typeof fields.sample !== "number") return;
    stamps.set(fields.sample, {
      monoNs: BigInt(fields.monoNs as string),
      wallMs: fields.wallMs as number,
      timeOrigin: fields.timeOrigin as number,
    });
  };
  const logger: Logger = { debug: idle, info: log, warn: idle, error: idle };
  try {
    const jobs = await loadJobs(join(jobsRoot, "latency"));
    const job = jobs[0]!;
    const transport = await createEngineTransport(engine, jobs);
    const runtime = await startRuntime({ jobs, transport, logger });
    const client = createClient({ transport });
    const latencies: number[] = [];
    const clockDiffs: number[] = [];
    let originsEqual = true;
    try {
      for (let i = 0; i < options.warmUp + options.samples; i++) {
        const done = new Promise<void>((resolve) => runtime.once("job:done", () => resolve()));
        const monoBefore = process.hrtime.bigint();
        const wallBefore = performance.timeOrigin + performance.now();
        await client.send(job.name, { i });
        await done;
        const stamp = stamps.get(i);
        if (!stamp) throw new Error(`offload sample ${i}: the handler's reading did not arrive`);
        if (i >= options.warmUp) {
          const ms = Number(stamp.monoNs - monoBefore) / 1e6;
          latencies.push(ms);
          clockDiffs.push(Math.abs(stamp.wallMs - wallBefore - ms));
          originsEqual &&= stamp.timeOrigin === performance.timeOrigin;
        }
        await pause(Math.random() * options.maxPauseMs);
      }
    } finally {
      await runtime.stop();
    }
    return {
      samples: latencies.length,
      latency: summarize(latencies),
      extra: {
        concurrency: job.definition.options.concurrency,
        workerTimeOriginEqualsMain: originsEqual,
        clockDiffP50Ms: round(percentile(clockDiffs, 50), 4),
        clockDiffMaxMs: round(Math.max(...clockDiffs), 4),
      },
    };
  } finally {
    await engine.close();
    dir.remove();
  }
}
