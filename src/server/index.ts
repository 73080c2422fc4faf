/**
 * `offload/server`: the local server `offload start` runs (the HTTP API at
 * POST /jobs and /api/*, the SQS/SNS wire endpoint, the pages, and the jobs
 * running on their own thread), startable in-process, e.g. in an app's tests.
 *
 * @example
 * ```ts
 * import { startServer } from "offload/server";
 *
 * const server = await startServer({ jobsDir: "jobs", database: "test.db", port: 0 });
 * try {
 *   const answer = await fetch(`${server.url}/jobs`, {
 *     method: "POST",
 *     headers: { "content-type": "application/json" },
 *     body: JSON.stringify({ jobName: "send-email", payload: { to: "a@example.com" } }),
 *   });
 *   console.log(answer.status); // 202
 * } finally {
 *   await server.stop();
 * }
 * ```
 */
export type { ResolvedServerOptions, ServerOptions } from "./options.js";
export { type OffloadServer, startServer } from "./start.js";
