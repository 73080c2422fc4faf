import { type Client, typedGetJob } from "./client.js";
import type { AppApi } from "./http-api.js";
import type { CancelResult, JobFilter, JobPage, JobStatus } from "./job-status.js";
import type { AnyJobDefinition } from "./job-types.js";

/**
 * Reading and cancelling jobs over an app's HTTP API (`GET /jobs/:id`, `GET /jobs`,
 * `DELETE /jobs/:id`): what createClient's URL mode and the CLI share. Errors are the app's,
 * as OffloadErrors (JobNotFound, JobFinished, …).
 */
export function httpJobStatus<
  Jobs extends Record<string, AnyJobDefinition> = Record<string, AnyJobDefinition>,
>(api: AppApi): Pick<Client<Jobs>, "getJob" | "listJobs" | "cancel"> {
  const path = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`;
  return {
    getJob: typedGetJob<Jobs>(
      async (jobId) => (await api.request("GET", path(jobId))) as JobStatus,
    ),
    listJobs: async (filter: JobFilter = {}) =>
      (await api.request("GET", `/jobs${jobQuery(filter)}`)) as JobPage,
    cancel: async (jobId: string) => (await api.request("DELETE", path(jobId))) as CancelResult,
  };
}

/** A JobFilter as `GET /jobs`'s query string (`?job=&state=&since=&limit=&cursor=`). */
export function jobQuery(filter: JobFilter): string {
  const query = new URLSearchParams();
  if (filter.jobName !== undefined) query.set("job", filter.jobName);
  if (filter.state !== undefined) query.set("state", filter.state);
  if (filter.since !== undefined) query.set("since", filter.since);
  if (filter.limit !== undefined) query.set("limit", String(filter.limit));
  if (filter.cursor !== undefined) query.set("cursor", filter.cursor);
  return query.size === 0 ? "" : `?${query}`;
}
