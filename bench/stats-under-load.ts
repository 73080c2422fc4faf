/**
 * Monitoring must not stop intake. `offload start` holds a job queue DEPTH deep (1,000,000 by
 * default); wrk sends POST /jobs from CONNECTIONS clients, alone ("quiet") and while 4 more
 * clients poll GET /api/queues as fast as it answers ("polled"). The two take turns for ROUNDS
 * rounds, the order swapped each round, and each round's ratio (polled / quiet POST p99) comes
 * from its own pair of runs. Target: the median ratio ≤ 1.10.
 *
 * The queue is filled straight into SQLite, as bench/engine-deep-fill.ts fills its deep queue
 * but without the engine: one real job is posted, then copied DEPTH - 1 times by one
 * INSERT … SELECT per chunk, in seconds. The job's handler waits for its abort signal, so the
 * runtime holds its few batches in flight and the depth stays put while the rounds run.
 *
 * Usage: npm run bench:stats (BENCH_STATS_DEPTH, BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS)
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { startListening } from "./lib/listening.js";
import { fmt, nowMs, round, table, tempDir } from "./lib/stats.js";
import { ensureWrk, runWrk, type WrkRun, wrkScript } from "./lib/wrk.js";

const repo = resolve(import.meta.dirname, "..");
const DEPTH = Number(process.env.BENCH_STATS_DEPTH ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const POLLERS = 4;
const FILL_CHUNK = 100_000;
const TARGET_RATIO = 1.1;

interface Round {
  quiet: WrkRun;
  polled: WrkRun;
  polls: WrkRun;
  /** Polled POST p99 over quiet POST p99. */
  ratio: number;
}

function startServer(app: string, db: string): Promise<{ url: string; child: ChildProcess }> {
  return startListening([join(repo, "bin/offload.mjs"), "start"], app, { OFFLOAD_DB: db });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Copies the one message the job's queue holds until it holds `depth`. */
function fill(dbPath: string, depth: number): { queueName: string; ms: number } {
  const db = new Database(dbPath);
  try {
    const template = db.prepare("SELECT seq, queue_id FROM messages").all() as Array<{
      seq: number;
      queue_id: number;
    }>;
    if (template.length !== 1) throw new Error(`expected 1 message, found ${template.length}`);
    const { seq, queue_id } = template[0]!;
    const { name } = db.prepare("SELECT name FROM queues WHERE id = ?").get(queue_id) as {
      name: string;
    };
    const copy = db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
      INSERT INTO messages (queue_id, message_id, body, attributes, md5_body, md5_attributes,
        system_attributes, md5_system_attributes, sender_id, sent_at, visible_at)
      SELECT queue_id, printf('00000000-0000-4000-8000-%012d', @base + i), body, attributes,
        md5_body, md5_attributes, system_attributes, md5_system_attributes, sender_id, sent_at,
        sent_at
      FROM messages, n WHERE seq = @seq`);
    // The template was sent delayed, so the first server would not run it; now it is due too.
    db.prepare("UPDATE messages SET visible_at = sent_at WHERE seq = ?").run(seq);
    const start = nowMs();
    for (let done = 1; done < depth; ) {
      const count = Math.min(FILL_CHUNK, depth - done);
      db.transaction(() => copy.run({ count, base: done, seq }))();
      done += count;
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    return { queueName: name, ms: nowMs() - start };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  ensureWrk();
  const work = tempDir("offload-stats-bench-");
  // The app lives inside the repo so `import "offload"` resolves; its database in the temp folder.
  const app = join(repo, ".test-tmp", `bench-stats-${process.pid}`);
  mkdirSync(join(app, "jobs"), { recursive: true });
  writeFileSync(
    join(app, "offload.config.ts"),
    `import { defineConfig } from "offload";\nexport default defineConfig({ jobs: "jobs", port: 0 });\n`,
  );
  writeFileSync(
    join(app, "jobs", "held.ts"),
    `import { defineJob } from "offload";
import { z } from "zod";
export default defineJob({
  schema: z.object({ n: z.number() }),
  timeout: "15m",
  handler: (_payload, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
});
`,
  );
  const dbPath = join(work.path, "stats.db");
  const post = wrkScript(
    join(work.path, "post.lua"),
    "POST",
    '{"jobName":"held","payload":{"n":1}}',
  );
  const poll = wrkScript(join(work.path, "poll.lua"), "GET");
  const rounds: Round[] = [];
  let fillMs = 0;
  try {
    // The first start provisions the topic and queues; one posted job is the template.
    const first = await startServer(app, dbPath);
    try {
      const response = await fetch(`${first.url}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jobName":"held","payload":{"n":1},"delaySeconds":900}',
      });
      if (response.status !== 202) throw new Error(`POST /jobs answered ${response.status}`);
    } finally {
      await stopServer(first.child);
    }
    console.error(`filling ${DEPTH.toLocaleString("en-US")} jobs...`);
    const filled = fill(dbPath, DEPTH);
    fillMs = filled.ms;

    const server = await startServer(app, dbPath);
    try {
      const postUrl = `${server.url}/jobs`;
      const pollUrl = `${server.url}/api/queues`;
      const before = (await (await fetch(pollUrl)).json()) as {
        queues: Array<{ visible: number; inFlight: number }>;
      };
      console.error(`queued: ${JSON.stringify(before.queues)}`);
      const postRun = (seconds: number) =>
        runWrk({ url: postUrl, script: post, connections: CONNECTIONS, threads: 2, seconds });
      console.error(`warm-up ${WARMUP} s...`);
      await postRun(WARMUP);
      for (let r = 1; r <= ROUNDS; r++) {
        const order = r % 2 === 1 ? (["quiet", "polled"] as const) : (["polled", "quiet"] as const);
        const runs: Partial<Pick<Round, "quiet" | "polled" | "polls">> = {};
        for (const name of order) {
          console.error(`round ${r}: ${name}, ${CONNECTIONS} clients for ${SECONDS} s...`);
          if (name === "quiet") {
            runs.quiet = await postRun(SECONDS);
          } else {
            // The pollers start first and stop last, so every POST runs while they poll.
            const polls = runWrk({
              url: pollUrl,
              script: poll,
              connections: POLLERS,
              threads: 1,
              seconds: SECONDS + 2,
            });
            await new Promise((r) => setTimeout(r, 1000));
            runs.polled = await postRun(SECONDS);
            runs.polls = await polls;
          }
        }
        const { quiet, polled, polls } = runs as Required<typeof runs>;
        // No POST answered within the run: its p99 is longer than the run, and no ratio holds.
        const ratio = polled.requests === 0 ? Number.POSITIVE_INFINITY : polled.p99Ms / quiet.p99Ms;
        rounds.push({ quiet, polled, polls, ratio });
      }
    } finally {
      await stopServer(server.child);
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
    work.remove();
  }

  const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  const errors = rounds.reduce(
    (sum, r) =>
      sum + r.quiet.non2xx + r.quiet.socketErrors + r.polled.non2xx + r.polled.socketErrors,
    0,
  );
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    setup: {
      depth: DEPTH,
      connections: CONNECTIONS,
      pollers: POLLERS,
      seconds: SECONDS,
      rounds: ROUNDS,
      fillMs: round(fillMs),
    },
    rounds,
    // JSON has no Infinity: a round with no POST answered while polled shows as null.
    ratio: { median: finite(median), min: finite(ratios[0]!), max: finite(ratios.at(-1)!) },
    targets: {
      [`POST /jobs p99 polled / quiet ≤ ${TARGET_RATIO} (median round)`]: median <= TARGET_RATIO,
      "no errors": errors === 0,
    },
  };
  mkdirSync(join(repo, "bench/results"), { recursive: true });
  writeFileSync(join(repo, "bench/results/stats.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `\nPOST /jobs with ${DEPTH.toLocaleString("en-US")} queued, ${CONNECTIONS} clients, ${POLLERS} polling GET /api/queues — ${report.date} — ${report.machine.cpus} × ${report.machine.model}, node ${process.version}`,
  );
  const rows: Array<Array<string | number>> = [
    [
      "round",
      "quiet req/s",
      "p50",
      "p99",
      "polled req/s",
      "p50",
      "p99",
      "polls/s",
      "poll p99",
      "p99 ratio",
    ],
  ];
  rounds.forEach((r, i) => {
    rows.push([
      String(i + 1),
      r.quiet.requestsPerSecond,
      r.quiet.p50Ms,
      r.quiet.p99Ms,
      r.polled.requestsPerSecond,
      r.polled.requests === 0 ? "none" : r.polled.p50Ms,
      r.polled.requests === 0 ? `> ${SECONDS} s` : r.polled.p99Ms,
      r.polls.requestsPerSecond,
      r.polls.p99Ms,
      Number.isFinite(r.ratio) ? fmt(r.ratio) : "none",
    ]);
  });
  console.log(table(rows));
  const shown = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "none answered while polled");
  console.log(
    `\nPOST /jobs p99 polled / quiet: median ${shown(median)} (rounds: ${ratios.map(shown).join(", ")})`,
  );
  for (const [target, met] of Object.entries(report.targets))
    console.log(`${met ? "met   " : "MISSED"} ${target}`);
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? round(n, 3) : null;
}

await main();
