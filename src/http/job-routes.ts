import type { Context } from "hono";
import type { SendJobOptions } from "./backend.js";
import { nodeBodyOf, readBodyBytes, requireJsonContentType } from "./body.js";
import { quote } from "./describe.js";
import { ApiError } from "./errors.js";
import { parseJsonBody } from "./json.js";
import { requireKnownJob } from "./known-job.js";
import type { ResolvedApiOptions } from "./options.js";
import {
  delayQuerySchema,
  jobEnvelopeSchema,
  parseBody,
  parseQuery,
  runAtQuerySchema,
  textQuerySchema,
} from "./schemas.js";

/** A route handler over the resolved options. */
export type RouteHandler = (c: Context) => Promise<Response> | Response;

const ENVELOPE =
  '{"jobName": string, "payload": any JSON, "delaySeconds"?: 0-31536000, "runAt"?: ISO 8601, "jobId"?: string, "idempotencyKey"?: string}';

/**
 * `POST /jobs` with `{ jobName, payload, delaySeconds?, runAt?, jobId?, idempotencyKey? }`: 202
 * with the job id once the backend has stored the job durably (or, for an idempotencyKey used
 * within its window, the first job's id: nothing new is stored). `delaySeconds` (up to 365
 * days) or `runAt` (an ISO 8601 date-time with its offset, counted from the backend's clock),
 * not both.
 */
export function sendJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    parseQuery(c.req.queries(), {});
    const body = await readJson(c, options);
    const envelope = parseBody(jobEnvelopeSchema, body, ENVELOPE, {
      delaySeconds: "InvalidDelay",
      runAt: "InvalidDelay",
    });
    requireKnownJob(backend, envelope.jobName);
    const jobId = await backend.send(envelope.jobName, envelope.payload, sendOptions(envelope));
    return c.json({ jobId }, 202);
  };
}

/**
 * `POST /jobs/:jobName` with the payload itself as the body; `?delaySeconds=` or `?runAt=`,
 * `?jobId=` and `?idempotencyKey=` optional.
 */
export function sendNamedJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    const jobName = c.req.param("jobNameOrId") ?? "";
    requireKnownJob(backend, jobName);
    const query = parseQuery(
      c.req.queries(),
      {
        delaySeconds: delayQuerySchema,
        runAt: runAtQuerySchema,
        jobId: textQuerySchema,
        idempotencyKey: textQuerySchema,
      },
      "InvalidDelay",
    );
    const payload = await readJson(c, options);
    const jobId = await backend.send(jobName, payload, sendOptions(query));
    return c.json({ jobId }, 202);
  };
}

/** The body as JSON: content type first, then size, encoding, depth and syntax. */
async function readJson(c: Context, options: ResolvedApiOptions): Promise<unknown> {
  requireJsonContentType(c.req.raw);
  return parseJsonBody(await readBodyBytes(c.req.raw, options.bodyLimitBytes, nodeBodyOf(c.env)));
}

function sendOptions(given: {
  delaySeconds?: number | undefined;
  runAt?: string | undefined;
  jobId?: string | undefined;
  idempotencyKey?: string | undefined;
}): SendJobOptions {
  if (given.delaySeconds !== undefined && given.runAt !== undefined) {
    throw new ApiError(
      "InvalidSendOptions",
      `A job takes delaySeconds or runAt, not both; got delaySeconds ${given.delaySeconds} and runAt ${quote(given.runAt)}`,
    );
  }
  const options: SendJobOptions = {};
  if (given.delaySeconds !== undefined) options.delaySeconds = given.delaySeconds;
  if (given.runAt !== undefined) options.runAt = given.runAt;
  if (given.jobId !== undefined) options.jobId = given.jobId;
  if (given.idempotencyKey !== undefined) options.idempotencyKey = given.idempotencyKey;
  return options;
}
