/**
 * The engine's receive + delete drain of one tree, alone: `tsx bench/history-tree.ts <tree>
 * <base|off|on> [jobs] [profile.cpuprofile]`, where `tree` is a checkout (this one, or an older
 * commit's with its node_modules linked) whose src is imported; `base` runs it without the
 * jobHistory option and sends without job ids (the code before them), `off`/`on` set
 * jobHistory. A file database (durability "full") pre-filled with `jobs` jobs through
 * `transport.send`, drained by 4 loops of receive 10 + delete in this thread; prints the
 * drain's CPU µs per job as JSON, and with a fourth argument writes a CPU profile of the drain
 * alone (100 µs sampling). Run it from the tree's own folder, once per contender, in turn.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [treeArg, mode, jobsArg, out] = process.argv.slice(2);
if (treeArg === undefined || !["base", "off", "on"].includes(mode ?? "")) {
  throw new Error("usage: history-tree.ts <tree> <base|off|on> [jobs] [profile]");
}
const tree = resolve(treeArg);
const JOBS = Number(jobsArg ?? 30_000);
const { createEngine } = await import(join(tree, "src/engine/index.ts"));
const { createEngineTransport, loadJobs } = await import(join(tree, "src/runtime/index.ts"));
const newJobId: ((now: number) => string) | undefined =
  mode === "base" ? undefined : (await import(join(tree, "src/core/job-id.ts"))).newJobId;
const dir = mkdtempSync(join(tmpdir(), "offload-history-tree-"));
const engine = createEngine({
  path: join(dir, "engine.db"),
  sweepIntervalMs: 3_600_000,
  ...(mode === "base" ? {} : { jobHistory: mode === "on" }),
});
try {
  const jobs = await loadJobs(join(tree, "bench/jobs/drain"));
  const job = jobs[0];
  const transport = await createEngineTransport(engine, jobs);
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < JOBS; i = next++)
      await transport.send({
        ...(newJobId ? { jobId: newJobId(Date.now()) } : {}),
        jobName: job.name,
        body: JSON.stringify({ i }),
      });
  };
  await Promise.all(Array.from({ length: 16 }, sender));
  const session = new Session();
  if (out) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
  }
  const cpu = process.cpuUsage();
  let done = 0;
  const consumer = async () => {
    while (done < JOBS) {
      const messages: Array<{ receiptHandle: string }> = await transport.receive(job.name, {
        maxMessages: 10,
        waitTimeSeconds: 0,
      });
      if (messages.length === 0) break;
      await transport.deleteMessages(
        job.name,
        messages.map((m) => m.receiptHandle),
      );
      done += messages.length;
    }
  };
  await Promise.all(Array.from({ length: 4 }, consumer));
  const used = process.cpuUsage(cpu);
  if (out) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(out, JSON.stringify(profile));
  }
  console.log(
    JSON.stringify({ mode, jobs: JOBS, cpuMicrosPerJob: (used.user + used.system) / JOBS }),
  );
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
