import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseDuration } from "../../core/duration.js";
import { OffloadError, toError } from "../../core/errors.js";
import {
  ISO_DATE_TIME_HINT,
  MAX_SCHEDULED_DELAY_SECONDS,
  parseIsoDateTime,
} from "../../core/send-request.js";
import { age, table, truncate } from "../format.js";
import type { JobsClient } from "../jobs-client.js";
import { UsageError } from "../usage-error.js";

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `offload send <job> <json|@file>` */
export async function sendCommand(
  client: JobsClient,
  o: Output,
  jobName: string,
  input: string,
  options: {
    delay?: string | undefined;
    at?: string | undefined;
    jobId?: string | undefined;
    idempotencyKey?: string | undefined;
  },
) {
  if (options.delay !== undefined && options.at !== undefined) {
    throw new UsageError(
      "InvalidSendOptions",
      `--delay and --at do not go together: give one; got --delay ${JSON.stringify(options.delay)} and --at ${JSON.stringify(options.at)}`,
    );
  }
  const seconds = options.delay === undefined ? undefined : delaySeconds(options.delay);
  const runAt = options.at === undefined ? undefined : checkAt(options.at);
  const body = input.startsWith("@") ? await readPayloadFile(input.slice(1)) : input;
  try {
    JSON.parse(body);
  } catch (e) {
    throw new UsageError("MalformedJson", `The payload is not valid JSON: ${toError(e).message}`);
  }
  const jobId = await client.send(jobName, body, {
    delaySeconds: seconds,
    runAt,
    jobId: options.jobId,
    idempotencyKey: options.idempotencyKey,
  });
  o.out(o.json ? JSON.stringify({ jobId }) : `sent ${jobName}: job ${jobId}`);
}

async function readPayloadFile(path: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (e) {
    throw new OffloadError(
      "PayloadFileUnreadable",
      `Cannot read the payload file ${path}: ${toError(e).message}`,
    );
  }
}

/**
 * Plain seconds ("90") or a duration ("90s", "2m", "2h", "30d") → whole seconds, up to 365 days:
 * up to 15 minutes it is SQS's DelaySeconds, beyond it a scheduled send.
 */
function delaySeconds(delay: string): number {
  const text = delay.trim();
  let ms: number | undefined;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    try {
      ms = parseDuration(text, "--delay");
    } catch {
      ms = undefined;
    }
  }
  if (ms === undefined || ms % 1000 !== 0) {
    throw new UsageError(
      "InvalidDelay",
      `--delay must be whole seconds ("90") or a duration ("90s", "2m", "2h", "30d"); got ${JSON.stringify(delay)}`,
    );
  }
  if (ms > MAX_SCHEDULED_DELAY_SECONDS * 1000) {
    throw new UsageError(
      "InvalidDelay",
      `--delay must be at most 365d (${MAX_SCHEDULED_DELAY_SECONDS} seconds); got ${JSON.stringify(delay)}`,
    );
  }
  return ms / 1000;
}

/** An ISO 8601 date-time with its offset, sent as runAt: the app counts it from its clock. */
function checkAt(at: string): string {
  if (parseIsoDateTime(at.trim()) === undefined) {
    throw new UsageError(
      "InvalidDelay",
      `--at must be ${ISO_DATE_TIME_HINT}; got ${JSON.stringify(at)}`,
    );
  }
  return at.trim();
}

/** `offload stats` */
export async function statsCommand(client: JobsClient, o: Output) {
  const queues = await client.queues();
  if (o.json) return o.out(JSON.stringify({ queues }));
  if (queues.length === 0) return o.out("no jobs");
  o.out(
    table(
      [
        "job",
        "visible",
        "in flight",
        "delayed",
        "next due",
        "oldest",
        "dlq",
        "dlq oldest",
        "alarm",
        "processed",
        "failed",
      ],
      queues.map((q) => [
        q.jobName,
        q.visible,
        q.inFlight,
        q.delayed,
        q.nextDueAt ?? "-",
        q.visible + q.inFlight + q.delayed > 0 ? age(q.oldestMessageAgeSeconds) : "-",
        q.dlq.visible,
        q.dlq.visible > 0 ? age(q.dlq.oldestMessageAgeSeconds) : "-",
        q.alarm ?? "-",
        q.processed ?? "-",
        q.failed ?? "-",
      ]),
    ),
  );
}

/** `offload dlq list <job>` */
export async function dlqListCommand(
  client: JobsClient,
  o: Output,
  jobName: string,
  limit: number,
) {
  const messages = await client.dlqList(jobName, limit);
  // A full page may be all of it, or the start: the DLQ's depth says which.
  const depth =
    messages.length < limit ? messages.length : (await client.queue(jobName)).dlq.visible;
  const more = depth > messages.length;
  if (o.json) return o.out(JSON.stringify({ messages, more }));
  if (messages.length === 0) return o.out(`the DLQ of ${jobName} is empty`);
  o.out(
    table(
      ["job id", "attempts", "sent", "last error", "payload"],
      messages.map((m) => [
        m.jobId,
        m.receiveCount,
        m.sentAt,
        truncate(m.lastError ?? "-", 40),
        truncate(m.body, 50),
      ]),
    ),
  );
  if (more) {
    o.out(
      `the oldest ${messages.length} of ${depth} messages in the DLQ of ${jobName}; --limit (up to 1000) lists more`,
    );
  }
}

/** `offload dlq redrive <job> [--id ...]`, with progress while a large DLQ drains. */
export async function dlqRedriveCommand(
  client: JobsClient,
  o: Output,
  jobName: string,
  ids: string[] | undefined,
) {
  const before = (await client.queue(jobName)).dlq.visible;
  const redrive = client.redrive(jobName, ids);
  let done = false;
  const progress = (async () => {
    if (o.json || (ids?.length ?? 0) > 0) return;
    while (!done) {
      await new Promise((r) => setTimeout(r, 500));
      if (done) break;
      const left = (await client.queue(jobName).catch(() => undefined))?.dlq.visible;
      if (left !== undefined) o.err(`redriving ${jobName}: ${before - left} of ${before} moved`);
    }
  })();
  const { moved, notFound = [] } = await redrive.finally(() => {
    done = true;
  });
  await progress;
  o.out(
    o.json
      ? JSON.stringify(ids?.length ? { moved, notFound } : { moved })
      : `moved ${moved} message(s) from the DLQ back to ${jobName}`,
  );
  if (notFound.length > 0) {
    throw new OffloadError(
      "NotInDlq",
      `${notFound.length} of the chosen ids ${notFound.length === 1 ? "is" : "are"} not in the DLQ of ${jobName}: ${notFound.join(", ")}`,
    );
  }
}

/** `offload dlq purge <job> --yes` */
export async function dlqPurgeCommand(
  client: JobsClient,
  o: Output,
  jobName: string,
  yes: boolean,
) {
  if (!yes) {
    throw new UsageError(
      "ConfirmationRequired",
      `Purging deletes every message in the DLQ of ${jobName} for good: add --yes to confirm`,
    );
  }
  const { purged } = await client.purge(jobName);
  o.out(
    o.json ? JSON.stringify({ purged }) : `purged ${purged} message(s) from the DLQ of ${jobName}`,
  );
}
