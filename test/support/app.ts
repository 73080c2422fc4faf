import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect } from "vitest";
import { newJobId } from "../../src/core/job-id.js";
import type { JobStatus } from "../../src/core/job-status.js";
import type { Logger } from "../../src/core/logger.js";
import type { Transport } from "../../src/core/transport.js";
import {
  createEngineTransport,
  type LoadedJob,
  loadJobs,
  type Runtime,
  type RuntimeEvents,
  type RuntimeOptions,
  startRuntime,
} from "../../src/runtime/index.js";
import { openTestEngine, type TestEngine } from "./engine.js";

const repo = resolve(import.meta.dirname, "../..");
const core = join(repo, "src/core/index.ts");

/**
 * A folder of job files for one test, inside the repo (so job files resolve
 * `zod` and offload's source like an app's would), removed by `cleanup`.
 */
export function jobsFolder(sources: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = join(repo, ".test-tmp", randomUUID());
  mkdirSync(dir, { recursive: true });
  const coreImport = relative(dir, core).replaceAll("\\", "/");
  for (const [name, source] of Object.entries(sources)) {
    writeFileSync(
      join(dir, `${name}.ts`),
      `import { defineJob, RetryLater, Unrecoverable } from "${coreImport}";\nimport { z } from "zod";\nvoid RetryLater; void Unrecoverable; void z;\n${source}\n`,
    );
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestApp {
  te: TestEngine;
  jobs: LoadedJob[];
  transport: Transport;
  runtime: Runtime;
  logs: Array<{ level: string; fields: Record<string, unknown>; message: string | undefined }>;
  send(jobName: string, payload: unknown, delaySeconds?: number): Promise<string>;
  /** Every event of this kind so far (the runtime's events are recorded from its start). */
  seen<K extends keyof RuntimeEvents>(event: K): Array<RuntimeEvents[K][0]>;
  /**
   * Resolves once `count` events of this kind (matching `match`, counted from
   * the runtime's start) have been emitted, with those events.
   */
  until<K extends keyof RuntimeEvents>(
    event: K,
    count?: number,
    match?: (e: RuntimeEvents[K][0]) => boolean,
  ): Promise<Array<RuntimeEvents[K][0]>>;
  close(): Promise<void>;
}

/** Job files + an engine on a temp file with a TestClock + a runtime, all real. */
export async function startTestApp(
  sources: Record<string, string>,
  options: Pick<
    RuntimeOptions,
    "alertWebhook" | "alarmIntervalMs" | "workerMemoryMb" | "batchBusyOf"
  > = {},
): Promise<TestApp> {
  const folder = jobsFolder(sources);
  const te = openTestEngine();
  const logs: TestApp["logs"] = [];
  const log = (level: string) => (a: Record<string, unknown> | string, message?: string) =>
    logs.push(
      typeof a === "string" ? { level, fields: {}, message: a } : { level, fields: a, message },
    );
  const logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  } as Logger;
  let runtime: Runtime | undefined;
  try {
    const jobs = await loadJobs(folder.dir);
    const transport = await createEngineTransport(te.engine, jobs);
    runtime = await startRuntime({
      jobs,
      transport,
      clock: te.clock,
      logger,
      records: te.engine.jobs,
      idempotency: te.engine.idempotency,
      ...options,
    });
    const started = runtime;
    const history = new Map<string, unknown[]>();
    const listeners = new Set<() => void>();
    for (const kind of [
      "batch:start",
      "job:done",
      "job:failed",
      "job:dlq",
      "job:cancelled",
      "alarm",
    ] as const) {
      history.set(kind, []);
      started.on(kind, (e: unknown) => {
        history.get(kind)!.push(e);
        for (const listener of [...listeners]) listener();
      });
    }
    return {
      te,
      jobs,
      transport,
      runtime: started,
      logs,
      send: (jobName, payload, delaySeconds) =>
        transport.send({
          jobId: newJobId(Date.now()),
          jobName,
          body: JSON.stringify(payload),
          ...(delaySeconds ? { delaySeconds } : {}),
        }),
      seen: (event) => [...(history.get(event) ?? [])] as never,
      until(event, count = 1, match) {
        const matching = () =>
          (history.get(event) ?? []).filter((e) => !match || match(e as never)) as never[];
        return new Promise((resolve) => {
          const check = () => {
            const found = matching();
            if (found.length >= count) {
              listeners.delete(check);
              resolve(found.slice(0, count));
            }
          };
          listeners.add(check);
          check();
        });
      },
      async close() {
        await started.stop();
        await te.close();
        folder.cleanup();
      },
    };
  } catch (e) {
    await runtime?.stop();
    await te.close();
    folder.cleanup();
    throw e;
  }
}

/**
 * The job's record once it satisfies `ready`: read again after each turn of the event loop
 * (the runtime and the engine finish what they do in turns; no time passes), failing the test
 * with the record as it stands if it never does.
 */
export async function recordUntil(
  app: TestApp,
  jobId: string,
  ready: (job: JobStatus) => boolean,
): Promise<JobStatus> {
  let job = await app.te.engine.jobs.get(jobId);
  for (let i = 0; !ready(job) && i < 500; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    job = await app.te.engine.jobs.get(jobId);
  }
  expect(ready(job), JSON.stringify(job)).toBe(true);
  return job;
}
