import { defineJob } from "../../../src/core/index.js";

/**
 * The latency bench's job. Its first act is to read the clock; the reading goes back to the
 * bench through ctx.logger, whose lines the worker posts to the main thread after the reading,
 * so reporting it adds nothing to the measured time. The reading is process.hrtime (the
 * monotonic clock every thread of the process shares); performance.timeOrigin + now() is
 * read too, with this thread's timeOrigin, so the bench can check that the two agree.
 */
export default defineJob({
  batchSize: 10,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
  handler: (payload, ctx) => {
    const monoNs = process.hrtime.bigint();
    const wallMs = performance.timeOrigin + performance.now();
    ctx.logger.info({
      sample: (payload as { i: number }).i,
      monoNs: String(monoNs),
      wallMs,
      timeOrigin: performance.timeOrigin,
    });
  },
});
