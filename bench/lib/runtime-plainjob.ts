import { join } from "node:path";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, type Logger } from "plainjob";
import type { DrainRun, PlainjobDrainOptions } from "./runtime-results.js";
import { cpuSince } from "./runtime-results.js";
import { nowMs, rate, round, tempDir } from "./stats.js";

const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * plainjob on better-sqlite3: jobs added with `addMany` (one transaction), then one worker
 * (plainjob's: a loop taking one job at a time), timed from `worker.start()` to the last
 * `onCompleted`. plainjob sets WAL + synchronous NORMAL itself; the bench sets `synchronous`
 * again after it, on the same connection.
 */
export async function plainjobDrain(options: PlainjobDrainOptions): Promise<DrainRun> {
  const dir = tempDir("offload-bench-plainjob-");
  const db = new Database(join(dir.path, "plainjob.db"));
  const queue = defineQueue({ connection: better(db), logger: silent });
  try {
    db.pragma(`synchronous = ${options.synchronous}`);
    const journal = db.pragma("journal_mode", { simple: true }) as string;
    const synchronous = db.pragma("synchronous", { simple: true }) as number;
    const enqueueStart = nowMs();
    queue.addMany(
      "noop",
      Array.from({ length: options.jobs }, (_, i) => ({ i })),
    );
    const enqueueMs = nowMs() - enqueueStart;

    let done = 0;
    let failed = 0;
    let resolveDone: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const worker = defineWorker("noop", async () => {}, {
      queue,
      logger: silent,
      onCompleted: () => {
        if (++done === options.jobs) resolveDone();
      },
      onFailed: () => {
        failed++;
      },
    });
    const cpuStart = process.cpuUsage();
    const start = nowMs();
    const running = worker.start();
    await allDone;
    const drainMs = nowMs() - start;
    const cpuMicros = cpuSince(cpuStart);
    await worker.stop();
    await running;
    if (failed > 0) throw new Error(`plainjob: ${failed} jobs failed`);
    return {
      jobs: options.jobs,
      enqueueMs: round(enqueueMs),
      enqueuePerSec: round(rate(options.jobs, enqueueMs)),
      drainMs: round(drainMs),
      drainPerSec: round(rate(options.jobs, drainMs)),
      cpuMicrosPerJob: round(cpuMicros / options.jobs, 2),
      extra: {
        journalMode: journal,
        synchronous: ["OFF", "NORMAL", "FULL", "EXTRA"][synchronous] ?? String(synchronous),
        workers: 1,
      },
    };
  } finally {
    queue.close();
    dir.remove();
  }
}
