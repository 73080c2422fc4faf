import { createClient } from "../core/client.js";
import { type Clock, systemClock } from "../core/clock.js";
import { unknownJob } from "../core/error-codes.js";
import type { JobStatusStore } from "../core/job-status.js";
import type { AnyJobDefinition } from "../core/job-types.js";
import { parseSendAt, secondsUntil } from "../core/send-request.js";
import type { JobQueueStats, Transport } from "../core/transport.js";
import type { ApiBackend, JobQueueSummary, SendJobOptions } from "./backend.js";

/** Where the jobs run in this process: counters and alarm states (absent on AWS). */
export interface LocalRunInfo {
  counters(jobName: string): { processed: number; failed: number };
  alarmState(jobName: string): "OK" | "ALARM" | undefined;
}

export interface TransportBackendOptions {
  /** The app's jobs by name. */
  jobs: Readonly<Record<string, AnyJobDefinition>>;
  transport: Transport;
  run?: LocalRunInfo;
  /** Jobs by id (status, history, cancel): the engine's records, or the stack's table. @defaultValue none */
  records?: JobStatusStore;
  /** What a `runAt` is counted from. @defaultValue the system clock */
  clock?: Clock;
}

/**
 * The ApiBackend over a Transport: sends through the typed client (so the
 * job's schema and the size and delay limits apply), reads queue state and
 * DLQs from the transport, and counters from the local runtime when there is one.
 */
export function createTransportBackend(options: TransportBackendOptions): ApiBackend {
  const { jobs, transport, run, records } = options;
  const clock = options.clock ?? systemClock;
  const client = createClient({ transport, jobs, clock });
  const names = Object.keys(jobs).sort();
  const known = (jobName: string) => {
    if (!Object.hasOwn(jobs, jobName)) {
      throw unknownJob(jobName, names);
    }
  };
  const summary = (jobName: string, stats: JobQueueStats): JobQueueSummary => ({
    jobName,
    visible: stats.visible,
    inFlight: stats.inFlight,
    delayed: stats.delayed,
    oldestMessageAgeSeconds: stats.oldestMessageAgeSeconds,
    nextDueAt: stats.nextDueAt === undefined ? null : new Date(stats.nextDueAt).toISOString(),
    dlq: { ...stats.dlq },
    alarm: run?.alarmState(jobName) ?? null,
    processed: run ? run.counters(jobName).processed : null,
    failed: run ? run.counters(jobName).failed : null,
  });

  /** A runAt as seconds from this backend's clock: its errors name runAt. */
  const delayOf = (jobName: string, given: SendJobOptions): { delay?: `${number}s` } => {
    const seconds =
      given.runAt === undefined
        ? given.delaySeconds
        : secondsUntil(parseSendAt(given.runAt, "runAt", jobName), clock.now(), "runAt", jobName);
    return seconds === undefined ? {} : { delay: `${seconds}s` };
  };

  return {
    ...(records ? { jobs: records } : {}),
    jobNames: () => [...names],
    send: (jobName, payload, sendOptions = {}) =>
      client.send(jobName, payload as never, {
        ...delayOf(jobName, sendOptions),
        ...(sendOptions.jobId === undefined ? {} : { jobId: sendOptions.jobId }),
        ...(sendOptions.idempotencyKey === undefined
          ? {}
          : { idempotencyKey: sendOptions.idempotencyKey }),
      }),
    async queues() {
      return Promise.all(names.map(async (name) => summary(name, await transport.stats(name))));
    },
    async queue(jobName) {
      known(jobName);
      return summary(jobName, await transport.stats(jobName));
    },
    async dlqList(jobName, { limit }) {
      known(jobName);
      const messages = await transport.dlq.list(jobName, { limit });
      return messages.map((m) => ({
        jobId: m.jobId,
        messageId: m.messageId,
        body: m.body,
        attributes: { ...m.attributes },
        receiveCount: m.receiveCount,
        sentAt: new Date(m.sentAt).toISOString(),
        firstError: m.firstError ?? null,
        lastError: m.lastError ?? null,
      }));
    },
    async redrive(jobName, { ids }) {
      known(jobName);
      return transport.dlq.redrive(jobName, ids === undefined ? {} : { ids });
    },
    async purge(jobName) {
      known(jobName);
      return transport.dlq.purge(jobName);
    },
  };
}
