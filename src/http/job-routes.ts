import type { Context } from "hono";
import type { SendJobOptions } from "./backend.js";
import { nodeBodyOf, readBodyBytes, requireJsonContentType } from "./body.js";
import { parseJsonBody } from "./json.js";
import { requireKnownJob } from "./known-job.js";
import type { ResolvedApiOptions } from "./options.js";
import { delayQuerySchema, jobEnvelopeSchema, parseBody, parseQuery } from "./schemas.js";

/** A route handler over the resolved options. */
export type RouteHandler = (c: Context) => Promise<Response> | Response;

const ENVELOPE = '{"jobName": string, "payload": any JSON, "delaySeconds"?: 0-900}';

/**
 * `POST /jobs` with `{ jobName, payload, delaySeconds? }`: 202 with the
 * message id once the backend has stored the job durably.
 */
export function sendJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    parseQuery(c.req.queries(), {});
    const body = await readJson(c, options);
    const envelope = parseBody(jobEnvelopeSchema, body, ENVELOPE, { delaySeconds: "InvalidDelay" });
    requireKnownJob(backend, envelope.jobName);
    const messageId = await backend.send(
      envelope.jobName,
      envelope.payload,
      sendOptions(envelope.delaySeconds),
    );
    return c.json({ messageId }, 202);
  };
}

/** `POST /jobs/:jobName` with the payload itself as the body, `?delaySeconds=` optional. */
export function sendNamedJobRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    const jobName = c.req.param("jobName") ?? "";
    requireKnownJob(backend, jobName);
    const { delaySeconds } = parseQuery(
      c.req.queries(),
      { delaySeconds: delayQuerySchema },
      "InvalidDelay",
    );
    const payload = await readJson(c, options);
    const messageId = await backend.send(jobName, payload, sendOptions(delaySeconds));
    return c.json({ messageId }, 202);
  };
}

/** The body as JSON: content type first, then size, encoding, depth and syntax. */
async function readJson(c: Context, options: ResolvedApiOptions): Promise<unknown> {
  requireJsonContentType(c.req.raw);
  return parseJsonBody(await readBodyBytes(c.req.raw, options.bodyLimitBytes, nodeBodyOf(c.env)));
}

function sendOptions(delaySeconds: number | undefined): SendJobOptions {
  return delaySeconds === undefined ? {} : { delaySeconds };
}
