import { z } from "zod";
import { OffloadError } from "../core/errors.js";
import { checkJobId } from "../core/job-id.js";
import {
  JOB_STATES,
  type JobFilter,
  type JobState,
  type JobStatusStore,
} from "../core/job-status.js";
import type { ApiBackend } from "./backend.js";
import { quote } from "./describe.js";
import type { RouteHandler } from "./job-routes.js";
import type { ResolvedApiOptions } from "./options.js";
import { parseQuery } from "./schemas.js";

/** Most jobs one `GET /jobs` page holds, and how many unless `?limit=` says. */
export const MAX_JOB_PAGE = 1000;
export const DEFAULT_JOB_PAGE = 100;

/** An ISO 8601 date and time, as `since` takes it: 2026-12-07T09:00:00Z, with optional ms and offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const listQuery = {
  job: z.string(),
  state: z.string().refine((s) => (JOB_STATES as readonly string[]).includes(s), {
    error: (i) =>
      `Query parameter state must be one of ${JOB_STATES.join(", ")}; got ${quote(String(i.input))}`,
  }),
  since: z.string().refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), {
    error: (i) =>
      `Query parameter since must be an ISO 8601 time such as 2026-12-07T09:00:00Z; got ${quote(String(i.input))}`,
  }),
  limit: z.string().transform((s, ctx) => {
    const n = Number(s);
    if (/^\d{1,10}$/.test(s) && n >= 1 && n <= MAX_JOB_PAGE) return n;
    ctx.addIssue({
      code: "custom",
      message: `Query parameter limit must be a whole number from 1 to ${MAX_JOB_PAGE}; got ${quote(s)}`,
    });
    return z.NEVER;
  }),
  cursor: z.string(),
};

/** The backend's job records, or the error saying this app keeps none. */
function storeOf(backend: ApiBackend): JobStatusStore {
  if (backend.jobs) return backend.jobs;
  throw new OffloadError(
    "JobNotFound",
    "This app keeps no job history (it was turned off in its configuration), so no job can be found by id",
  );
}

/** `GET /jobs?job=&state=&since=&limit=&cursor=`: jobs newest first, a page at a time. */
export function listJobsRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    const query = parseQuery(c.req.queries(), listQuery);
    const filter: JobFilter = {};
    if (query.job !== undefined) filter.jobName = query.job;
    if (query.state !== undefined) filter.state = query.state as JobState;
    if (query.since !== undefined) filter.since = new Date(query.since).toISOString();
    filter.limit = query.limit ?? DEFAULT_JOB_PAGE;
    if (query.cursor !== undefined) filter.cursor = query.cursor;
    return c.json(await storeOf(backend).list(filter));
  };
}

/** `GET /jobs/:id`: the job's state, attempts and events. */
export function getJobRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    parseQuery(c.req.queries(), {});
    return c.json(await storeOf(backend).get(checkJobId(c.req.param("jobNameOrId") ?? "")));
  };
}

/**
 * `DELETE /jobs/:id`: cancels the job. 200 with what happened: removed from its queue (it
 * never runs), signalled (it was running: its `ctx.signal` fired), or marked (on AWS).
 */
export function cancelJobRoute({ backend }: ResolvedApiOptions): RouteHandler {
  return async (c) => {
    parseQuery(c.req.queries(), {});
    return c.json(await storeOf(backend).cancel(checkJobId(c.req.param("jobNameOrId") ?? "")));
  };
}
