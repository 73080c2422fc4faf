/**
 * `npm run bench:runtime`: the local runtime (engine + pollers + worker threads) against
 * BullMQ on Redis and plainjob on SQLite.
 *
 * (1) Drain 100,000 pre-filled no-op jobs, durable; jobs/s from the start of processing to
 *     the last job done. offload: engine on a temp file (durability "full": WAL, synchronous
 *     FULL), the runtime with one no-op job, batchSize 10, BENCH_CONCURRENCY batches at once
 *     (default 4: one worker thread each); pre-filled through `transport.send`. BullMQ: a
 *     fresh redis-server (AOF on, appendfsync everysec — BullMQ's usual durable setup — and
 *     appendfsync always, which is what fsync-per-commit durability costs Redis), `addBulk`,
 *     a Worker with concurrency 50. plainjob: better-sqlite3, WAL + synchronous FULL set after
 *     plainjob's own NORMAL, and NORMAL (plainjob's default) for reference, one worker.
 *     Targets: offload ≥ 2× BullMQ (everysec), offload > plainjob (FULL). offload runs twice
 *     each round: with job history (the default) and without (`jobHistory: false`), and each
 *     round's history on / off ratio comes from its own pair of runs (target ≥ 0.90: at most
 *     10 % slower), reported as the median round with the range.
 * (2) Idle latency, send → handler start, one job at a time with a random pause; offload
 *     (durability "full") and BullMQ (both fsync settings). Targets: offload p50 ≤ 1 ms,
 *     p99 ≤ 5 ms.
 *
 * Every case runs in a process of its own; BENCH_RUNS (default 3) rounds run every case in
 * turn, the order rotated each round, and each case's best round is kept (the machine may be
 * shared and noisy): drains by jobs/s, latencies by p99. Writes bench/results/runtime.json and
 * prints tables. BENCH_ONLY=history runs only the two offload drains (history on and off),
 * writes bench/results/runtime-history.json, and prints their table.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchDir, ensurePeers } from "./lib/peers.js";
import { ensureRedisServer, redisSettings } from "./lib/redis.js";
import { runInChild } from "./lib/runtime-cases.js";
import type { DrainRun, LatencyRun } from "./lib/runtime-results.js";
import { round, table } from "./lib/stats.js";

const JOBS = 100_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HISTORY_ONLY = process.env.BENCH_ONLY === "history";
const TARGET_HISTORY_RATIO = 0.9;
const OFFLOAD_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const OFFLOAD_SENDERS = 64;
const SEND_BATCH_SAMPLE = 2_000;
const BULLMQ_CONCURRENCY = 50;
const BULLMQ_BULK = 1_000;
const BULLMQ_PRODUCERS = 4;
const LATENCY = { warmUp: 100, samples: 1_000, maxPauseMs: 5 };
const TARGET_VS_BULLMQ = 2;
const TARGET_P50_MS = 1;
const TARGET_P99_MS = 5;

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, "results/runtime.json");
const started = Date.now();
const loadAtStart = loadavg();
const n = (x: number) => x.toLocaleString("en-US");

if (!HISTORY_ONLY) ensurePeers();
const redisVersion = HISTORY_ONLY ? "not run" : ensureRedisServer();

const drainCases = {
  offload: {
    kind: "drain-offload",
    concurrency: OFFLOAD_CONCURRENCY,
    options: {
      jobs: JOBS,
      senders: OFFLOAD_SENDERS,
      sendBatchSample: SEND_BATCH_SAMPLE,
      jobHistory: true,
    },
  },
  offloadNoHistory: {
    kind: "drain-offload",
    concurrency: OFFLOAD_CONCURRENCY,
    options: {
      jobs: JOBS,
      senders: OFFLOAD_SENDERS,
      sendBatchSample: SEND_BATCH_SAMPLE,
      jobHistory: false,
    },
  },
  bullmqEverysec: {
    kind: "drain-bullmq",
    options: {
      jobs: JOBS,
      appendfsync: "everysec",
      bulkSize: BULLMQ_BULK,
      producers: BULLMQ_PRODUCERS,
      concurrency: BULLMQ_CONCURRENCY,
    },
  },
  bullmqAlways: {
    kind: "drain-bullmq",
    options: {
      jobs: JOBS,
      appendfsync: "always",
      bulkSize: BULLMQ_BULK,
      producers: BULLMQ_PRODUCERS,
      concurrency: BULLMQ_CONCURRENCY,
    },
  },
  plainjobFull: { kind: "drain-plainjob", options: { jobs: JOBS, synchronous: "FULL" } },
  plainjobNormal: { kind: "drain-plainjob", options: { jobs: JOBS, synchronous: "NORMAL" } },
} as const;
const latencyCases = {
  offload: { kind: "latency-offload", concurrency: OFFLOAD_CONCURRENCY, options: LATENCY },
  bullmqEverysec: {
    kind: "latency-bullmq",
    options: { ...LATENCY, appendfsync: "everysec", concurrency: BULLMQ_CONCURRENCY },
  },
  bullmqAlways: {
    kind: "latency-bullmq",
    options: { ...LATENCY, appendfsync: "always", concurrency: BULLMQ_CONCURRENCY },
  },
} as const;
type DrainName = keyof typeof drainCases;
type LatencyName = keyof typeof latencyCases;
const historyNames: DrainName[] = ["offload", "offloadNoHistory"];
const drainNames = HISTORY_ONLY ? historyNames : (Object.keys(drainCases) as DrainName[]);
const latencyNames = HISTORY_ONLY ? [] : (Object.keys(latencyCases) as LatencyName[]);
/** The cases in a round's order: rotated each round, so no case always follows another. */
const rotate = <T>(names: readonly T[], run: number) => {
  const shift = (run - 1) % Math.max(1, names.length);
  return [...names.slice(shift), ...names.slice(0, shift)];
};

const drains = Object.fromEntries(drainNames.map((k) => [k, [] as DrainRun[]])) as Record<
  DrainName,
  DrainRun[]
>;
const latencies = Object.fromEntries(latencyNames.map((k) => [k, [] as LatencyRun[]])) as Record<
  LatencyName,
  LatencyRun[]
>;
for (let run = 1; run <= RUNS; run++) {
  for (const name of rotate(drainNames, run)) {
    console.error(`run ${run}/${RUNS}: drain ${n(JOBS)}, ${name}...`);
    drains[name].push(await runInChild(drainCases[name]));
  }
  for (const name of rotate(latencyNames, run)) {
    console.error(`run ${run}/${RUNS}: idle latency, ${name}...`);
    latencies[name].push(await runInChild(latencyCases[name]));
  }
}

// History on / off: each round's ratio from its own pair of runs (the machine drifts between
// rounds), the median round reported with the range.
const historyRounds = drains.offload.map((on, i) => {
  const off = drains.offloadNoHistory[i]!;
  const mainOn = Number(on.extra.mainThreadCpuMicrosPerJob);
  const mainOff = Number(off.extra.mainThreadCpuMicrosPerJob);
  return {
    drainRatio: round(on.drainPerSec / off.drainPerSec, 3),
    enqueueRatio: round(on.enqueuePerSec / off.enqueuePerSec, 3),
    drainPerSec: { on: on.drainPerSec, off: off.drainPerSec },
    enqueuePerSec: { on: on.enqueuePerSec, off: off.enqueuePerSec },
    cpuMicrosPerJob: { on: on.cpuMicrosPerJob, off: off.cpuMicrosPerJob },
    mainThreadCpuMicrosPerJob: { on: mainOn, off: mainOff },
  };
});
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
};
const history = {
  drainRatio: spread(historyRounds.map((r) => r.drainRatio)),
  enqueueRatio: spread(historyRounds.map((r) => r.enqueueRatio)),
  rounds: historyRounds,
};
const historyTarget = {
  target: `offload drain with job history ≥ ${TARGET_HISTORY_RATIO} × without (median round)`,
  value: history.drainRatio.median,
  met: history.drainRatio.median >= TARGET_HISTORY_RATIO,
};
const printHistory = () => {
  console.log(
    `\ndrain ${n(JOBS)} jobs, offload with job history on vs off, ${RUNS} rounds (each round's ratio from its own runs)`,
  );
  console.log(
    table([
      [
        "round",
        "drain jobs/s on",
        "off",
        "on / off",
        "enqueue on / off",
        "main thread µs/job on",
        "off",
        "CPU µs/job on",
        "off",
      ],
      ...historyRounds.map((r, i) => [
        String(i + 1),
        r.drainPerSec.on,
        r.drainPerSec.off,
        r.drainRatio,
        r.enqueueRatio,
        r.mainThreadCpuMicrosPerJob.on,
        r.mainThreadCpuMicrosPerJob.off,
        r.cpuMicrosPerJob.on,
        r.cpuMicrosPerJob.off,
      ]),
    ]),
  );
  const d = history.drainRatio;
  const e = history.enqueueRatio;
  console.log(
    `drain on / off: median ${d.median} (${d.min} to ${d.max}); enqueue on / off: median ${e.median} (${e.min} to ${e.max})`,
  );
  console.log(`${historyTarget.met ? "met   " : "MISSED"} ${historyTarget.target}`);
};
if (HISTORY_ONLY) {
  const historyPath = join(here, "results/runtime-history.json");
  mkdirSync(dirname(historyPath), { recursive: true });
  const report = {
    date: new Date(started).toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 1),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      loadAverageAtStart: loadAtStart.map((l) => round(l, 2)),
      loadAverageAtEnd: loadavg().map((l) => round(l, 2)),
    },
    config: { jobs: JOBS, runs: RUNS, concurrency: OFFLOAD_CONCURRENCY, senders: OFFLOAD_SENDERS },
    history,
    target: historyTarget,
    allRuns: { on: drains.offload, off: drains.offloadNoHistory },
  };
  writeFileSync(historyPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`offload runtime bench, job history only — ${report.date}`);
  console.log(
    `load average at start ${report.machine.loadAverageAtStart.join(" ")}, at end ${report.machine.loadAverageAtEnd.join(" ")}`,
  );
  printHistory();
  console.log(`\nwritten to ${historyPath} (${report.durationSeconds} s)`);
  process.exit(0);
}

const bestDrain = (all: DrainRun[]) =>
  all.reduce((a, b) => (b.drainPerSec > a.drainPerSec ? b : a));
const bestLatency = (all: LatencyRun[]) =>
  all.reduce((a, b) => (b.latency.p99Ms < a.latency.p99Ms ? b : a));
const drain = Object.fromEntries(drainNames.map((k) => [k, bestDrain(drains[k])])) as Record<
  DrainName,
  DrainRun
>;
const latency = Object.fromEntries(
  latencyNames.map((k) => [k, bestLatency(latencies[k])]),
) as Record<LatencyName, LatencyRun>;
const ratio = (other: DrainName) => round(drain.offload.drainPerSec / drain[other].drainPerSec, 2);
type PeerName = Exclude<DrainName, "offload" | "offloadNoHistory">;
const ratios = Object.fromEntries(
  drainNames.filter((k) => !historyNames.includes(k)).map((k) => [k, ratio(k)]),
) as Record<PeerName, number>;

const targets = {
  drainVsBullmq: {
    target: `offload drain ≥ ${TARGET_VS_BULLMQ}× BullMQ (Redis AOF, appendfsync everysec)`,
    value: ratios.bullmqEverysec,
    met: ratios.bullmqEverysec >= TARGET_VS_BULLMQ,
  },
  drainVsPlainjob: {
    target: "offload drain > plainjob (WAL, synchronous FULL)",
    value: ratios.plainjobFull,
    met: ratios.plainjobFull > 1,
  },
  drainHistory: historyTarget,
  latencyP50: {
    target: `offload idle send → handler start p50 ≤ ${TARGET_P50_MS} ms`,
    value: latency.offload.latency.p50Ms,
    met: latency.offload.latency.p50Ms <= TARGET_P50_MS,
  },
  latencyP99: {
    target: `offload idle send → handler start p99 ≤ ${TARGET_P99_MS} ms`,
    value: latency.offload.latency.p99Ms,
    met: latency.offload.latency.p99Ms <= TARGET_P99_MS,
  },
};

const require = createRequire(import.meta.url);
const versionOf = (pkg: string) => {
  const path = require.resolve(`${pkg}/package.json`, { paths: [benchDir] });
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
};
const report = {
  date: new Date(started).toISOString(),
  durationSeconds: round((Date.now() - started) / 1000, 1),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    totalMemoryMB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadAtStart.map((l) => round(l, 2)),
    loadAverageAtEnd: loadavg().map((l) => round(l, 2)),
  },
  versions: {
    bullmq: versionOf("bullmq"),
    ioredis: versionOf("ioredis"),
    redis: redisVersion,
    plainjob: versionOf("plainjob"),
    betterSqlite3: versionOf("better-sqlite3"),
    note: "BullMQ 5.x: the latest line that brings ioredis as its own dependency (6.x makes it an optional peer the app installs); msgpackr-extract (optional native decoder) not built, msgpackr runs in JS",
  },
  config: {
    jobs: JOBS,
    runs: RUNS,
    pick: "each case's best round: drains by jobs/s, latencies by p99",
    offload: {
      durability: 'engine default "full": WAL, synchronous=FULL',
      concurrency: OFFLOAD_CONCURRENCY,
      batchSize: 10,
      enqueue: `transport.send (SNS publish → filter → SQS, as createClient().send), ${OFFLOAD_SENDERS} in flight`,
      clientSendBatchSample: `${n(SEND_BATCH_SAMPLE)} jobs in one createClient().sendBatch after the drain`,
      drainTimed: "from startRuntime() resolved (one worker warm) to the last job:done",
    },
    bullmq: {
      redisSettings: {
        everysec: redisSettings("everysec").join(" "),
        always: redisSettings("always").join(" "),
      },
      concurrency: BULLMQ_CONCURRENCY,
      enqueue: `addBulk of ${n(BULLMQ_BULK)}, ${BULLMQ_PRODUCERS} in flight`,
      jobOptions: "removeOnComplete: true (offload deletes a done job's message)",
      drainTimed: "from worker.run() (connected) to the last completed event",
    },
    plainjob: {
      durability: "WAL; synchronous FULL (set after defineQueue) or NORMAL (plainjob's own)",
      enqueue: "queue.addMany (one transaction)",
      workers: 1,
      drainTimed: "from worker.start() to the last onCompleted",
    },
    latency: {
      ...LATENCY,
      method:
        "clock (process.hrtime) read just before send / queue.add; the handler's first act reads it again. offload: the worker thread logs the reading via ctx.logger, forwarded to the main thread's logger after the reading; BullMQ: the processor runs in the main thread. Next send after job:done / completed and a random pause",
    },
  },
  drain,
  ratios,
  history,
  latency,
  targets,
  allRuns: { drains, latencies },
};
mkdirSync(dirname(resultsPath), { recursive: true });
writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);

const m = report.machine;
console.log(`offload runtime bench — ${report.date} — ${m.cpus} × ${m.cpuModel}, node ${m.node}`);
console.log(
  `load average at start ${m.loadAverageAtStart.join(" ")}, at end ${m.loadAverageAtEnd.join(" ")}`,
);
console.log(`\n(1) drain ${n(JOBS)} pre-filled no-op jobs, durable; best of ${RUNS}`);
const label: Record<DrainName, string> = {
  offload: `offload (full, concurrency ${OFFLOAD_CONCURRENCY})`,
  offloadNoHistory: `offload, job history off (full, c ${OFFLOAD_CONCURRENCY})`,
  bullmqEverysec: `BullMQ ${report.versions.bullmq} (AOF everysec, c ${BULLMQ_CONCURRENCY})`,
  bullmqAlways: `BullMQ ${report.versions.bullmq} (AOF always, c ${BULLMQ_CONCURRENCY})`,
  plainjobFull: `plainjob ${report.versions.plainjob} (synchronous FULL)`,
  plainjobNormal: `plainjob ${report.versions.plainjob} (synchronous NORMAL)`,
};
const redisCpu = (r: DrainRun) =>
  typeof r.extra.redisCpuMicrosPerJob === "number" ? r.extra.redisCpuMicrosPerJob : 0;
console.log(
  table([
    ["", "enqueue jobs/s", "drain jobs/s", "offload ×", "CPU µs/job", "+ redis µs/job"],
    ...drainNames.map((k) => [
      label[k],
      drain[k].enqueuePerSec,
      drain[k].drainPerSec,
      historyNames.includes(k) ? "" : ratios[k as PeerName],
      drain[k].cpuMicrosPerJob,
      k.startsWith("bullmq") ? redisCpu(drain[k]) : "",
    ]),
  ]),
);
const o = drain.offload.extra;
console.log(
  `offload: main thread ${o.mainThreadCpuMicrosPerJob} µs CPU/job; drain ${n(Number(o.drainCommits))} commits, ` +
    `${o.drainOpsPerCommit} ops/commit; createClient().sendBatch (sequential sends) ${n(Number(o.clientSendBatchPerSec))} jobs/s`,
);

printHistory();

console.log(
  `\n(2) idle latency send → handler start, ${n(LATENCY.samples)} samples; best of ${RUNS} by p99`,
);
const latencyLabel: Record<LatencyName, string> = {
  offload: "offload (full)",
  bullmqEverysec: "BullMQ (AOF everysec)",
  bullmqAlways: "BullMQ (AOF always)",
};
console.log(
  table([
    ["", "p50 ms", "p99 ms", "max ms", "mean ms"],
    ...latencyNames.map((k) => [
      latencyLabel[k],
      latency[k].latency.p50Ms,
      latency[k].latency.p99Ms,
      latency[k].latency.maxMs,
      latency[k].latency.meanMs,
    ]),
  ]),
);
const clock = latency.offload.extra;
console.log(
  `clock check: worker timeOrigin = main's: ${clock.workerTimeOriginEqualsMain}; ` +
    `|hrtime − (timeOrigin + now())| between threads p50 ${clock.clockDiffP50Ms} ms, max ${clock.clockDiffMaxMs} ms`,
);

console.log("\ntargets");
console.log(
  table([
    ["target", "value", "met"],
    ...Object.values(targets).map((t) => [t.target, t.value, t.met ? "yes" : "NO"]),
  ]),
);
console.log(`\nwritten to ${resultsPath} (${report.durationSeconds} s)`);
