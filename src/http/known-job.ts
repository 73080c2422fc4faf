import { unknownJob } from "../core/error-codes.js";
import type { ApiBackend } from "./backend.js";
import { ApiError } from "./errors.js";

/**
 * Checks that `jobName` is one of the backend's jobs before anything else
 * happens to the request.
 *
 * @throws ApiError UnknownJob (404) listing the jobs there are.
 */
export function requireKnownJob(backend: ApiBackend, jobName: string): void {
  const jobs = backend.jobNames();
  if (jobs.includes(jobName)) return;
  throw new ApiError("UnknownJob", unknownJob(jobName, jobs).message, { details: { jobs } });
}
