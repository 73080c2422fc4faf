import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type OffloadDrainOptions, offloadDrain, offloadLatency } from "./runtime-offload.js";
import type {
  BullmqDrainOptions,
  BullmqLatencyOptions,
  DrainRun,
  LatencyOptions,
  LatencyRun,
  PlainjobDrainOptions,
} from "./runtime-results.js";

/**
 * The peers' cases load their libraries, which live in bench/node_modules
 * (installed by the bench, not part of the project's dependencies); a
 * computed specifier keeps the project's typecheck from following them.
 */
const peer = (name: "bullmq" | "plainjob") => import(`./runtime-${name}.js`);

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One measurement, run in a process of its own. */
export type BenchCase =
  | { kind: "drain-offload"; concurrency: number; options: OffloadDrainOptions }
  | { kind: "drain-bullmq"; options: BullmqDrainOptions }
  | { kind: "drain-plainjob"; options: PlainjobDrainOptions }
  | { kind: "latency-offload"; concurrency: number; options: LatencyOptions }
  | { kind: "latency-bullmq"; options: BullmqLatencyOptions };

type ResultOf<C extends BenchCase> = C["kind"] extends `drain-${string}` ? DrainRun : LatencyRun;

/** Runs a case in this process (what `bench/runtime-case.ts` does in the child). */
export function runHere(c: BenchCase): Promise<DrainRun | LatencyRun> {
  switch (c.kind) {
    case "drain-offload":
      return offloadDrain(c.options);
    case "drain-bullmq":
      return peer("bullmq").then((m) => m.bullmqDrain(c.options));
    case "drain-plainjob":
      return peer("plainjob").then((m) => m.plainjobDrain(c.options));
    case "latency-offload":
      return offloadLatency(c.options);
    case "latency-bullmq":
      return peer("bullmq").then((m) => m.bullmqLatency(c.options));
  }
}

/**
 * Runs a case in a fresh process, so no system inherits another's heap, threads, timers or
 * connections, and parses the JSON line it prints. The offload job files read their
 * concurrency from BENCH_CONCURRENCY, set here for the child and its worker threads.
 */
export function runInChild<C extends BenchCase>(c: C): Promise<ResultOf<C>> {
  const env = { ...process.env };
  if ("concurrency" in c) env.BENCH_CONCURRENCY = String(c.concurrency);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/runtime-case.ts"), JSON.stringify(c)],
      { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${c.kind} ended with code ${code} signal ${signal}`));
        return;
      }
      resolvePromise(JSON.parse(out.trim().split("\n").pop() ?? "") as ResultOf<C>);
    });
  });
}
