import { defineJob } from "../../../src/core/index.js";

/**
 * The drain bench's job: does nothing. BENCH_CONCURRENCY (read here, in the main thread and in
 * every worker, which inherit the environment) sets the batches run at once, each in a worker
 * thread of its own.
 */
export default defineJob({
  batchSize: 10,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
  handler: () => {},
});
