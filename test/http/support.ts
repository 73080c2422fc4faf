import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { z } from "zod";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import type { JobStatusStore } from "../../src/core/job-status.js";
import type { Transport } from "../../src/core/transport.js";
import { createEngine, type Engine, type EngineOptions } from "../../src/engine/index.js";
import type { ApiBackend } from "../../src/http/backend.js";
import { createApi } from "../../src/http/index.js";
import type { ApiOptions } from "../../src/http/options.js";
import { createTransportBackend } from "../../src/http/transport-backend.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { flushEvents } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

export const greeting = defineJob({
  schema: z.object({ friendName: z.string().min(1) }),
  handler: async () => {},
});
export const placeOrder = defineJob({
  schema: z.object({
    productId: z.string(),
    name: z.string(),
    address: z.string(),
    quantity: z.number().int().positive(),
  }),
  handler: async () => {},
});
/** No schema: takes any JSON value. */
export const audit = defineJob({ handler: async () => {} });

export const jobs = { audit, greeting, "place-order": placeOrder };
export type JobName = keyof typeof jobs;
export const JOB_NAMES = Object.keys(jobs).sort() as JobName[];

/** The ApiBackend the local server builds, over this test's jobs (no runtime: alarm and counters are null). */
export function engineBackend(
  transport: Transport,
  extra: { clock?: TestClock; records?: JobStatusStore } = {},
): ApiBackend {
  return createTransportBackend({ jobs, transport, ...extra });
}

export interface ApiStack {
  engine: Engine;
  clock: TestClock;
  transport: Transport;
  backend: ApiBackend;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The SQLite file. */
  path: string;
  /** Messages stored in every job's queue and DLQ (visible + in flight + delayed). */
  stored(): Promise<number>;
  /** Receives `count` messages of a job and moves them to its DLQ, noting `error` for each. */
  deadLetter(jobName: JobName, count: number, error?: string): Promise<string[]>;
  /** Stops the server; keeps the engine and its file. */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real engine on a temp SQLite file (durability "full": a 202 means
 * synced), the engine transport, `backend` (the engine backend unless
 * replaced) and `createApi(...)` served over HTTP on an ephemeral loopback port.
 */
export async function startApiStack(
  options: Omit<ApiOptions, "backend"> & {
    backend?: (backend: ApiBackend) => ApiBackend;
    /** Serve the engine's job records (GET /jobs/:id, DELETE /jobs/:id). @defaultValue false */
    jobRecords?: boolean;
    /** More engine options (a long fileCheckIntervalMs for tests that move days). */
    engine?: Omit<EngineOptions, "path" | "clock">;
  } = {},
): Promise<ApiStack> {
  const { dir, cleanup } = tempDir("offload-http-");
  const clock = new TestClock();
  const path = join(dir, "offload.db");
  const engine = createEngine({ ...options.engine, path, clock });
  let server: Server | undefined;
  try {
    const transport = await createEngineTransport(
      engine,
      JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
    );
    const real = engineBackend(transport, {
      clock,
      ...(options.jobRecords ? { records: engine.jobs } : {}),
    });
    const backend = options.backend ? options.backend(real) : real;
    const { backend: _, jobRecords: __, engine: ___, ...apiOptions } = options;
    const app = createApi({ ...apiOptions, backend });
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    if (!server.listening) await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const running = server;
    let serverStopped: Promise<void> | undefined;
    const stopServer = () => {
      serverStopped ??= new Promise<void>((resolve) => {
        running.close(() => resolve());
        running.closeAllConnections();
      });
      return serverStopped;
    };
    return {
      engine,
      clock,
      transport,
      backend,
      url: `http://127.0.0.1:${port}`,
      port,
      path,
      async stored() {
        let total = 0;
        for (const name of JOB_NAMES) {
          const s = await transport.stats(name);
          total += s.visible + s.inFlight + s.delayed + s.dlq.visible;
        }
        return total;
      },
      async deadLetter(jobName, count, error = "boom") {
        const messages = await transport.receive(jobName, {
          maxMessages: count,
          waitTimeSeconds: 0,
        });
        for (const m of messages) {
          await transport.noteError(jobName, m.messageId, error);
          await transport.deadLetter(jobName, m, error);
        }
        await flushEvents();
        return messages.map((m) => m.messageId);
      },
      stopServer,
      async close() {
        await stopServer();
        await engine.close();
        cleanup();
      },
    };
  } catch (e) {
    server?.close();
    await engine.close();
    cleanup();
    throw e;
  }
}

/** Sends a JSON body with the right content type. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
