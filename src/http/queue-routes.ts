import { nodeBodyOf, readBodyBytes, requireJsonContentType } from "./body.js";
import { ApiError } from "./errors.js";
import type { RouteHandler } from "./job-routes.js";
import { parseJsonBody } from "./json.js";
import { requireKnownJob } from "./known-job.js";
import type { ResolvedApiOptions } from "./options.js";
import {
  DEFAULT_DLQ_LIMIT,
  limitQuerySchema,
  parseBody,
  parseQuery,
  redriveBodySchema,
} from "./schemas.js";

/** `GET /api/queues`: every job's queue and DLQ. */
export function listQueuesRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    parseQuery(c.req.queries(), {});
    return c.json({ queues: await backend.queues() });
  };
}

/** `GET /api/schedules`: every job's recurring schedules, their next due times and last run. */
export function listSchedulesRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    parseQuery(c.req.queries(), {});
    return c.json({ schedules: (await backend.schedules?.()) ?? [] });
  };
}

/** `GET /api/queues/:job`: one job's queue and DLQ. */
export function getQueueRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    const jobName = c.req.param("job") ?? "";
    requireKnownJob(backend, jobName);
    parseQuery(c.req.queries(), {});
    return c.json(await backend.queue(jobName));
  };
}

/** `GET /api/queues/:job/dlq?limit=`: up to `limit` (1–1000, default 100) DLQ messages, oldest first. */
export function listDlqRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    const jobName = c.req.param("job") ?? "";
    requireKnownJob(backend, jobName);
    const { limit = DEFAULT_DLQ_LIMIT } = parseQuery(c.req.queries(), { limit: limitQuerySchema });
    return c.json({ messages: await backend.dlqList(jobName, { limit }) });
  };
}

/** `POST /api/queues/:job/redrive` with an optional `{ ids }` (job ids or message ids): moves DLQ messages back. */
export function redriveRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    const jobName = c.req.param("job") ?? "";
    requireKnownJob(backend, jobName);
    parseQuery(c.req.queries(), {});
    const bytes = await readBodyBytes(c.req.raw, options.bodyLimitBytes, nodeBodyOf(c.env));
    let ids: string[] | undefined;
    // No body means "redrive everything"; a body must be JSON like any other.
    if (bytes.length > 0) {
      requireJsonContentType(c.req.raw);
      const body = parseBody(redriveBodySchema, parseJsonBody(bytes), '{"ids"?: string[]}');
      ids = body.ids;
    }
    const { moved, notFound } = await backend.redrive(jobName, ids ? { ids } : {});
    return c.json(ids ? { moved, notFound: notFound ?? [] } : { moved });
  };
}

/**
 * `POST /api/queues/:job/purge`: deletes every message in the job's DLQ. It takes no body: one
 * (`{"ids": [...]}`, say) would read as "purge these", and be taken as "purge all".
 */
export function purgeRoute(options: ResolvedApiOptions): RouteHandler {
  const { backend } = options;
  return async (c) => {
    const jobName = c.req.param("job") ?? "";
    requireKnownJob(backend, jobName);
    parseQuery(c.req.queries(), {});
    const bytes = await readBodyBytes(c.req.raw, options.bodyLimitBytes, nodeBodyOf(c.env));
    if (bytes.length > 0) {
      throw new ApiError(
        "InvalidRequest",
        `POST /api/queues/${jobName}/purge takes no body (it deletes every message in the DLQ); got ${bytes.length} bytes. To move only some messages back, POST /api/queues/${jobName}/redrive with {"ids": [...]}`,
      );
    }
    const { purged } = await backend.purge(jobName);
    return c.json({ purged });
  };
}
