import { OffloadError, toError } from "../core/errors.js";
import { httpJobStatus } from "../core/http-jobs.js";
import { postJob } from "../core/http-sender.js";
import type { CancelResult, JobFilter, JobPage, JobStatus } from "../core/job-status.js";
import type { ScheduleSummary } from "../core/schedule-summary.js";
import type { ApiBackend, DlqMessage, JobQueueSummary, RedriveResult } from "../http/backend.js";
import { AppClient } from "./http-client.js";

/**
 * What the client commands (`send`, `stats`, `dlq ...`) need: a running
 * local app over HTTP, or a deployed stack through the AWS transport.
 */
export interface JobsClient {
  /** Sends a job whose payload is JSON text; resolves with the job id. */
  send(jobName: string, json: string, options: CliSendOptions): Promise<string>;
  queues(): Promise<JobQueueSummary[]>;
  queue(jobName: string): Promise<JobQueueSummary>;
  /** The jobs' recurring schedules: next due times, last run and its outcome. */
  schedules(): Promise<ScheduleSummary[]>;
  /** On AWS: how many sends delayed beyond 900 s wait as one-time schedules. Absent locally. */
  delayedSends?(): Promise<number>;
  dlqList(jobName: string, limit: number): Promise<DlqMessage[]>;
  /** All, or these job ids or message ids. */
  redrive(jobName: string, ids: string[] | undefined): Promise<RedriveResult>;
  purge(jobName: string): Promise<{ purged: number }>;
  getJob(jobId: string): Promise<JobStatus>;
  listJobs(filter: JobFilter): Promise<JobPage>;
  cancel(jobId: string): Promise<CancelResult>;
}

/** What `offload send` takes besides the payload. */
export interface CliSendOptions {
  delaySeconds?: number | undefined;
  /** When the job is due, ISO 8601 with its offset: the app counts it from its clock. */
  runAt?: string | undefined;
  jobId?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** A running offload app's HTTP API. */
export function httpJobsClient(url: string, apiKey: string | undefined): JobsClient {
  const http = new AppClient(url, apiKey);
  const path = (jobName: string) => `/api/queues/${encodeURIComponent(jobName)}`;
  return {
    // The request createClient's URL mode sends, with the same errors.
    send: (jobName, json, options) => postJob(http.api, { jobName, body: json, ...options }),
    queues: async () => (await http.get<{ queues: JobQueueSummary[] }>("/api/queues")).queues,
    queue: (jobName) => http.get<JobQueueSummary>(path(jobName)),
    schedules: async () =>
      (await http.get<{ schedules: ScheduleSummary[] }>("/api/schedules")).schedules,
    dlqList: async (jobName, limit) =>
      (await http.get<{ messages: DlqMessage[] }>(`${path(jobName)}/dlq?limit=${limit}`)).messages,
    redrive: (jobName, ids) =>
      http.post<RedriveResult>(`${path(jobName)}/redrive`, ids?.length ? { ids } : {}),
    purge: (jobName) => http.post<{ purged: number }>(`${path(jobName)}/purge`),
    ...httpJobStatus(http.api),
  };
}

/**
 * The API's backend in this process (over the AWS transport for `--aws`).
 * OffloadErrors keep their message; anything else (an AWS SDK error) becomes
 * one line naming `where`.
 */
export function backendJobsClient(backend: ApiBackend, where: string): JobsClient {
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      if (e instanceof OffloadError) throw e;
      const error = toError(e);
      throw new OffloadError("AwsError", `${where}: ${error.name}: ${error.message}`, { cause: e });
    }
  };
  const records = () => {
    if (backend.jobs) return backend.jobs;
    throw new OffloadError(
      "JobNotFound",
      `${where} keeps no job history (aws.jobHistory is off), so no job can be found by id`,
    );
  };
  return {
    send: (jobName, json, options) =>
      call(() =>
        backend.send(
          jobName,
          JSON.parse(json),
          Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
        ),
      ),
    queues: () => call(() => backend.queues()),
    queue: (jobName) => call(() => backend.queue(jobName)),
    schedules: () => call(async () => (await backend.schedules?.()) ?? []),
    dlqList: (jobName, limit) => call(() => backend.dlqList(jobName, { limit })),
    redrive: (jobName, ids) => call(() => backend.redrive(jobName, ids?.length ? { ids } : {})),
    purge: (jobName) => call(() => backend.purge(jobName)),
    getJob: (jobId) => call(() => records().get(jobId)),
    listJobs: (filter) => call(() => records().list(filter)),
    cancel: (jobId) => call(() => records().cancel(jobId)),
  };
}
