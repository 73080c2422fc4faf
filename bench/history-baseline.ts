/**
 * The drain with job history on and off against a baseline tree (a checkout of an older commit,
 * e.g. the one before job ids, with its own node_modules and bench/node_modules): `BENCH_BASE=
 * /tmp/pre-ids tsx bench/history-baseline.ts [jobs] [rounds]`. Each round runs the three
 * drains in turn (rotated), each in a process of its own through its tree's own
 * bench/runtime-case.ts (same Node flags, same BENCH_CONCURRENCY), and prints the drain rates,
 * the main thread's CPU µs per job and the load average; then per-round ratios with medians
 * and ranges. BENCH_TREE=path runs the on/off drains from another tree. BENCH_PROF=dir adds `--cpu-prof --cpu-prof-dir=dir` to every child.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { DrainRun } from "./lib/runtime-results.js";
import { round } from "./lib/stats.js";

const JOBS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BASE = process.env.BENCH_BASE;
if (BASE === undefined) throw new Error("BENCH_BASE: the path of the baseline tree is missing");
/** The tree whose drains run with history on and off: this one unless BENCH_TREE says. */
const here = resolve(process.env.BENCH_TREE ?? join(import.meta.dirname, ".."));
const PROF = process.env.BENCH_PROF;

interface Contender {
  name: string;
  root: string;
  options: Record<string, unknown>;
}
const common = { jobs: JOBS, senders: 64, sendBatchSample: 100 };
const contenders: Contender[] = [
  { name: "base", root: resolve(BASE), options: common },
  { name: "off", root: here, options: { ...common, jobHistory: false } },
  { name: "on", root: here, options: { ...common, jobHistory: true } },
];

function runCase(c: Contender): Promise<DrainRun> {
  const json = JSON.stringify({ kind: "drain-offload", concurrency: 4, options: c.options });
  const flags = PROF ? ["--cpu-prof", `--cpu-prof-dir=${join(PROF, c.name)}`] : [];
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [...flags, "--import", "tsx", join(c.root, "bench/runtime-case.ts"), json],
      {
        cwd: c.root,
        env: { ...process.env, BENCH_CONCURRENCY: "4" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0
        ? ok(JSON.parse(out.trim().split("\n").pop() ?? "") as DrainRun)
        : fail(new Error(`${c.name} ended with code ${code}`)),
    );
  });
}

const results: Record<string, DrainRun[]> = { base: [], off: [], on: [] };
const loads: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = [...contenders.slice(r % 3), ...contenders.slice(0, r % 3)];
  for (const c of order) {
    const load = loadavg()[0]!;
    loads.push(load);
    const run = await runCase(c);
    results[c.name]!.push(run);
    console.log(
      `round ${r + 1} ${c.name.padEnd(4)} load ${load.toFixed(2)}: drain ${run.drainPerSec} jobs/s, ` +
        `main thread ${run.extra.mainThreadCpuMicrosPerJob} µs/job, process ${run.cpuMicrosPerJob}, ` +
        `enqueue ${run.enqueuePerSec}/s`,
    );
  }
}

const spread = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${round(s[Math.floor(s.length / 2)]!, 3)} (${round(s[0]!, 3)} to ${round(s.at(-1)!, 3)})`;
};
const per = (name: string, f: (r: DrainRun) => number) => results[name]!.map(f);
const rate = (r: DrainRun) => r.drainPerSec;
const main = (r: DrainRun) => Number(r.extra.mainThreadCpuMicrosPerJob);
const ratio = (a: string, b: string, f: (r: DrainRun) => number) =>
  results[a]!.map((x, i) => f(x) / f(results[b]![i]!));
console.log(`\n${JOBS} jobs, ${ROUNDS} rounds, load ${spread(loads)}`);
for (const name of ["base", "off", "on"])
  console.log(
    `${name}: drain ${spread(per(name, rate))} jobs/s, main thread ${spread(per(name, main))} µs/job`,
  );
console.log(`drain off / base ${spread(ratio("off", "base", rate))}`);
console.log(`drain on / base ${spread(ratio("on", "base", rate))}`);
console.log(`drain on / off ${spread(ratio("on", "off", rate))}`);
console.log(
  `main µs/job off − base ${spread(per("off", main).map((x, i) => x - main(results.base![i]!)))}`,
);
console.log(
  `main µs/job on − base ${spread(per("on", main).map((x, i) => x - main(results.base![i]!)))}`,
);
console.log(
  `main µs/job on − off ${spread(per("on", main).map((x, i) => x - main(results.off![i]!)))}`,
);
