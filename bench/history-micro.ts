/**
 * The engine's receive + delete paths alone, with job history on and off: a file database
 * (durability "full") pre-filled with `jobs` jobs of one tracked job queue, then drained by 4
 * loops of receiveMessages(10) + deleteMessages in this thread. Prints the drain's CPU µs per
 * job (this process is one thread: the engine's work only). `tsx bench/history-micro.ts [jobs]
 * [rounds]`, rounds alternating on and off.
 */
import { join } from "node:path";
import { newJobId } from "../src/core/job-id.js";
import { createEngine } from "../src/engine/index.js";
import { createEngineTransport, loadJobs } from "../src/runtime/index.js";
import { cpuSince } from "./lib/runtime-results.js";
import { tempDir } from "./lib/stats.js";

const JOBS = Number(process.argv[2] ?? 30_000);
const ROUNDS = Number(process.argv[3] ?? 3);
/** `on` or `off` runs only that side (for a CPU profile of it). */
const ONLY = process.argv[4];

async function once(jobHistory: boolean): Promise<number> {
  const dir = tempDir("offload-history-micro-");
  const engine = createEngine({
    path: join(dir.path, "engine.db"),
    sweepIntervalMs: 3_600_000,
    jobHistory,
  });
  try {
    const jobs = await loadJobs(join(import.meta.dirname, "jobs/drain"));
    const job = jobs[0]!;
    const transport = await createEngineTransport(engine, jobs);
    let next = 0;
    const sender = async () => {
      for (let i = next++; i < JOBS; i = next++)
        await transport.send({
          jobId: newJobId(Date.now()),
          jobName: job.name,
          body: JSON.stringify({ i }),
        });
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    const cpu = process.cpuUsage();
    let done = 0;
    const consumer = async () => {
      while (done < JOBS) {
        const messages = await transport.receive(job.name, { maxMessages: 10, waitTimeSeconds: 0 });
        if (messages.length === 0) break;
        await transport.deleteMessages(
          job.name,
          messages.map((m) => m.receiptHandle),
        );
        done += messages.length;
      }
    };
    await Promise.all(Array.from({ length: 4 }, consumer));
    return cpuSince(cpu) / JOBS;
  } finally {
    await engine.close();
    dir.remove();
  }
}

const on: number[] = [];
const off: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (ONLY !== "off") on.push(await once(true));
  if (ONLY !== "on") off.push(await once(false));
  console.log(`round ${r + 1}: on ${on.at(-1)?.toFixed(2)} µs/job, off ${off.at(-1)?.toFixed(2)}`);
}
if (ONLY) process.exit(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `median on ${median(on).toFixed(2)}, off ${median(off).toFixed(2)}, extra ${(median(on) - median(off)).toFixed(2)} µs/job`,
);
