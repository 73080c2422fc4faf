import type { Context } from "hono";
import type { SendJobOptions } from "./backend.js";
import { nodeBodyOf, readBodyBytes, requireJsonContentType } from "./body.js";
import { parseJsonBody } from "./json.js";
import { requireKnownJob } from "./known-job.js";
import type { ResolvedApiOptions } from "./options.js";
import {
  delayQuerySchema,
  jobEnvelopeSchema,
  parseBody,
  parseQuery,
  textQuerySchema,
} from "./schemas.js";

/** A route handler over the resolved options. */
export type RouteHandler = (c: Context) => Promise<Response> | Response;

const ENVELOPE =
  '{"jobName": string, "payload": any JSON, "delaySeconds"?: 0-900, "jobId"?: string, "idempotencyKey"?: string}';

/**
 * `POST /jobs` with `{ jobName, payload, delaySeconds?, jobId?, idempotencyKey? }`: 202 with
 * the job id once the backend has stored the job durably (or, for an idempotencyKey used
 * within its window, the first job's id: nothing new is stored).
 */
export function sendJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    parseQuery(c.req.queries(), {});
    const body = await readJson(c, options);
    const envelope = parseBody(jobEnvelopeSchema, body, ENVELOPE, { delaySeconds: "InvalidDelay" });
    requireKnownJob(backend, envelope.jobName);
    const jobId = await backend.send(envelope.jobName, envelope.payload, sendOptions(envelope));
    return c.json({ jobId }, 202);
  };
}

/**
 * `POST /jobs/:jobName` with the payload itself as the body; `?delaySeconds=`, `?jobId=` and
 * `?idempotencyKey=` optional.
 */
export function sendNamedJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    const jobName = c.req.param("jobNameOrId") ?? "";
    requireKnownJob(backend, jobName);
    const query = parseQuery(
      c.req.queries(),
      { delaySeconds: delayQuerySchema, jobId: textQuerySchema, idempotencyKey: textQuerySchema },
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
  jobId?: string | undefined;
  idempotencyKey?: string | undefined;
}): SendJobOptions {
  const options: SendJobOptions = {};
  if (given.delaySeconds !== undefined) options.delaySeconds = given.delaySeconds;
  if (given.jobId !== undefined) options.jobId = given.jobId;
  if (given.idempotencyKey !== undefined) options.idempotencyKey = given.idempotencyKey;
  return options;
}
