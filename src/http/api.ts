import type { Hono } from "hono";
import { createHttpApp } from "./app.js";
import type { ApiOptions } from "./options.js";
import { wireRefusal } from "./wire/auth.js";
import { createWireHandler } from "./wire/index.js";

/**
 * The HTTP API as a Hono app with no listener: bind it to Node with
 * `@hono/node-server`, or to Lambda with `hono/aws-lambda`.
 *
 * Routes: `POST /jobs`, `POST /jobs/:jobName`, `GET /health`,
 * `GET /api/queues`, `GET /api/queues/:job`, `GET /api/queues/:job/dlq`, `GET /api/schedules`,
 * `POST /api/queues/:job/redrive`, `POST /api/queues/:job/purge`. Every
 * error is JSON `{ "error": { "code", "message", "details"? } }`. With
 * `wire`, AWS SQS/SNS protocol requests on `POST /` and
 * `POST /<account>/<queue>` are answered as AWS does (see `createWireHandler`).
 *
 * @throws OffloadError InvalidApiOptions when an option is out of range.
 * @example
 * import { serve } from "@hono/node-server";
 * const app = createApi({ backend, apiKey: process.env.OFFLOAD_API_KEY });
 * serve({ fetch: app.fetch, port: 3000, hostname: "127.0.0.1" });
 */
export function createApi(options: ApiOptions): Hono {
  return createHttpApp(options, { createHandler: createWireHandler, refusal: wireRefusal });
}
