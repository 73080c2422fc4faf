import { createHash } from "node:crypto";
import { AWS_LIMITS } from "../core/limits.js";

/** SQS: a queue name is at most 80 characters. */
const MAX_QUEUE_NAME = AWS_LIMITS.sqs.maxQueueNameChars;

/**
 * A job's queue names: `<stack>-<job>` and `<stack>-<job>-dlq`. Names are
 * fixed (not CloudFormation's generated ones) so the CLI and the console show
 * which app and job a queue belongs to. A name that would pass SQS's 80
 * characters is cut and given a hash of the full name, so it stays unique.
 *
 * @example
 * jobQueueNames("shop-prod", "greeting"); // { queue: "shop-prod-greeting", dlq: "shop-prod-greeting-dlq" }
 */
export function jobQueueNames(stackName: string, jobName: string): { queue: string; dlq: string } {
  const base = `${stackName}-${jobName}`;
  return { queue: withinQueueNameLimit(base, ""), dlq: withinQueueNameLimit(base, "-dlq") };
}

/** The topic that routes jobs by their `jobName` attribute, and the one every DLQ alarm notifies. */
export function topicNames(stackName: string): { jobs: string; alerts: string } {
  return { jobs: `${stackName}-jobs`, alerts: `${stackName}-alerts` };
}

function withinQueueNameLimit(base: string, suffix: string): string {
  if (base.length + suffix.length <= MAX_QUEUE_NAME) return base + suffix;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 8);
  return `${base.slice(0, MAX_QUEUE_NAME - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}
